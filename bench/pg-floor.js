/** Raw `pg` on the library's own Postgres schema: one transaction per turn, nothing else. */
import pg from "pg";
import { MIGRATIONS } from "../dist/storage/schema/postgres.js";
import { echoTurn, newId } from "./lib.js";

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
    async turn(id, content) {
      const t = echoTurn(content);
      const now = new Date();
      await client.query("BEGIN");
      try {
        const { rows } = await client.query(
          `UPDATE ${s}.sessions SET last_seq = last_seq + 2, message_count = message_count + 2,
             input_tokens = input_tokens + $1, output_tokens = output_tokens + $2,
             last_activity = $3, updated_at = $3 WHERE session_id = $4 RETURNING last_seq`,
          [t.inputTokens, t.outputTokens, now, id],
        );
        const last = Number(rows[0].last_seq);
        await client.query(
          `INSERT INTO ${s}.messages (session_id, seq, message_id, role, content, created_at)
           VALUES ($1, $2, $3, 'user', $4, $6), ($1, $5, $7, 'assistant', $8, $6)`,
          [id, last - 1, newId(), content, last, now, newId(), t.reply],
        );
        await client.query("COMMIT");
      } catch (error) {
        await client.query("ROLLBACK");
        throw error;
      }
      return t.reply;
    },
    async newest(id, n) {
      const { rows } = await client.query(
        `SELECT message_id, role, content, created_at, extras FROM ${s}.messages
         WHERE session_id = $1 ORDER BY seq DESC LIMIT $2`,
        [id, n ?? null],
      );
      return rows.reverse();
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
