/** Raw `pg` on the library's own Postgres schema: one transaction per turn, nothing else. */
import pg from "pg";
import { MIGRATIONS } from "../dist/storage/schema/postgres.js";
import { replyExtras } from "./floors.js";
import { newMessageId } from "../dist/ids.js";
import { echoTurn } from "./lib.js";

export async function pgFloor(url, schema) {
  const pool = new pg.Pool({ connectionString: url, max: 4 });
  const s = `"${schema}"`;
  await pool.query(`DROP SCHEMA IF EXISTS ${s} CASCADE; CREATE SCHEMA ${s}`);
  await pool.query(MIGRATIONS[1](s));
  const client = await pool.connect();
  return {
    async createSession(id, userId) {
      await client.query(
        `INSERT INTO ${s}.sessions (session_id, user_id, provider, model, status, context,
           provider_config, metadata, created_at, updated_at, last_activity)
         VALUES ($1, $2, 'mock', 'm', 'active', '{}', '{}', '{}', now(), now(), now())`,
        [id, userId],
      );
    },
    // The cheapest correct turn raw `pg` can do: one statement (one transaction, one round trip)
    // that bumps the counters, locks the session row and inserts both messages.
    async turn(id, content) {
      const t = echoTurn(content);
      const at = new Date();
      await client.query({
        name: "floor-turn",
        text: `WITH s AS (
            UPDATE ${s}.sessions SET last_seq = last_seq + 2, message_count = message_count + 2,
              input_tokens = input_tokens + $2, output_tokens = output_tokens + $3,
              last_activity = $4, updated_at = $4
            WHERE session_id = $1 RETURNING last_seq)
          INSERT INTO ${s}.messages (session_id, seq, message_id, role, content, created_at, extras)
          SELECT $1, last_seq - 1, $5, 'user', $6, $4, NULL FROM s
          UNION ALL SELECT $1, last_seq, $7, 'assistant', $8, $4, $9 FROM s`,
        values: [
          id,
          t.inputTokens,
          t.outputTokens,
          at,
          newMessageId(at.getTime()),
          content,
          newMessageId(at.getTime()),
          t.reply,
          replyExtras(t),
        ],
      });
      return t.reply;
    },
    async newest(id, n) {
      const { rows } = await client.query(
        `SELECT message_id, role, content, created_at, extras FROM ${s}.messages
         WHERE session_id = $1 ORDER BY seq DESC LIMIT $2`,
        [id, n ?? null],
      );
      return rows.reverse().map((r) => ({
        messageId: r.message_id,
        role: r.role,
        content: r.content,
        timestamp: r.created_at,
        ...(r.extras ? JSON.parse(r.extras) : {}),
      }));
    },
    async listByUser(userId) {
      const { rows } = await client.query(
        `SELECT * FROM ${s}.sessions WHERE user_id = $1
         ORDER BY last_activity DESC, session_id DESC`,
        [userId],
      );
      return rows;
    },
    async dispose() {
      await pool.query(`DROP SCHEMA IF EXISTS ${s} CASCADE`);
      client.release();
      await pool.end();
    },
  };
}
