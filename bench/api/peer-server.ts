/**
 * The peer stack of the API load bench: a typical Node service in front of PostgreSQL —
 * fastify + node-postgres (a `pg.Pool` of PEER_POOL connections, default 10, pg's default) —
 * serving the same three calls as HeliosDB-Lite on the same schema and data:
 *
 *   GET  /v1/orders/:id   one row as a JSON object (a named, i.e. prepared, statement), or 404
 *   POST /v1/orders       INSERT … RETURNING *, 201 with the row (prepared per column list)
 *   POST /v1/sql          {"sql", "params"} with `?` placeholders → the /v1/sql result shape
 *
 * One process, one thread, like a default deployment of such a service. Prints
 * `{"msg":"listening","rest":PORT}`. Env: PGPORT, PGHOST (libpq-style, read by pg), PEER_POOL.
 */
import Fastify from 'fastify';
import pg from 'pg';

pg.types.setTypeParser(20, (v) => Number(v)); // int8 → number (ids and epochs fit in 2^53)

const COLUMNS = new Set(['customer_id', 'status', 'total_price', 'quantity', 'created_at']);
const pool = new pg.Pool({ max: Number(process.env['PEER_POOL'] ?? 10), user: 'postgres', database: 'postgres' });
const app = Fastify({ logger: false });

app.get<{ Params: { id: string } }>('/v1/orders/:id', async (req, reply) => {
  const id = Number(req.params.id);
  if (!Number.isInteger(id)) return reply.code(400).send({ error: { code: 'BAD_REQUEST', message: 'id must be an integer' } });
  const r = await pool.query({ name: 'get-order', text: 'SELECT * FROM orders WHERE id = $1', values: [id] });
  if (r.rowCount === 0) return reply.code(404).send({ error: { code: 'NOT_FOUND', message: `orders: no row with id ${id}` } });
  return r.rows[0];
});

app.post<{ Body: Record<string, unknown> }>('/v1/orders', async (req, reply) => {
  const cols = Object.keys(req.body ?? {});
  if (cols.length === 0 || !cols.every((c) => COLUMNS.has(c))) return reply.code(400).send({ error: { code: 'BAD_REQUEST', message: 'unknown or no columns' } });
  const text = `INSERT INTO orders (${cols.join(', ')}) VALUES (${cols.map((_, i) => `$${i + 1}`).join(', ')}) RETURNING *`;
  const r = await pool.query({ name: `insert-${cols.join('-')}`, text, values: cols.map((c) => req.body[c]) });
  return reply.code(201).send(r.rows[0]);
});

app.post<{ Body: { sql?: unknown; params?: unknown } }>('/v1/sql', async (req, reply) => {
  const { sql, params = [] } = req.body ?? {};
  if (typeof sql !== 'string' || !Array.isArray(params)) return reply.code(400).send({ error: { code: 'BAD_REQUEST', message: 'expected {"sql": string, "params": array}' } });
  let n = 0;
  const text = sql.replace(/\?/g, () => `$${++n}`);
  const r = await pool.query({ text, values: params, rowMode: 'array' });
  const isSelect = r.command === 'SELECT';
  return { columns: r.fields.map((f) => f.name), rows: r.rows, rows_affected: isSelect ? 0 : (r.rowCount ?? 0), last_insert_id: null };
});

const address = await app.listen({ port: Number(process.env['PEER_REST_PORT'] ?? 0), host: '127.0.0.1' });
process.stdout.write(`${JSON.stringify({ msg: 'listening', rest: Number(new URL(address).port) })}\n`);
const stop = () => void app.close().then(() => pool.end()).then(() => process.exit(0));
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
