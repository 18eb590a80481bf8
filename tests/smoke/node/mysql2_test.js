#!/usr/bin/env node
// Smoke test through the Node.js `mysql2` driver, unchanged.
//
//   (cd tests/smoke/node && npm ci)
//   GUOCEDB_HOST=127.0.0.1 GUOCEDB_PORT=3306 node tests/smoke/node/mysql2_test.js
//
// Connects as root with no password and:
// - creates a table of typed columns (INT, BIGINT, DECIMAL, DOUBLE, VARCHAR,
//   DATE, DATETIME, DATETIME(6), TIMESTAMP(3), BLOB) and inserts rows with
//   `execute()` (COM_STMT_PREPARE / COM_STMT_EXECUTE; mysql2 picks each
//   parameter's wire type from the JS value and the server's parameter
//   metadata): extreme integers (BigInt), non-ASCII text incl. a 4-byte
//   emoji, JS Dates, binary Buffers with 0x00..0xFF, NULLs;
// - reads them back over the binary protocol (`execute`) and the text
//   protocol (`query`) as typed JS values (numbers, BIGINT/DECIMAL as exact
//   strings, Dates in UTC, Buffers), and once more with `dateStrings` to
//   check the exact temporal text incl. fractional seconds;
// - JSON: probes `CREATE TABLE … JSON`; a server without JSON (error 1235)
//   is reported as a skip, one with it must round-trip a document;
// - a transaction with rollback and one with commit, checking what another
//   connection sees before and after the commit;
// - MySQL errors: errno, SQLSTATE and code of a duplicate key (1062, 23000,
//   ER_DUP_ENTRY), an unknown table (1146, 42S02, ER_NO_SUCH_TABLE) and a
//   syntax error (1064, 42000, ER_PARSE_ERROR).
// Exits 0 when everything matched, 1 otherwise (each mismatch is printed).
'use strict';

const assert = require('node:assert');
let mysql;
try {
  mysql = require('mysql2/promise');
} catch (e) {
  console.error('mysql2_test.js: mysql2 is not installed (cd tests/smoke/node && npm ci)');
  process.exit(2);
}

const HOST = process.env.GUOCEDB_HOST || '127.0.0.1';
const PORT = Number(process.env.GUOCEDB_PORT || '3306');
const DB = 'smoke_mysql2';
const failures = [];

function check(name, actual, expected) {
  try {
    assert.deepStrictEqual(actual, expected);
    console.log(`ok:   ${name}`);
  } catch (e) {
    console.log(`FAIL: ${name}: expected ${fmt(expected)}, got ${fmt(actual)}`);
    failures.push(name);
  }
}

function fmt(v) {
  return require('node:util').inspect(v, { depth: 5, breakLength: Infinity });
}

const BLOB = Buffer.concat([Buffer.from([...Array(256).keys()]), Buffer.from([0x00, 0xff, 0x00])]);
const utc = (s) => new Date(s + 'Z');
// Each row: id, i, b, d, f, s, dt, dtm, dtm6, ts, bl as sent (JS values),
// then as read back in typed mode, then as read back with dateStrings.
const COLUMNS = ['id', 'i', 'b', 'd', 'f', 's', 'dt', 'dtm', 'dtm6', 'ts', 'bl'];
const ROWS = [
  {
    send: [1, -2147483648, 9223372036854775807n, '-123456789012.345', 3.141592653589793, 'Grüße, 世界 🚀 ñ',
      utc('2024-02-29T00:00:00'), utc('1999-12-31T23:59:59'), '2024-12-31 23:59:58.123456',
      utc('2038-01-19T03:14:07.500'), BLOB],
    typed: [1, -2147483648, '9223372036854775807', '-123456789012.345', 3.141592653589793, 'Grüße, 世界 🚀 ñ',
      utc('2024-02-29T00:00:00'), utc('1999-12-31T23:59:59'), utc('2024-12-31T23:59:58.123'),
      utc('2038-01-19T03:14:07.500'), BLOB],
    strings: ['2024-02-29', '1999-12-31 23:59:59', '2024-12-31 23:59:58.123456', '2038-01-19 03:14:07.500'],
  },
  {
    send: [2, 2147483647, -9223372036854775808n, '0.001', -2.5e-300, '', '1000-01-01',
      '9999-12-31 23:59:59', '1970-01-01 00:00:00.000001', '1970-01-01 00:00:01', Buffer.from([0])],
    typed: [2, 2147483647, '-9223372036854775808', '0.001', -2.5e-300, '', utc('1000-01-01T00:00:00'),
      utc('9999-12-31T23:59:59'), utc('1970-01-01T00:00:00'), utc('1970-01-01T00:00:01'), Buffer.from([0])],
    strings: ['1000-01-01', '9999-12-31 23:59:59', '1970-01-01 00:00:00.000001', '1970-01-01 00:00:01.000'],
    // A binary DATETIME without a fraction has no microseconds field (as
    // MySQL sends it), so mysql2 prints none whatever the precision.
    binStrings: ['1000-01-01', '9999-12-31 23:59:59', '1970-01-01 00:00:00.000001', '1970-01-01 00:00:01'],
  },
  {
    send: [3, null, null, null, null, null, null, null, null, null, null],
    typed: [3, null, null, null, null, null, null, null, null, null, null],
    strings: [null, null, null, null],
  },
];

