-- Join order (most selective access first), probes by rowid/index, hash joins, LEFT JOIN keeping
-- FROM order, and partial indexes used only when the WHERE implies their predicate.
CREATE TABLE customers(id INTEGER PRIMARY KEY, region TEXT);
CREATE TABLE orders(id INTEGER PRIMARY KEY, customer_id INTEGER, total REAL, status TEXT);
CREATE INDEX orders_cust ON orders(customer_id);
CREATE INDEX orders_open ON orders(total) WHERE status = 'open';
CREATE INDEX orders_status ON orders(status) WHERE status IS NOT NULL;
INSERT INTO customers VALUES (1, 'n'), (2, 's');
INSERT INTO orders VALUES (1, 1, 10.0, 'open'), (2, 1, 20.0, 'done'), (3, 2, 30.0, 'open'), (4, 3, 5.0, NULL);
EXPLAIN SELECT * FROM orders o JOIN customers c ON c.id = o.customer_id;
EXPLAIN SELECT * FROM customers c JOIN orders o ON o.customer_id = c.id WHERE c.id = 2;
EXPLAIN SELECT * FROM orders o, customers c WHERE c.region = o.status;
EXPLAIN SELECT * FROM customers c LEFT JOIN orders o ON o.customer_id = c.id;
EXPLAIN SELECT * FROM orders WHERE total > 15;
EXPLAIN SELECT * FROM orders WHERE total > 15 AND status = 'open';
EXPLAIN SELECT * FROM orders WHERE status = 'done';
SELECT c.id, o.id FROM customers c LEFT JOIN orders o ON o.customer_id = c.id ORDER BY 1, 2;
SELECT id FROM orders WHERE total > 15 AND status = 'open';
