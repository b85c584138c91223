'use strict';
// First migration: an unsharded table with an auto-increment key, a unique
// index and a secondary index, and its first rows.
exports.up = async (knex) => {
  await knex.schema.createTable('kx_users', (t) => {
    t.increments('id');
    t.string('email', 100).notNullable().unique();
    t.string('name', 50);
    t.decimal('balance', 10, 2).defaultTo(0);
    t.index(['name'], 'kx_users_name_idx');
  });
  await knex('kx_users').insert([
    { email: 'a@example.com', name: 'Ann', balance: '10.50' },
    { email: 'b@example.com', name: 'Bob', balance: '0.25' },
    { email: 'c@example.com', name: 'Cy' },
  ]);
};

exports.down = async (knex) => {
  await knex.schema.dropTable('kx_users');
};
