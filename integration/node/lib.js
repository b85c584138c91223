'use strict';
// Shared by the client scripts: where to connect, and the transcript they
// print. Each script runs the same steps through xaproxy and directly on
// MariaDB; integration/nodeclients_test.go compares the two transcripts.

// dsn reads the connection settings from argv (host port user password
// database) or, for each one missing, from XAP_HOST, XAP_PORT, XAP_USER,
// XAP_PASSWORD, XAP_DATABASE.
function dsn() {
  const a = process.argv.slice(2);
  const pick = (i, name, def) => (a[i] !== undefined ? a[i] : process.env[name] !== undefined ? process.env[name] : def);
  return {
    host: pick(0, 'XAP_HOST', '127.0.0.1'),
    port: Number(pick(1, 'XAP_PORT', '3306')),
    user: pick(2, 'XAP_USER', 'root'),
    password: pick(3, 'XAP_PASSWORD', ''),
    database: pick(4, 'XAP_DATABASE', 'shop'),
  };
}

// value makes a JSON-safe description of what the client library handed
// the application, keeping the JavaScript type visible: a Date, a Buffer
// and a BigInt are not confused with a string or a number.
function value(v) {
  if (v === null || v === undefined) return v === null ? null : { undefined: true };
  if (typeof v === 'bigint') return { bigint: v.toString() };
  if (typeof v === 'number' && !Number.isFinite(v)) return { number: String(v) };
  if (v instanceof Date) return { date: Number.isNaN(v.getTime()) ? 'Invalid Date' : v.toISOString() };
  if (Buffer.isBuffer(v)) return { buffer: v.toString('hex') };
  if (Array.isArray(v)) return v.map(value);
  if (typeof v === 'object') {
    const o = {};
    for (const k of Object.keys(v)) o[k] = value(v[k]);
    return o;
  }
  return v;
}

// field is a column definition as mysql2 reports it to the application.
function field(f) {
  if (!f) return f;
  const out = {
    name: f.name,
    orgName: f.orgName,
    table: f.table,
    orgTable: f.orgTable,
    schema: f.schema,
    characterSet: f.characterSet,
    columnLength: f.columnLength,
    columnType: f.columnType,
    flags: f.flags,
    decimals: f.decimals,
  };
  // MariaDB's extended metadata (JSON, UUID, INET, ...) when negotiated.
  if (f.extendedTypeName !== undefined) out.extendedTypeName = f.extendedTypeName;
  if (f.extendedFormat !== undefined) out.extendedFormat = f.extendedFormat;
  return out;
}

// header is an OK packet as mysql2 reports it (ResultSetHeader).
function header(h) {
  return {
    okPacket: true,
    affectedRows: value(h.affectedRows),
    insertId: value(h.insertId),
    changedRows: value(h.changedRows),
    info: h.info,
    warningStatus: h.warningStatus,
    serverStatus: h.serverStatus,
  };
}

function isHeader(r) {
  return r && typeof r === 'object' && !Array.isArray(r) && r.constructor && r.constructor.name === 'ResultSetHeader';
}

// result describes mysql2's [rows, fields] of query() and execute(),
// including the arrays of results of a multi-statement query.
function result(r) {
  if (!Array.isArray(r) || r.length !== 2) return value(r);
  const [rows, fields] = r;
  if (isHeader(rows)) return header(rows);
  if (Array.isArray(rows) && rows.some(isHeader)) {
    // multipleStatements: one entry per statement.
    return { results: rows.map((x, i) => (isHeader(x) ? header(x) : { rows: value(x), fields: (fields[i] || []).map(field) })) };
  }
  return { rows: value(rows), fields: Array.isArray(fields) ? fields.map((f) => (Array.isArray(f) ? f.map(field) : field(f))) : value(fields) };
}

// error keeps what an application branches on: mysql2's code, errno,
// sqlState and the server's message.
function error(e) {
  const out = { code: e.code, errno: e.errno, sqlState: e.sqlState, message: e.sqlMessage || e.message };
  if (e.name && e.name !== 'Error') out.name = e.name;
  if (e.parent || e.original) out.cause = error(e.parent || e.original);
  return out;
}

class Transcript {
  constructor(client) {
    this.client = client;
    this.steps = [];
  }

  // step runs fn and records what it returned (through describe) or threw.
  async step(name, fn, describe = result) {
    try {
      const v = await fn();
      this.steps.push({ step: name, result: describe(v) });
      return v;
    } catch (e) {
      this.steps.push({ step: name, error: error(e) });
      return undefined;
    }
  }

  print() {
    process.stdout.write(JSON.stringify({ client: this.client, steps: this.steps }, null, 1) + '\n');
  }
}

// main runs a script and prints its transcript; only a crash of the script
// itself (not a failed step) exits non-zero.
function main(client, fn) {
  const t = new Transcript(client);
  fn(t, dsn())
    .then(() => t.print())
    .catch((e) => {
      t.print();
      process.stderr.write(`${client}: script failed: ${e && e.stack ? e.stack : e}\n`);
      process.exit(1);
    });
}

module.exports = { dsn, value, field, header, result, error, main };
