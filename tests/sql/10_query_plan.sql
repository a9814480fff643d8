.load dist/pat
-- `WHERE id = ?` on pat_tokens (and the key of the other tables) is a direct
-- lookup, not a scan: the plan shows a non-zero index number. Lookups and
-- other constraints answer correctly.
.bail off
.headers off
.mode list
.nullvalue NULL

CREATE TEMP TABLE t AS SELECT pat_create('alice', 'one', 'DATA_FETCH') AS tok;
INSERT INTO t SELECT pat_create('bob', 'two', 'MEDIA_FETCH');
INSERT INTO t SELECT pat_create('bob', 'three', 'PROJECT_FETCH');

.print -- plans
EXPLAIN QUERY PLAN SELECT * FROM pat_tokens WHERE id = 1;
EXPLAIN QUERY PLAN SELECT * FROM pat_tokens;

.print -- answers
SELECT 'ids', group_concat(id) FROM (SELECT id FROM pat_tokens ORDER BY id);
SELECT 'id = 1', name FROM pat_tokens WHERE id = 1;
SELECT 'id = 2', name, owner, json(rights) FROM pat_tokens WHERE id = 2;
SELECT 'id = 3.0', name FROM pat_tokens WHERE id = 3.0;
SELECT 'id = 4', count(*) FROM pat_tokens WHERE id = 4;
SELECT 'id = -1', count(*) FROM pat_tokens WHERE id = -1;
SELECT 'id = NULL', count(*) FROM pat_tokens WHERE id = NULL;
SELECT 'id IS NULL', count(*) FROM pat_tokens WHERE id IS NULL;
SELECT 'id IN (1, 3)', count(*) FROM pat_tokens WHERE id IN (1, 3);
SELECT 'id > 1', count(*) FROM pat_tokens WHERE id > 1;
SELECT 'id = 1 OR id = 2', count(*) FROM pat_tokens WHERE id = 1 OR id = 2;
SELECT 'id = 2 AND owner', count(*) FROM pat_tokens WHERE id = 2 AND owner = 'alice';
SELECT 'owner = bob', count(*) FROM pat_tokens WHERE owner = 'bob';
SELECT 'join', p.name FROM (SELECT 2 AS id) AS k JOIN pat_tokens AS p ON p.id = k.id;
SELECT 'verify lookup', p.name FROM t JOIN pat_tokens AS p ON p.id = pat_verify(t.tok) ORDER BY p.id;
SELECT 'rights key', category FROM pat_rights WHERE name = 'DATA_FETCH';
SELECT 'rights no key', count(*) FROM pat_rights WHERE name = 'NOPE';
SELECT 'settings key', value FROM pat_settings WHERE key = 'default_lifetime';
SELECT 'roles', count(*) FROM pat_roles WHERE role = 'VIEWER';
SELECT 'events for id 2', count(*) FROM pat_events WHERE token_id = 2;
