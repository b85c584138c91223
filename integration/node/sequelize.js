'use strict';
// sequelize 6 (mysql dialect on mysql2): models on an unsharded table
// (auto-increment key) and on a table the proxy shards by id, sync(),
// create, bulkCreate, findAll with limit/offset, findAndCountAll, update,
// destroy, a managed transaction with an isolation level that commits and
// one that rolls back, and a validation error from the server.
const { Sequelize, DataTypes, Transaction, Op } = require('sequelize');
const { main, value } = require('./lib');

// plain turns model instances into what the application reads.
const plain = (v) => value(Array.isArray(v) ? v.map((x) => (x && x.get ? x.get({ plain: true }) : x)) : v && v.get ? v.get({ plain: true }) : v);

main('sequelize', async (t, c) => {
  const seq = new Sequelize(c.database, c.user, c.password, {
    host: c.host,
    port: c.port,
    dialect: 'mysql',
    logging: false,
    timezone: '+00:00',
    pool: { max: 2, min: 0 },
  });
  const Note = seq.define('Note', {
    id: { type: DataTypes.INTEGER, autoIncrement: true, primaryKey: true },
    title: { type: DataTypes.STRING(40), allowNull: false, unique: true },
    amount: DataTypes.DECIMAL(10, 2),
    big: DataTypes.BIGINT,
    meta: DataTypes.JSON,
    due: DataTypes.DATE,
  }, { tableName: 'sq_notes', timestamps: false });
  const Shard = seq.define('Shard', {
    id: { type: DataTypes.INTEGER, primaryKey: true, autoIncrement: false },
    label: DataTypes.STRING(20),
    qty: DataTypes.INTEGER,
  }, { tableName: 'sq_shard', timestamps: false });
  try {
    await t.step('authenticate', () => seq.authenticate(), value);
    await t.step('sync force', () => seq.sync({ force: true }).then(() => 'synced'), value);
    await t.step('sync alter', () => Note.sync({ alter: true }).then(() => 'altered'), value);
    await t.step('create', () => Note.create({ title: 'first', amount: '12.34', big: '9007199254740993', meta: { a: [1, 2] }, due: new Date(Date.UTC(2024, 4, 5, 6, 7, 8)) }), plain);
    const notes = [];
    for (let i = 1; i <= 25; i++) notes.push({ title: `n${i}`, amount: (i / 4).toFixed(2), big: i * 1000, meta: { i } });
    await t.step('bulkCreate', () => Note.bulkCreate(notes), plain);
    const shards = [];
    for (let i = 1; i <= 25; i++) shards.push({ id: i, label: `s${i}`, qty: i % 7 });
    await t.step('bulkCreate sharded', () => Shard.bulkCreate(shards), plain);
    await t.step('findAll limit offset', () => Note.findAll({ order: [['id', 'ASC']], limit: 5, offset: 10 }), plain);
    await t.step('findAll sharded limit offset', () => Shard.findAll({ order: [['id', 'DESC']], limit: 5, offset: 3 }), plain);
    await t.step('findAndCountAll', () => Note.findAndCountAll({ where: { amount: { [Op.gt]: 3 } }, order: [['id', 'ASC']], limit: 3 }).then((r) => ({ count: r.count, rows: r.rows.map((x) => x.get({ plain: true })) })), value);
    await t.step('findAndCountAll sharded', () => Shard.findAndCountAll({ where: { qty: { [Op.gte]: 3 } }, order: [['id', 'ASC']], limit: 4, offset: 2 }).then((r) => ({ count: r.count, rows: r.rows.map((x) => x.get({ plain: true })) })), value);
    await t.step('findByPk with JSON and DATE', () => Note.findByPk(1), plain);
    await t.step('count/sum sharded', async () => ({ n: await Shard.count(), qty: await Shard.sum('qty') }), value);
    await t.step('update', () => Note.update({ amount: '0.01' }, { where: { id: { [Op.lte]: 3 } } }), value);
    await t.step('update sharded', () => Shard.update({ label: 'x' }, { where: { qty: 0 } }), value);
    // upsert's "created" is mysql2's affectedRows === 1, which with
    // FOUND_ROWS (mysql2's default) an unchanged duplicate also gives.
    for (const [name, v] of [['new', { id: 30, label: 'u', qty: 1 }], ['changed', { id: 30, label: 'v', qty: 1 }], ['unchanged', { id: 30, label: 'v', qty: 1 }]]) {
      await t.step(`upsert sharded (${name})`, () => Shard.upsert(v).then(([row, created]) => ({ row: row.get({ plain: true }), created })), value);
    }
    await t.step('destroy sharded', () => Shard.destroy({ where: { id: { [Op.gt]: 20 } } }), value);

    await t.step('managed transaction (commit)', () =>
      seq.transaction({ isolationLevel: Transaction.ISOLATION_LEVELS.READ_COMMITTED }, async (tx) => {
        const n = await Note.create({ title: 'in tx' }, { transaction: tx });
        await Shard.bulkCreate([{ id: 40, label: 'tx' }, { id: 41, label: 'tx' }], { transaction: tx });
        return n.id;
      }), value);
    await t.step('managed transaction (rollback)', () =>
      seq.transaction({ isolationLevel: Transaction.ISOLATION_LEVELS.SERIALIZABLE }, async (tx) => {
        await Note.create({ title: 'rolled back' }, { transaction: tx });
        await Shard.destroy({ where: {}, transaction: tx });
        throw Object.assign(new Error('undo'), { code: 'APP_UNDO' });
      }), value);
    await t.step('unmanaged transaction', async () => {
      const tx = await seq.transaction();
      await Shard.update({ qty: 99 }, { where: { id: [1, 2] }, transaction: tx });
      const inside = await Shard.findAll({ where: { id: [1, 2] }, order: [['id', 'ASC']], transaction: tx, raw: true });
      await tx.rollback();
      return inside;
    }, value);
    await t.step('unique violation', () => Note.create({ title: 'first' }), plain);
    await t.step('NOT NULL from the server', () => seq.query("INSERT INTO sq_notes (title) VALUES (NULL)"), value);
    await t.step('raw query', () => seq.query('SELECT id, title, amount FROM sq_notes WHERE id > ? ORDER BY id LIMIT 3', { replacements: [20], type: Sequelize.QueryTypes.SELECT }), value);
    await t.step('final notes', () => Note.findAll({ order: [['id', 'ASC']], raw: true }), value);
    await t.step('final shards', () => Shard.findAll({ order: [['id', 'ASC']], raw: true }), value);
  } finally {
    await seq.close();
  }
});
