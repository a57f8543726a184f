/**
 * W7's floor, in a process of its own like the library's run: the same V1 file copied into the
 * library's SQLite schema with nothing but better-sqlite3 — rows read in order, each history
 * parsed, a session row and its messages written in one transaction per session — and no
 * checks, conversion rules or report. Prints the figures as JSON.
 */
import Database from "better-sqlite3";
import { MIGRATIONS } from "../dist/storage/schema/sqlite.js";

const [source, target] = process.argv.slice(2);
const start = process.hrtime.bigint();
const v1 = new Database(source, { readonly: true });
const db = new Database(target);
db.pragma("journal_mode = WAL");
db.pragma("synchronous = NORMAL");
db.exec(MIGRATIONS[1]);
const insertSession = db.prepare(
  `INSERT INTO sessions (session_id, user_id, provider, model, status, context, provider_config,
     metadata, created_at, updated_at, last_activity, message_count, last_seq)
   VALUES (?, ?, ?, ?, ?, '{}', '{}', ?, ?, ?, ?, ?, ?)`,
);
const insertMessage = db.prepare(
  `INSERT INTO messages (session_id, seq, message_id, role, content, timestamp, extras)
   VALUES (?, ?, ?, ?, ?, ?, ?)`,
);
const copy = db.transaction((row) => {
  const { messages } = JSON.parse(row.history);
  const at = (s) => Date.parse(`${s}Z`);
  const created = at(row.created_at);
  const n = messages.length;
  insertSession.run(
    row.session_id,
    row.user_id,
    row.provider,
    row.model,
    row.status,
    row.metadata,
    created,
    at(row.updated_at),
    row.last_activity ? at(row.last_activity) : created,
    n,
    n,
  );
  messages.forEach((m, i) =>
    insertMessage.run(row.session_id, i + 1, m.id, m.role, m.content, at(m.timestamp), null),
  );
  return n;
});
let messages = 0;
for (const row of v1.prepare("SELECT * FROM sessions ORDER BY session_id").iterate()) {
  messages += copy(row);
}
v1.close();
db.close();
console.log(JSON.stringify({ messages, ms: Number(process.hrtime.bigint() - start) / 1e6 }));
