'use strict';
// knex (mysql2 client): knex.migrate.latest() runs both migrations in one
// transaction (DDL inside it: MariaDB commits implicitly at each DDL)
// under knex's lock table, then a rollback and latest again, query-builder
// pagination, and transactions with an isolation level.
const path = require('path');
const { main, value } = require('./lib');

main('knex', async (t, c) => {
  const knex = require('knex')({
    client: 'mysql2',
    connection: { ...c, timezone: 'Z' },
    pool: { min: 1, max: 1 },
    migrations: { directory: path.join(__dirname, 'migrations'), tableName: 'kx_migrations' },
  });
  const raw = (sql, b) => knex.raw(sql, b);
  // The migrations table's migration_time is the time it ran: only its
  // names and batches are compared.
  const migrations = () => knex('kx_migrations').select('id', 'name', 'batch').orderBy('id');
  const dump = () => knex('kx_migrations_lock').select();
  try {
    for (const tb of ['kx_orders', 'kx_users', 'kx_migrations', 'kx_migrations_lock']) {
      await t.step(`drop ${tb}`, () => knex.schema.dropTableIfExists(tb), value);
    }
    await t.step('migrate.latest', () => knex.migrate.latest(), value);
    await t.step('migrations after latest', migrations, value);
    await t.step('lock table', dump, value);
    await t.step('migrate.currentVersion', () => knex.migrate.currentVersion(), value);
    await t.step('users', () => knex('kx_users').select().orderBy('id'), value);
    await t.step('orders page (limit/offset)', () => knex('kx_orders').select('id', 'item', 'placed_at').orderBy('id').limit(4).offset(4), value);
    await t.step('orders join users', () =>
      knex('kx_orders as o').join('kx_users as u', 'u.id', 'o.user_id').where('u.name', 'Bob').select('o.id', 'u.email').orderBy('o.id'), value);
    await t.step('migrate.rollback', () => knex.migrate.rollback(), value);
    await t.step('migrations after rollback', migrations, value);
    await t.step('users after rollback', () => knex('kx_users').count({ n: '*' }), value);
    await t.step('migrate.latest again', () => knex.migrate.latest(), value);
    await t.step('migrations after latest again', migrations, value);
    await t.step('migrate.up is a no-op now', () => knex.migrate.up(), value);

    // Transactions with an isolation level.
    await t.step('transaction read committed (commit)', () =>
      knex.transaction(async (trx) => {
        const ids = await trx('kx_users').insert({ email: 'd@example.com', name: 'Dee', balance: '1.00' });
        await trx('kx_orders').insert([{ id: 100, user_id: ids[0], item: 'tx' }, { id: 101, user_id: ids[0], item: 'tx' }]);
        const n = await trx('kx_orders').where('user_id', ids[0]).count({ n: '*' });
        return { ids, n };
      }, { isolationLevel: 'read committed' }), value);
    await t.step('transaction serializable (rollback)', () =>
      knex.transaction(async (trx) => {
        await trx('kx_users').where('email', 'a@example.com').update({ balance: knex.raw('balance + 100') });
        await trx('kx_orders').where('id', '<', 5).del();
        throw Object.assign(new Error('undo'), { code: 'APP_UNDO' });
      }, { isolationLevel: 'serializable' }), value);
    await t.step('manual transaction, rollback()', async () => {
      const trx = await knex.transaction({ isolationLevel: 'repeatable read' });
      await trx('kx_orders').insert({ id: 102, user_id: 1, item: 'gone' });
      await trx.rollback();
      return trx.isCompleted();
    }, value);
    await t.step('after transactions: users', () => knex('kx_users').select('id', 'email', 'balance').orderBy('id'), value);
    await t.step('after transactions: orders', () => knex('kx_orders').select('id', 'user_id', 'item').orderBy('id'), value);
    await t.step('update returns affected rows', () => knex('kx_orders').where('id', '>', 8).update({ item: 'late' }), value);
    await t.step('delete returns affected rows', () => knex('kx_orders').where('id', '>=', 100).del(), value);
    await t.step('raw error', () => raw('SELECT * FROM kx_missing'), value);
    await t.step('unique violation', () => knex('kx_users').insert({ email: 'a@example.com' }), value);
    await t.step('migrate.rollback all', () => knex.migrate.rollback(undefined, true), value);
    await t.step('migrations at the end', migrations, value);
  } finally {
    await knex.destroy();
  }
});
