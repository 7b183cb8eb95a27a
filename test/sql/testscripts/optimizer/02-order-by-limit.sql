-- ORDER BY served by an index after its equality prefix (no sort step, LIMIT stops early), and
-- the cases that need a sort.
CREATE TABLE orders(id INTEGER PRIMARY KEY AUTOINCREMENT, customer_id INTEGER NOT NULL, created_at INTEGER NOT NULL, status TEXT);
CREATE INDEX orders_cust ON orders(customer_id, created_at DESC);
INSERT INTO orders(customer_id, created_at, status) VALUES (1, 10, 'new'), (1, 30, 'paid'), (1, 20, 'new'), (2, 15, 'new');
EXPLAIN SELECT * FROM orders WHERE customer_id = ? ORDER BY created_at DESC LIMIT 50;
EXPLAIN SELECT * FROM orders WHERE customer_id = 1 ORDER BY created_at;
EXPLAIN SELECT * FROM orders WHERE customer_id = 1 ORDER BY status;
EXPLAIN SELECT * FROM orders ORDER BY id DESC LIMIT 2;
EXPLAIN SELECT * FROM orders ORDER BY customer_id, created_at DESC;
SELECT id, created_at FROM orders WHERE customer_id = 1 ORDER BY created_at DESC LIMIT 2;
SELECT id FROM orders ORDER BY id DESC LIMIT 2 OFFSET 1;
