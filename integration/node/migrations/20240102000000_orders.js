'use strict';
// Second migration: a table the proxy shards by id (so no auto-increment),
// an index added by ALTER TABLE, and rows on both shards.
exports.up = async (knex) => {
  await knex.schema.createTable('kx_orders', (t) => {
    t.integer('id').unsigned().primary();
    t.integer('user_id').unsigned().notNullable();
    t.string('item', 40);
    t.dateTime('placed_at', { precision: 0 });
  });
  await knex.schema.alterTable('kx_orders', (t) => {
    t.index(['user_id'], 'kx_orders_user_idx');
  });
  const rows = [];
  for (let i = 1; i <= 12; i++) {
    rows.push({ id: i, user_id: (i % 3) + 1, item: `item-${i}`, placed_at: `2024-02-${String(i).padStart(2, '0')} 10:00:00` });
  }
  await knex('kx_orders').insert(rows);
};

exports.down = async (knex) => {
  await knex.schema.dropTable('kx_orders');
};
