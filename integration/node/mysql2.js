'use strict';
// mysql2 the way applications use it: execute() (server-side prepared
// statements; mysql2 sends JS numbers as DOUBLE, so `LIMIT ? OFFSET ?`
// gets DOUBLE parameters), query() with client-side placeholders, JSON,
// DATETIME, DECIMAL and BIGINT values, multipleStatements, transactions
// with an isolation level, rowsAsArray, warnings and errors.
// n_page is unsharded; the test's proxy config shards n_shard by id.
const mysql = require('mysql2/promise');
const { main, value } = require('./lib');

function pageRow(i) {
  return [
    i,
    `item-${i}`,
    (i * 1.25).toFixed(2),
    new Date(Date.UTC(2024, 0, 1 + (i % 28), i % 24, i, i, i * 7)),
    i === 7 ? '9007199254740993' : i === 9 ? -9007199254740993n : i * 1000000007,
    i === 8 ? '18446744073709551615' : i,
    JSON.stringify({ i, tags: [`t${i % 3}`, 'x'], nested: { ok: i % 2 === 0 } }),
  ];
}

main('mysql2', async (t, c) => {
  const conn = await mysql.createConnection({ ...c, multipleStatements: true, timezone: 'Z' });
  // Whether mysql2 took the server for MariaDB (it changes the execute
  // packet and the column definitions it reads).
  await t.step('server is MariaDB', async () => conn.connection._isMariaDB, value);

  for (const tb of ['n_page', 'n_shard', 'n_auto']) {
    await t.step(`drop ${tb}`, () => conn.query(`DROP TABLE IF EXISTS ${tb}`));
  }
  await t.step('create n_page', () =>
    conn.query(`CREATE TABLE n_page (id INT PRIMARY KEY, name VARCHAR(30) NOT NULL, price DECIMAL(12,2),
      created DATETIME(3), big BIGINT, ubig BIGINT UNSIGNED, doc JSON)`));
  await t.step('create n_shard', () =>
    conn.query(`CREATE TABLE n_shard (id INT PRIMARY KEY, name VARCHAR(30) NOT NULL, price DECIMAL(12,2),
      created DATETIME(3), big BIGINT, ubig BIGINT UNSIGNED, doc JSON)`));
  await t.step('create n_auto', () => conn.query('CREATE TABLE n_auto (id BIGINT AUTO_INCREMENT PRIMARY KEY, v VARCHAR(20))'));

  const rows = [];
  for (let i = 1; i <= 40; i++) rows.push(pageRow(i));
  const cols = '(id, name, price, created, big, ubig, doc)';
  await t.step('bulk insert n_page (query VALUES ?)', () => conn.query(`INSERT INTO n_page ${cols} VALUES ?`, [rows]));
  await t.step('bulk insert n_shard (query VALUES ?)', () => conn.query(`INSERT INTO n_shard ${cols} VALUES ?`, [rows]));

  // Pagination, binary protocol, DOUBLE parameters.
  for (const tb of ['n_page', 'n_shard']) {
    await t.step(`${tb} execute LIMIT ? OFFSET ?`, () =>
      conn.execute(`SELECT id, name FROM ${tb} ORDER BY id LIMIT ? OFFSET ?`, [10, 20]));
    await t.step(`${tb} execute WHERE id > ? ORDER BY id DESC LIMIT ?`, () =>
      conn.execute(`SELECT id, name, price FROM ${tb} WHERE id > ? ORDER BY id DESC LIMIT ?`, [5, 3]));
    await t.step(`${tb} execute LIMIT past the end`, () =>
      conn.execute(`SELECT id FROM ${tb} ORDER BY id LIMIT ? OFFSET ?`, [10, 38]));
    await t.step(`${tb} query LIMIT ?, ?`, () => conn.query(`SELECT id, name FROM ${tb} ORDER BY id LIMIT ?, ?`, [20, 10]));
    await t.step(`${tb} query IN (?)`, () =>
      conn.query(`SELECT id, price FROM ${tb} WHERE id IN (?) AND name <> ? ORDER BY id`, [[1, 2, 3, 17], 'x']));
    await t.step(`${tb} JSON column`, () =>
      conn.query(`SELECT id, doc, JSON_EXTRACT(doc, '$.tags') AS tags, JSON_OBJECT('a', id) AS obj FROM ${tb} WHERE id <= 3 ORDER BY id`));
    await t.step(`${tb} JSON column (execute)`, () =>
      conn.execute(`SELECT id, doc, JSON_VALUE(doc, '$.nested.ok') AS ok FROM ${tb} WHERE id <= ? ORDER BY id`, [2]));
    await t.step(`${tb} DATETIME DECIMAL BIGINT (query)`, () =>
      conn.query(`SELECT id, created, price, big, ubig FROM ${tb} WHERE id IN (7, 8, 9, 10) ORDER BY id`));
    await t.step(`${tb} DATETIME DECIMAL BIGINT (execute)`, () =>
      conn.execute(`SELECT id, created, price, big, ubig FROM ${tb} WHERE id BETWEEN ? AND ? ORDER BY id`, [7, 10]));
    await t.step(`${tb} execute DATETIME parameter`, () =>
      conn.execute(`SELECT id, created FROM ${tb} WHERE created >= ? ORDER BY created, id LIMIT 3`, [new Date(Date.UTC(2024, 0, 20))]));
    await t.step(`${tb} execute BIGINT string parameter`, () =>
      conn.execute(`SELECT id, big FROM ${tb} WHERE big = ?`, ['9007199254740993']));
    await t.step(`${tb} aggregates`, () =>
      conn.execute(`SELECT SUM(price) AS total, COUNT(*) AS n, MAX(created) AS last, MIN(big) AS lo, AVG(price) AS mean FROM ${tb} WHERE id > ?`, [0]));
    await t.step(`${tb} rowsAsArray query`, () =>
      conn.query({ sql: `SELECT id, name, price FROM ${tb} ORDER BY id LIMIT 3`, rowsAsArray: true }));
    await t.step(`${tb} rowsAsArray execute`, () =>
      conn.execute({ sql: `SELECT id, name, created FROM ${tb} WHERE id < ? ORDER BY id`, rowsAsArray: true }, [3]));
    await t.step(`${tb} update`, () => conn.execute(`UPDATE ${tb} SET price = price + 1 WHERE id <= ?`, [4]));
    await t.step(`${tb} update matching, changing none`, () => conn.query(`UPDATE ${tb} SET name = name WHERE id <= 2`));
    await t.step(`${tb} delete`, () => conn.execute(`DELETE FROM ${tb} WHERE id > ?`, [36]));
    await t.step(`${tb} warning`, () => conn.query(`INSERT INTO ${tb} (id, name, price) VALUES (100, 'w', '1.005')`));
  }

  await t.step('multipleStatements', () =>
    conn.query("SELECT 1 AS a; SELECT id, name FROM n_shard ORDER BY id LIMIT 2; UPDATE n_page SET name = CONCAT(name, '!') WHERE id <= 2; SELECT name FROM n_page WHERE id = 1"));
  await t.step('multipleStatements with a failing statement', () =>
    conn.query('SELECT 1 AS a; SELECT * FROM n_missing; SELECT 2 AS b'));

  await t.step('insertId (query)', () => conn.query('INSERT INTO n_auto (v) VALUES (?), (?)', ['a', 'b']));
  await t.step('insertId (execute)', () => conn.execute('INSERT INTO n_auto (v) VALUES (?)', ['c']));
  await t.step('LAST_INSERT_ID()', () => conn.query('SELECT LAST_INSERT_ID() AS id'));

  // Transactions.
  await t.step('session isolation', () => conn.query('SELECT @@tx_isolation AS iso'));
  await t.step('SET TRANSACTION ISOLATION LEVEL READ COMMITTED', () => conn.query('SET TRANSACTION ISOLATION LEVEL READ COMMITTED'));
  await t.step('beginTransaction', () => conn.beginTransaction());
  await t.step('tx insert n_page', () => conn.execute('INSERT INTO n_page (id, name) VALUES (?, ?)', [201, 'tx']));
  await t.step('tx insert n_shard (two shards)', () => conn.query('INSERT INTO n_shard (id, name) VALUES (201, ?), (202, ?)', ['tx', 'tx']));
  await t.step('tx reads its own rows', () => conn.query('SELECT id FROM n_shard WHERE id > 200 ORDER BY id'));
  await t.step('commit', () => conn.commit());
  await t.step('after commit', () => conn.query('SELECT (SELECT COUNT(*) FROM n_page WHERE id > 200) AS p'));
  await t.step('after commit (sharded)', () => conn.query('SELECT COUNT(*) AS s FROM n_shard WHERE id > 200'));
  await t.step('session isolation after the transaction', () => conn.query('SELECT @@tx_isolation AS iso'));
  await t.step('SET SESSION TRANSACTION ISOLATION LEVEL READ COMMITTED', () =>
    conn.query('SET SESSION TRANSACTION ISOLATION LEVEL READ COMMITTED'));
  await t.step('session isolation now', () => conn.query('SELECT @@tx_isolation AS iso'));
  await t.step('beginTransaction (rolled back)', () => conn.beginTransaction());
  await t.step('tx2 insert n_page', () => conn.query('INSERT INTO n_page (id, name) VALUES (?, ?)', [203, 'rb']));
  await t.step('tx2 insert n_shard (two shards)', () => conn.execute('INSERT INTO n_shard (id, name) VALUES (?, ?), (?, ?)', [203, 'rb', 204, 'rb']));
  await t.step('tx2 update', () => conn.execute('UPDATE n_shard SET name = ? WHERE id IN (201, 202)', ['changed']));
  await t.step('rollback', () => conn.rollback());
  await t.step('after rollback', () => conn.query('SELECT id, name FROM n_page WHERE id > 200 ORDER BY id'));
  await t.step('after rollback (sharded)', () => conn.query('SELECT id, name FROM n_shard WHERE id > 200 ORDER BY id'));

  // Errors.
  await t.step('no such table (query)', () => conn.query('SELECT * FROM n_missing'));
  await t.step('no such table (execute)', () => conn.execute('SELECT * FROM n_missing WHERE id = ?', [1]));
  await t.step('duplicate key', () => conn.query("INSERT INTO n_page (id, name) VALUES (1, 'dup')"));
  await t.step('duplicate key (sharded, execute)', () => conn.execute('INSERT INTO n_shard (id, name) VALUES (?, ?)', [1, 'dup']));
  await t.step('NOT NULL violated', () => conn.execute('INSERT INTO n_page (id, name) VALUES (?, ?)', [300, null]));
  await t.step('unknown column', () => conn.query('SELECT nope FROM n_shard'));
  await t.step('connection still usable', () => conn.query('SELECT 1 AS one'));

  // Upserts: mysql2 connects with FOUND_ROWS, so a duplicate left
  // unchanged counts 1 (sequelize's upsert reads "created" from it).
  for (const tb of ['n_page', 'n_shard']) {
    await t.step(`${tb} upsert unchanged (query)`, () =>
      conn.query(`INSERT INTO ${tb} (id, name) VALUES (1, 'item-1'), (2, 'item-2') ON DUPLICATE KEY UPDATE name = VALUES(name)`));
    await t.step(`${tb} upsert one row unchanged (execute)`, () =>
      conn.execute(`INSERT INTO ${tb} (id, name) VALUES (?, ?) ON DUPLICATE KEY UPDATE name = VALUES(name)`, [3, 'item-3']));
    await t.step(`${tb} upsert changed, unchanged and inserted`, () =>
      conn.query(`INSERT INTO ${tb} (id, name) VALUES (4, 'four'), (5, 'item-5'), (41, 'new') ON DUPLICATE KEY UPDATE name = VALUES(name)`));
  }

  // Final state.
  for (const tb of ['n_page', 'n_shard', 'n_auto']) {
    await t.step(`${tb} dump`, () => conn.query(`SELECT * FROM ${tb} ORDER BY id`));
  }
  await conn.end();
});