function checkRows(name, rows) {
  check(`${name}: row count`, rows.length, ROWS.length);
  ROWS.forEach((want, r) => {
    const got = COLUMNS.map((c) => rows[r] && rows[r][c]);
    let ok = true;
    COLUMNS.forEach((c, i) => {
      try {
        assert.deepStrictEqual(got[i], want.typed[i]);
      } catch (e) {
        ok = false;
        console.log(`FAIL: ${name}: row ${want.send[0]} column ${c}: expected ${fmt(want.typed[i])}, got ${fmt(got[i])}`);
        failures.push(`${name} ${want.send[0]}.${c}`);
      }
    });
    if (ok) console.log(`ok:   ${name}: row ${want.send[0]}`);
  });
}

function checkStrings(name, rows, binary) {
  ROWS.forEach((want, r) => {
    const got = rows[r] ? [rows[r].dt, rows[r].dtm, rows[r].dtm6, rows[r].ts] : undefined;
    check(`${name}: row ${want.send[0]} temporal text`, got, (binary && want.binStrings) || want.strings);
  });
}

async function expectError(conn, name, errno, sqlState, code, sql, params) {
  try {
    await (params ? conn.execute(sql, params) : conn.query(sql));
  } catch (e) {
    check(`${name}: errno/sqlState/code`, [e.errno, e.sqlState, e.code], [errno, sqlState, code]);
    return;
  }
  console.log(`FAIL: ${name}: expected error ${errno}, the statement succeeded`);
  failures.push(name);
}

async function jsonRoundTrip(conn) {
  try {
    await conn.query('CREATE TABLE docs (id INT PRIMARY KEY, doc JSON)');
  } catch (e) {
    if (e.errno === 1235) {
      console.log(`skip: JSON: the server has no JSON type (${e.errno}: ${e.sqlMessage})`);
      return;
    }
    throw e;
  }
  const doc = { a: [1, 2.5, 'ü'], b: null, c: { d: true } };
  await conn.execute('INSERT INTO docs VALUES (?, ?)', [1, JSON.stringify(doc)]);
  const [rows] = await conn.query('SELECT doc FROM docs WHERE id = 1');
  // mysql2 parses JSON columns into JS values.
  check('JSON round-trips', rows[0].doc, doc);
}

