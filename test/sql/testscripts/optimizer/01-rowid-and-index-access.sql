-- Rowid and index access paths: equality, IN, ranges, composite prefixes, DESC parts, and the
-- cases that must not use an index (+col, a collation or affinity the index cannot answer).
CREATE TABLE t(id INTEGER PRIMARY KEY, a INTEGER, b TEXT, c REAL);
CREATE INDEX t_ab ON t(a, b DESC);
CREATE INDEX t_b_nocase ON t(b COLLATE NOCASE);
INSERT INTO t VALUES (1, 1, 'x', 1.5), (2, 1, 'y', 2.5), (3, 2, 'X', 3.5), (4, NULL, NULL, NULL);
EXPLAIN SELECT * FROM t WHERE id = 3;
EXPLAIN SELECT * FROM t WHERE id IN (1, 3);
EXPLAIN SELECT * FROM t WHERE id >= 2 AND id < 4;
EXPLAIN SELECT * FROM t WHERE a = 1;
EXPLAIN SELECT * FROM t WHERE a = 1 AND b > 'x';
EXPLAIN SELECT * FROM t WHERE a IN (1, 2);
EXPLAIN SELECT * FROM t WHERE +a = 1;
EXPLAIN SELECT * FROM t WHERE b = 'x';
EXPLAIN SELECT * FROM t WHERE b = 'x' COLLATE NOCASE;
EXPLAIN SELECT * FROM t WHERE a = '1';
EXPLAIN SELECT * FROM t WHERE c > 2;
SELECT id FROM t WHERE b = 'x' COLLATE NOCASE ORDER BY id;
SELECT id FROM t WHERE a = '1' ORDER BY id;
