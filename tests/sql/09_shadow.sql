.load dist/pat
-- An ordinary table or view named like one of pat's tables would shadow it
-- silently; pat refuses to work instead, with an error naming the object,
-- until it is renamed or dropped.
.bail off
.headers off
.mode list
.nullvalue NULL

CREATE TEMP TABLE t AS SELECT pat_create('alice', 'shadow test', 'DATA_FETCH') AS tok;
CREATE TEMP TABLE gone AS SELECT pat_create('alice', 'deleted', 'DATA_FETCH') AS tok;
DELETE FROM pat_tokens WHERE name = 'deleted';
SELECT 'before', pat_verify(tok) IS NOT NULL FROM t;

.print -- a table named pat_tokens
CREATE TABLE pat_tokens(x);
SELECT pat_verify(tok) FROM t; -- ERROR
SELECT pat_verify(tok, '2030-01-01') FROM t; -- ERROR
SELECT pat_verify(tok) FROM gone; -- ERROR
SELECT pat_has_right(tok, 'DATA_FETCH') FROM t; -- ERROR
SELECT pat_create('alice', 'n', 'DATA_FETCH'); -- ERROR
SELECT count(*) FROM pat_rights; -- ERROR
SELECT count(*) FROM pat_events; -- ERROR
UPDATE pat_settings SET value = 'x_' WHERE key = 'prefix'; -- ERROR
SELECT 'the ordinary table answers for its name', count(*) FROM pat_tokens;
DROP TABLE pat_tokens;
SELECT 'after DROP TABLE', pat_verify(tok) IS NOT NULL, pat_has_right(tok, 'DATA_FETCH') FROM t;
SELECT 'rights', count(*) FROM pat_rights;
SELECT 'tokens', count(*) FROM pat_tokens;

.print -- a view named pat_settings
CREATE VIEW pat_settings AS SELECT 'max_lifetime' AS key, NULL AS value;
SELECT pat_verify(tok) FROM t; -- ERROR
SELECT pat_create('alice', 'n', 'DATA_FETCH'); -- ERROR
SELECT count(*) FROM pat_tokens; -- ERROR
DROP VIEW pat_settings;
SELECT 'after DROP VIEW', pat_verify(tok) IS NOT NULL FROM t;

.print -- the object planted last is noticed too (statements pat cached earlier)
SELECT 'cached', pat_verify(tok) IS NOT NULL FROM t;
CREATE TABLE pat_owners(owner, role);
SELECT pat_has_right(tok, 'DATA_FETCH') FROM t; -- ERROR
ALTER TABLE pat_owners RENAME TO app_owners;
SELECT 'after RENAME', pat_has_right(tok, 'DATA_FETCH') FROM t;

.print -- nothing changed
SELECT 'tokens', count(*) FROM pat_tokens;
SELECT name FROM pat_tokens;
SELECT 'prefix', value FROM pat_settings WHERE key = 'prefix';

.print -- a fresh database: shadowing before the store exists
.open :memory:
.load dist/pat
CREATE TABLE pat_events(x);
SELECT count(*) FROM pat_rights; -- ERROR
SELECT pat_create('alice', 'n', 'DATA_FETCH'); -- ERROR
SELECT 'schema objects', count(*) FROM sqlite_schema;
DROP TABLE pat_events;
SELECT 'rights', count(*) FROM pat_rights;
SELECT 'made', length(pat_create('alice', 'n', 'DATA_FETCH'));
