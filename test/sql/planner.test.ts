/** The planner's choices, observed through EXPLAIN (and plan()): index use, ORDER BY from an index, joins, routing. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SqlEngine } from '../../src/sql/index.js';
import { openMemoryPartition } from '../../src/storage/memory/index.js';

function setup(): { engine: SqlEngine; explain: (sql: string, params?: unknown[]) => string[] } {
  const engine = new SqlEngine(openMemoryPartition(0));
  const s = engine.session();
  s.execute("CREATE TABLE orders(id INTEGER PRIMARY KEY AUTOINCREMENT, customer_id INTEGER NOT NULL, created_at INTEGER DEFAULT (strftime('%s','now')), status TEXT, total REAL)");
  s.execute('CREATE INDEX orders_cust ON orders(customer_id, created_at DESC)');
  s.execute("CREATE INDEX orders_open ON orders(created_at) WHERE status = 'open'");
  s.execute('CREATE UNIQUE INDEX orders_total ON orders(total)');
  s.execute('CREATE TABLE items(id INTEGER PRIMARY KEY, order_id INTEGER, sku TEXT)');
  for (let i = 1; i <= 200; i++) s.execute('INSERT INTO orders(customer_id, created_at, status, total) VALUES (?, ?, ?, ?)', [BigInt(i % 10), BigInt(1000 + i), i % 3 ? 'open' : 'done', i + 0.5]);
  return { engine, explain: (sql, params) => s.execute(`EXPLAIN ${sql}`, params as never).rows.map((r) => r[0] as string) };
}

test('equality, IN and ranges use the rowid or an index', () => {
  const { explain } = setup();
  assert.deepEqual(explain('SELECT * FROM orders WHERE id = ?', [5n]).slice(1), ['SEARCH orders USING INTEGER PRIMARY KEY (rowid=?)']);
  assert.deepEqual(explain('SELECT * FROM orders WHERE id IN (1, 2)').slice(1), ['SEARCH orders USING INTEGER PRIMARY KEY (rowid IN (…))']);
  assert.deepEqual(explain('SELECT * FROM orders WHERE id > 10 AND id <= 20').slice(1), ['SEARCH orders USING INTEGER PRIMARY KEY (rowid>? AND rowid<=?)']);
  assert.match(explain('SELECT * FROM orders WHERE customer_id = 3')[1]!, /SEARCH orders USING INDEX orders_cust \(customer_id=\?\)/);
  assert.match(explain('SELECT * FROM orders WHERE customer_id = 3 AND created_at > 1100')[1]!, /INDEX orders_cust \(customer_id=\? AND created_at>\?\)/);
  assert.match(explain('SELECT * FROM orders WHERE customer_id IN (1, 2)')[1]!, /INDEX orders_cust \(customer_id IN/);
  assert.match(explain('SELECT * FROM orders WHERE total = 7.5')[1]!, /INDEX orders_total \(total=\?\)/);
  // +col has no affinity and is no column reference: no index.
  assert.deepEqual(explain('SELECT * FROM orders WHERE +customer_id = 3').slice(1), ['SCAN orders']);
});

test('col IN (SELECT …) probes the rowid or an index with the subquery\'s values', () => {
  const { engine, explain } = setup();
  assert.deepEqual(explain('SELECT * FROM orders WHERE id IN (SELECT order_id FROM items)').slice(1), ['SCAN items', 'SEARCH orders USING INTEGER PRIMARY KEY (rowid IN (…))']);
  assert.match(explain('SELECT * FROM orders WHERE customer_id IN (SELECT id FROM items WHERE sku = 1)')[2]!, /INDEX orders_cust \(customer_id IN/);
  const s = engine.session();
  s.execute("INSERT INTO items(order_id, sku) VALUES (3, 'a'), (5, 'b'), (3, 'c'), (999, 'd')");
  assert.deepEqual(s.execute('SELECT id FROM orders WHERE id IN (SELECT order_id FROM items) ORDER BY id').rows, [[3n], [5n]]);
  assert.equal(s.execute('DELETE FROM orders WHERE id IN (SELECT order_id FROM items)').rowsAffected, 2);
});

test('a partial index is used only when the WHERE implies its predicate', () => {
  const { explain } = setup();
  assert.deepEqual(explain('SELECT * FROM orders WHERE created_at > 1100').slice(1), ['SCAN orders']);
  assert.match(explain("SELECT * FROM orders WHERE created_at > 1100 AND status = 'open'")[1]!, /INDEX orders_open/);
});

test('ORDER BY … LIMIT is served by the index (no sort step)', () => {
  const { engine, explain } = setup();
  const plan = explain('SELECT * FROM orders WHERE customer_id = ? ORDER BY created_at DESC LIMIT 50', [3n]);
  assert.match(plan[1]!, /INDEX orders_cust \(customer_id=\?\)/);
  assert.ok(!plan.includes('USE TEMP B-TREE FOR ORDER BY'), plan.join(' | '));
  assert.ok(explain('SELECT * FROM orders WHERE customer_id = 3 ORDER BY created_at ASC').includes('USE TEMP B-TREE FOR ORDER BY') === false);
  assert.ok(explain('SELECT * FROM orders WHERE customer_id = 3 ORDER BY total').includes('USE TEMP B-TREE FOR ORDER BY'));
  assert.ok(!explain('SELECT * FROM orders ORDER BY id DESC LIMIT 3').includes('USE TEMP B-TREE FOR ORDER BY'));
  const s = engine.session();
  const rows = s.execute('SELECT created_at FROM orders WHERE customer_id = ? ORDER BY created_at DESC LIMIT 3', [3n]).rows;
  assert.deepEqual(rows, [[1193n], [1183n], [1173n]]);
  assert.deepEqual(s.execute('SELECT created_at FROM orders WHERE customer_id = 3 ORDER BY created_at LIMIT 2').rows, [[1003n], [1013n]]);
});

test('joins probe the inner table by rowid/index or build a hash table', () => {
  const { explain } = setup();
  assert.deepEqual(explain('SELECT * FROM items i JOIN orders o ON o.id = i.order_id').slice(1), ['SCAN items', 'SEARCH orders USING INTEGER PRIMARY KEY (rowid=?), ADAPTIVE HASH JOIN (o.id=?)']);
  assert.deepEqual(explain('SELECT * FROM items a JOIN items b ON a.sku = b.sku').slice(1), ['SCAN items', 'HASH JOIN items (b.sku=?)']);
  assert.match(explain('SELECT * FROM items i, orders o WHERE o.customer_id = i.id')[2]!, /INDEX orders_cust \(o.customer_id=\?\)/);
});

test('inner joins start from the table with the most selective access', () => {
  const { explain } = setup();
  assert.deepEqual(explain('SELECT * FROM items i JOIN orders o ON o.id = i.order_id WHERE o.id = 5').slice(1), ['SEARCH orders USING INTEGER PRIMARY KEY (rowid=?)', 'HASH JOIN items (i.order_id=?)']);
  assert.deepEqual(explain('SELECT * FROM items i LEFT JOIN orders o ON o.id = i.order_id WHERE o.id = 5').slice(1), ['SCAN items', 'SEARCH orders USING INTEGER PRIMARY KEY (rowid=?), ADAPTIVE HASH JOIN (o.id=?)']);
});

test('the plan says where a statement runs', () => {
  const { engine, explain } = setup();
  assert.deepEqual(engine.plan('SELECT * FROM orders WHERE id = ?').route, { kind: 'single', table: 'orders', key: { param: 1 } });
  assert.deepEqual(engine.plan('UPDATE orders SET total = total + 1 WHERE id = 7').route, { kind: 'single', table: 'orders', key: { value: 7n } });
  assert.deepEqual(engine.plan('INSERT INTO orders(id, customer_id) VALUES (?, ?)').route, { kind: 'single', table: 'orders', key: { param: 1 } });
  assert.deepEqual(engine.plan('SELECT * FROM orders WHERE customer_id = ?').route, { kind: 'all' });
  assert.deepEqual(engine.plan('SELECT * FROM orders o JOIN items i ON i.order_id = o.id WHERE o.id = 1').route, { kind: 'all' });
  assert.equal(explain('DELETE FROM orders WHERE id = ?', [1n])[0], 'ROUTE ONE PARTITION (orders.rowid = ?1)');
  assert.equal(explain('SELECT count(*) FROM orders')[0], 'ROUTE ALL PARTITIONS');
});