async function main() {
  const options = {
    host: HOST, port: PORT, user: 'root', password: '', connectTimeout: 10000, charset: 'utf8mb4',
    supportBigNumbers: true, timezone: 'Z',
  };
  let conn;
  try {
    conn = await mysql.createConnection(options);
  } catch (e) {
    console.error(`mysql2_test.js: cannot connect to ${HOST}:${PORT}: ${e.message}`);
    process.exit(1);
  }
  const [[{ v }]] = await conn.query('SELECT VERSION() AS v');
  console.log(`connected: server ${v}, mysql2 ${require('mysql2/package.json').version}`);

  const [one] = await conn.query('SELECT 1 + 1 AS two, \'x\' AS x');
  check('select 1 + 1', one, [{ two: 2, x: 'x' }]);
  await conn.query(`DROP DATABASE IF EXISTS ${DB}`);
  await conn.query(`CREATE DATABASE ${DB}`);
  await conn.changeUser({ database: DB });
  await conn.query('CREATE TABLE typed (id INT PRIMARY KEY, i INT, b BIGINT, d DECIMAL(15,3), f DOUBLE,'
    + ' s VARCHAR(40), dt DATE, dtm DATETIME, dtm6 DATETIME(6), ts TIMESTAMP(3) NULL, bl BLOB)');

  // Typed inserts through prepared statements.
  const insert = `INSERT INTO typed (${COLUMNS.join(', ')}) VALUES (${COLUMNS.map(() => '?').join(', ')})`;
  for (const row of ROWS) {
    const [res] = await conn.execute(insert, row.send);
    check(`prepared insert of row ${row.send[0]}: affectedRows`, res.affectedRows, 1);
  }

  const select = `SELECT ${COLUMNS.join(', ')} FROM typed ORDER BY id`;
  const [bin, binFields] = await conn.execute(`SELECT ${COLUMNS.join(', ')} FROM typed WHERE id >= ? ORDER BY id`, [1]);
  checkRows('binary protocol', bin);
  const [txt, txtFields] = await conn.query(select);
  checkRows('text protocol', txt);
  check('column names', txtFields.map((f) => f.name), COLUMNS);
  check('binary and text column metadata agree',
    binFields.map((f) => [f.name, f.columnType, f.decimals, f.characterSet]),
    txtFields.map((f) => [f.name, f.columnType, f.decimals, f.characterSet]));

  // Exact temporal text (fractional seconds as the column's precision has them).
  const strConn = await mysql.createConnection({ ...options, database: DB, dateStrings: true });
  checkStrings('text protocol, dateStrings', (await strConn.query(select))[0]);
  checkStrings('binary protocol, dateStrings', (await strConn.execute(`SELECT ${COLUMNS.join(', ')} FROM typed WHERE id >= ? ORDER BY id`, [1]))[0], true);
  await strConn.end();

  // Parameters in WHERE clauses.
  let [rows] = await conn.execute('SELECT id FROM typed WHERE s = ? AND d = ? AND b = ?',
    ['Grüße, 世界 🚀 ñ', '-123456789012.345', 9223372036854775807n]);
  check('non-ASCII / DECIMAL / BIGINT parameters in WHERE', rows, [{ id: 1 }]);
  [rows] = await conn.execute('SELECT id FROM typed WHERE bl = ?', [BLOB]);
  check('binary parameter in WHERE', rows, [{ id: 1 }]);
  [rows] = await conn.execute('SELECT id FROM typed WHERE dtm = ?', [utc('1999-12-31T23:59:59')]);
  check('Date parameter in WHERE', rows, [{ id: 1 }]);
  [rows] = await conn.execute('SELECT id FROM typed WHERE i IS NULL');
  check('IS NULL', rows, [{ id: 3 }]);
  [rows] = await conn.execute(
    'SELECT LENGTH(bl) AS n, HEX(SUBSTRING(bl, 255, 4)) AS h, CHAR_LENGTH(s) AS c FROM typed WHERE id = ?', [1]);
  check('server sees the bytes and characters sent', rows, [{ n: 259, h: 'FEFF00FF', c: 13 }]);

  await jsonRoundTrip(conn);

  // Transactions.
  const other = await mysql.createConnection({ ...options, database: DB });
  await conn.beginTransaction();
  await conn.execute('INSERT INTO typed (id, s) VALUES (?, ?)', [10, 'rolled back']);
  [rows] = await conn.query('SELECT COUNT(*) AS n FROM typed WHERE id = 10');
  check('own uncommitted row is visible', rows, [{ n: 1 }]);
  await conn.rollback();
  [rows] = await conn.query('SELECT COUNT(*) AS n FROM typed WHERE id = 10');
  check('rollback removes the row', rows, [{ n: 0 }]);
  await conn.beginTransaction();
  await conn.execute('INSERT INTO typed (id, s) VALUES (?, ?)', [11, 'committed']);
  [rows] = await other.query('SELECT COUNT(*) AS n FROM typed WHERE id = 11');
  check('another connection does not see an uncommitted row', rows, [{ n: 0 }]);
  await conn.commit();
  [rows] = await other.query('SELECT s FROM typed WHERE id = 11');
  check('another connection sees the committed row', rows, [{ s: 'committed' }]);
  await other.end();

  // Errors.
  await expectError(conn, 'duplicate key', 1062, '23000', 'ER_DUP_ENTRY', 'INSERT INTO typed (id) VALUES (?)', [1]);
  await expectError(conn, 'unknown table', 1146, '42S02', 'ER_NO_SUCH_TABLE', 'SELECT * FROM no_such_table');
  await expectError(conn, 'unknown table (prepared)', 1146, '42S02', 'ER_NO_SUCH_TABLE',
    'SELECT * FROM no_such_table WHERE id = ?', [1]);
  await expectError(conn, 'syntax error', 1064, '42000', 'ER_PARSE_ERROR', 'SELEC 1');
  [rows] = await conn.query('SELECT COUNT(*) AS n FROM typed');
  check('usable after errors', rows, [{ n: 4 }]);

  await conn.query(`DROP DATABASE ${DB}`);
  await conn.end();
}

main().then(
  () => {
    if (failures.length) {
      console.log(`mysql2_test.js: ${failures.length} check(s) failed`);
      process.exit(1);
    }
    console.log('mysql2_test.js: all checks passed');
  },
  (e) => {
    console.log(`FAIL: unexpected error: ${e.stack || e}`);
    process.exit(1);
  },
);
