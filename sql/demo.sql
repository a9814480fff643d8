-- A short tour of pat, Personal Access Tokens for SQLite.
-- Run by `make demo` as: sqlite3 dist/demo.db < sql/demo.sql  (on a fresh db)
-- Stops at the first error: the demo makes none, so `make demo` fails if
-- anything in it breaks. The README lists what refused calls say.
.bail on
.load dist/pat
.headers on
.mode box
.nullvalue NULL

.print
.print == pat, version:
SELECT pat_version() AS version;

.print
.print == Make two tokens. pat_create(owner, name, rights) returns the token text,
.print == once: only a digest is stored. Keep them in a TEMP table: pat's functions
.print == are DIRECTONLY, so they run from your own statements and TEMP objects
.print == (an ordinary table to hold results is fine too), never from a view or
.print == trigger stored in the database file.
CREATE TEMP TABLE demo_tokens AS
  SELECT 'alice' AS who, pat_create('alice', 'CI pipeline', 'DATA_*') AS token
  UNION ALL
  SELECT 'bob', pat_create('bob', 'media sync', 'PROJECT_FETCH, MEDIA_FETCH');

.print
.print == A token looks like this (shown once, never again):
SELECT who, token, length(token) AS length FROM demo_tokens WHERE who = 'alice';

.print
.print == Check a request: pat_verify takes the token or the whole Authorization
.print == header value, and answers the token's id, or NULL.
SELECT pat_verify('Bearer ' || token) AS token_id FROM demo_tokens WHERE who = 'alice';

.print
.print == Rights: DATA_* expanded to every DATA_ right. alice may fetch data (1)
.print == but not delete users (0).
SELECT pat_has_right(token, 'DATA_FETCH') AS "DATA_FETCH",
       pat_has_right(token, 'USER_DELETE') AS "USER_DELETE"
  FROM demo_tokens WHERE who = 'alice';

.print
.print == The tokens, as ordinary SQL sees them (no column shows a token):
SELECT id, owner, name, rights, valid_from, valid_to, status FROM pat_tokens ORDER BY id;

.print
.print == A token whose window lies in the past, January 2020 (a record, or a test
.print == fixture): it no longer verifies now, but an audit question with an
.print == explicit time inside its window still answers its id.
INSERT INTO demo_tokens
  SELECT 'old', pat_create('bob', 'last year''s job', 'MEDIA_FETCH', '2020-01-01', '2020-02-01');
SELECT pat_verify(token) AS now_id,
       pat_verify(token, '2020-01-15') AS jan_15_2020_id
  FROM demo_tokens WHERE who = 'old';
SELECT id, owner, name, valid_from, valid_to, status FROM pat_tokens WHERE name = 'last year''s job';

.print
.print == A CI token that works only from the build network (10.40.0.0/16): the
.print == caller's address is the check's third argument; without one, a token
.print == with an allow-list fails closed.
INSERT INTO demo_tokens
  SELECT 'ci', pat_create('alice', 'ci deploy', 'DATA_FETCH', NULL, NULL,
                          '{"description": "build runners", "allowed_ips": ["10.40.0.0/16"]}');
SELECT pat_verify(token, NULL, '10.40.7.21') IS NOT NULL AS from_the_build_network,
       pat_verify(token, NULL, '203.0.113.50') IS NOT NULL AS from_elsewhere,
       pat_verify(token) IS NOT NULL AS without_an_address
  FROM demo_tokens WHERE who = 'ci';
SELECT id, name, description, allowed_ips FROM pat_tokens WHERE name = 'ci deploy';

.print
.print == What to tell owners (pat sends nothing: an application reads this from a
.print == timer and deletes what it told): the January 2020 token expired long ago,
.print == beyond notice_before (7 days), so nothing is due yet.
SELECT count(*) AS notices_due FROM pat_notices;

.print
.print == The catalog of rights (a few of them):
SELECT name, category FROM pat_rights WHERE name GLOB 'DATA_*' OR name GLOB 'MEDIA_*' ORDER BY name;

.print
.print == What happened, from the audit log:
SELECT id, event, token_id, token_name, owner FROM pat_events ORDER BY id;
.print
