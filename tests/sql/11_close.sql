.load dist/pat
-- Closing works after pat was used: the shell closes the connection on
-- .open and at .exit, and would print "unable to close due to unfinalized
-- statements" (sqlite3_close() returning SQLITE_BUSY) if pat left a
-- statement alive. The expected output has no such line; run_sql.sh also
-- fails the file if the shell dies.
.bail off
.headers off
.mode list
.nullvalue NULL

.print -- first connection: use every function and table, errors included
CREATE TEMP TABLE t AS SELECT pat_create('alice', 'one', 'DATA_*') AS tok;
SELECT 'verify', pat_verify('Bearer ' || tok) IS NOT NULL, pat_verify(tok, '2020-01-01') FROM t;
SELECT 'has_right', pat_has_right(tok, 'DATA_FETCH'), pat_has_right(tok, 'USER_FETCH', 'now') FROM t;
SELECT 'rotate', length(pat_rotate((SELECT id FROM pat_tokens WHERE name = 'one')));
SELECT 'old token after rotate', pat_verify(tok) FROM t;
SELECT 'tables', (SELECT count(*) FROM pat_tokens), (SELECT count(*) FROM pat_rights), (SELECT count(*) FROM pat_roles),
       (SELECT count(*) FROM pat_owners), (SELECT count(*) FROM pat_events) > 0, (SELECT count(*) FROM pat_settings);
INSERT INTO pat_owners VALUES ('bob', 'VIEWER');
UPDATE pat_tokens SET name = 'renamed' WHERE name = 'one';
UPDATE pat_settings SET value = '120' WHERE key = 'last_used_interval';
SELECT pat_create('bob', 'n', 'USER_FETCH'); -- ERROR
SELECT pat_has_right('x', 'NOPE'); -- ERROR
SELECT pat_verify('x', 'x'); -- ERROR
CREATE VIEW v AS SELECT count(*) FROM pat_tokens;
SELECT * FROM v; -- ERROR
CREATE TABLE pat_roles(x);
SELECT count(*) FROM pat_rights; -- ERROR
DROP TABLE pat_roles;
SELECT 'version', pat_version() IS NOT NULL;
BEGIN;
SELECT 'in a transaction', length(pat_create('alice', 'two', 'DATA_FETCH'));
COMMIT;
SELECT 'tokens', group_concat(name) FROM (SELECT name FROM pat_tokens ORDER BY id);

.print -- .open closes the first connection
.open :memory:
.load dist/pat
SELECT 'second connection', length(pat_create('carol', 'mem', 'MEDIA_FETCH')), (SELECT count(*) FROM pat_tokens);
SELECT 'second verify', pat_verify(pat_version()) IS NULL;

.print -- .open again, then .exit with a store read but nothing written
.open :memory:
.load dist/pat
SELECT 'third connection', count(*) FROM pat_rights;
.exit
SELECT 'not reached';
