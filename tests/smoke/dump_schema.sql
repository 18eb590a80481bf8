CREATE TABLE ints (
  id INT NOT NULL AUTO_INCREMENT PRIMARY KEY,
  ti TINYINT, si SMALLINT, mi MEDIUMINT, i INT, bi BIGINT,
  tu TINYINT UNSIGNED, bu BIGINT UNSIGNED,
  UNIQUE KEY uk_bi (bi), KEY k_i (i)
);
INSERT INTO ints (ti, si, mi, i, bi, tu, bu) VALUES
  (-128, -32768, -8388608, -2147483648, -9223372036854775808, 0, 0),
  (127, 32767, 8388607, 2147483647, 9223372036854775807, 255, 18446744073709551615),
  (0, 1, -1, 42, 7, 1, 1),
  (NULL, NULL, NULL, NULL, NULL, NULL, NULL);
CREATE TABLE nums (id INT PRIMARY KEY, d DECIMAL(15,3), d0 DECIMAL(10,0) NOT NULL DEFAULT 0, f FLOAT, dbl DOUBLE);
INSERT INTO nums VALUES
  (1, -123456789012.345, 9999999999, 1.5, 3.141592653589793),
  (2, 0.001, -1, -0.25, -2.5e-300),
  (3, 0, 0, 0, 1e300),
  (4, NULL, 5, NULL, NULL);
CREATE TABLE strs (
  id INT PRIMARY KEY, c CHAR(10), v VARCHAR(100), t TEXT, b BLOB, vb VARBINARY(20),
  KEY k_v (v)
) DEFAULT CHARSET=utf8mb4;
INSERT INTO strs VALUES
  (1, 'abc', 'Grüße, 世界 🚀 ñ', 'line1\nline2\ttab \\ back ''quote'' "dq"', X'00FF00015C27220D0A1A', X'DEADBEEF'),
  (2, '', '', '', X'', X''),
  (3, 'ü', 'Ünïcödé', REPEAT('long text ', 50), X'0102030405060708090A0B0C0D0E0F', X'00'),
  (4, NULL, NULL, NULL, NULL, NULL);
CREATE TABLE times (
  id INT PRIMARY KEY, d DATE, dt DATETIME, dt6 DATETIME(6), ts TIMESTAMP NULL DEFAULT NULL,
  tm TIME, tm3 TIME(3), y YEAR
);
INSERT INTO times VALUES
  (1, '2024-02-29', '1999-12-31 23:59:59', '2024-12-31 23:59:58.123456', '2038-01-19 03:14:07', '838:59:59', '-12:34:56.789', 2155),
  (2, '1000-01-01', '9999-12-31 23:59:59', '1970-01-01 00:00:00.000001', '1970-01-01 00:00:01', '00:00:00', '00:00:00.001', 1901),
  (3, '2000-06-15', '2000-06-15 12:00:00', '2000-06-15 12:00:00.500000', '2000-06-15 12:00:00', '-838:59:59', '23:59:59.999', 2000),
  (4, NULL, NULL, NULL, NULL, NULL, NULL, NULL);
CREATE TABLE misc (
  id INT PRIMARY KEY, bt BIT(8), bt1 BIT(1), e ENUM('small','medium','large') NOT NULL DEFAULT 'small',
  s SET('a','b','c'), j JSON
);
INSERT INTO misc VALUES
  (1, b'10100101', b'1', 'large', 'a,c', '{"a": [1, 2.5, "ü"], "b": null, "cc": {"d": true}}'),
  (2, b'0', b'0', 'small', '', '[]'),
  (3, b'11111111', NULL, 'medium', 'a,b,c', '"text"'),
  (4, NULL, NULL, 'small', NULL, NULL);
CREATE TABLE parent (id INT PRIMARY KEY, name VARCHAR(20) NOT NULL, UNIQUE KEY uk_name (name));
INSERT INTO parent VALUES (1, 'one'), (2, 'two'), (3, 'três');
CREATE TABLE child (
  id INT PRIMARY KEY, parent_id INT, note VARCHAR(20),
  KEY k_parent (parent_id),
  CONSTRAINT fk_parent FOREIGN KEY (parent_id) REFERENCES parent (id)
);
INSERT INTO child VALUES (10, 1, 'a'), (11, 1, 'b'), (12, 3, 'c'), (13, NULL, 'orphan');
CREATE TABLE gen (
  id INT PRIMARY KEY, a INT, b INT,
  s INT AS (a + b) VIRTUAL, p INT GENERATED ALWAYS AS (a * b) STORED, t VARCHAR(30) AS (CONCAT('n', a)),
  KEY k_s (s),
  CONSTRAINT gen_pos CHECK (a >= 0),
  CONSTRAINT fk_gen FOREIGN KEY (id) REFERENCES parent (id) ON DELETE CASCADE
);
INSERT INTO gen (id, a, b) VALUES (1, 1, 2), (2, 3, NULL), (3, 0, 0);
CREATE TABLE nopk (
  a INT, b VARCHAR(10), bn BINARY(4), mt MEDIUMTEXT, lb LONGBLOB, tt TINYTEXT, KEY k_a (a)
);
INSERT INTO nopk VALUES
  (2, 'two', X'01', 'medium ✓', X'FF00FF', 'tiny'),
  (1, 'one', 'ab', '', X'', ''),
  (3, NULL, NULL, NULL, NULL, NULL);
CREATE VIEW v_child AS SELECT c.id, p.name, c.note FROM child c JOIN parent p ON p.id = c.parent_id;
