// DuckDB peer of dosql-bench's analytics workload. dosql-bench starts `node peer.mjs` as a child
// process and drives it over stdin/stdout, one JSON command per line:
//   {"cmd":"open","path":P}   open (create) the DuckDB database file P, single thread
//   {"cmd":"exec","sql":S}    run S (e.g. CREATE TABLE, COPY ... FROM a '|'-separated file)
//   {"cmd":"query","sql":S}   run S and return its rows
//   {"cmd":"quit"}
// Replies: "OK\t<ms>[\t<rows>\t<cols>]" (ms = wall time of the statement, measured here around
// the client call, result rows included) followed, for a query, by one line per row with the
// cells separated by tabs: "n" NULL, "i<integer>", "r<real>", "t<text>" (text escaped: \\ \t \n);
// or "ERR\t<message>". Open replies "OK\t<ms>\t<duckdb version>".
import { DuckDBInstance } from '@duckdb/node-api';
import readline from 'node:readline';

let instance = null;
let conn = null;
const out = (s) => process.stdout.write(s + '\n');
const esc = (s) => s.replace(/\\/g, '\\\\').replace(/\t/g, '\\t').replace(/\n/g, '\\n');
const kIntTypes = new Set(['TINYINT', 'SMALLINT', 'INTEGER', 'BIGINT', 'HUGEINT', 'UTINYINT',
  'USMALLINT', 'UINTEGER', 'UBIGINT', 'UHUGEINT', 'BOOLEAN']);

function cell(v, type) {
  if (v === null || v === undefined) return 'n';
  if (typeof v === 'bigint') return 'i' + v.toString();
  if (typeof v === 'boolean') return 'i' + (v ? 1 : 0);
  if (typeof v === 'number') return (kIntTypes.has(type) ? 'i' : 'r') + String(v);
  if (typeof v === 'string') return 't' + esc(v);
  if (typeof v.toDouble === 'function') return 'r' + String(v.toDouble());  // DECIMAL
  return 't' + esc(String(v));  // DATE, TIMESTAMP, ...: their SQL text form
}

const rl = readline.createInterface({ input: process.stdin, crlfDelay: Infinity });
for await (const line of rl) {
  if (!line.trim()) continue;
  let cmd;
  try {
    cmd = JSON.parse(line);
    if (cmd.cmd === 'quit') break;
    const t0 = process.hrtime.bigint();
    const ms = () => (Number(process.hrtime.bigint() - t0) / 1e6).toFixed(3);
    if (cmd.cmd === 'open') {
      instance = await DuckDBInstance.create(cmd.path, { threads: '1' });
      conn = await instance.connect();
      await conn.run('SET threads=1');
      const v = (await conn.runAndReadAll('SELECT version()')).getRows()[0][0];
      out(`OK\t${ms()}\t${v}`);
    } else if (cmd.cmd === 'exec') {
      await conn.run(cmd.sql);
      out(`OK\t${ms()}`);
    } else if (cmd.cmd === 'query') {
      const reader = await conn.runAndReadAll(cmd.sql);
      const rows = reader.getRows();
      const elapsed = ms();
      const types = reader.columnTypes().map((t) => t.toString());
      out(`OK\t${elapsed}\t${rows.length}\t${types.length}`);
      for (const r of rows) out(r.map((v, i) => cell(v, types[i])).join('\t'));
    } else {
      out('ERR\tunknown command ' + cmd.cmd);
    }
  } catch (e) {
    out('ERR\t' + String(e && e.message ? e.message : e).replace(/[\t\n]/g, ' '));
  }
}
if (conn) conn.closeSync?.();
if (instance) instance.closeSync?.();
