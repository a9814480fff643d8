.load dist/pat
-- Retired values and pat_revoke (INTERFACE.md, "Retired tokens"), through
-- the real shell. On WAL, a read of a pat table shows the bookkeeping of the
-- connection's earlier checks.
.bail off
.headers off
.mode list
.nullvalue NULL
PRAGMA journal_mode = WAL;

CREATE TEMP TABLE t(k TEXT PRIMARY KEY, tok TEXT);
INSERT INTO t VALUES ('a', pat_create('alice', 'leaked', 'DATA_FETCH'));
INSERT INTO t VALUES ('b', pat_create('bob', 'old', 'DATA_FETCH', '2020-01-01', '2020-02-01'));
INSERT INTO t VALUES ('c', pat_create('carol', 'rotated', 'DATA_FETCH'));
INSERT INTO t VALUES ('d', pat_create('dave', 'deleted', 'DATA_FETCH'));

.print -- revoke by value: a header, an array with junk and a repeat, an expired token
SELECT 'header', pat_revoke('Bearer ' || tok) FROM t WHERE k = 'a';
SELECT 'array', pat_revoke(json_array(tok, tok, NULL, 'junk'), 'found in a paste') FROM t WHERE k = 'b';
SELECT 'again', pat_revoke(json_array(tok)) FROM t WHERE k = 'b';
SELECT 'rotate', pat_rotate(id) IS NOT NULL FROM pat_tokens WHERE owner = 'carol';
DELETE FROM pat_tokens WHERE owner = 'dave';

.print -- what is left, and the events
SELECT count(*) FROM pat_tokens;
SELECT event, token_name, detail FROM pat_events WHERE event IN ('revoke', 'delete') ORDER BY id;

.print -- the retired values answer as unknown; a check without at is recorded
SELECT k, pat_verify(tok), pat_has_right(tok, 'DATA_FETCH') FROM t ORDER BY k;
SELECT k, pat_verify(tok, 'now') FROM t ORDER BY k;
SELECT owner, name, why, seen, last_seen_at IS NOT NULL FROM pat_retired ORDER BY token_id;
SELECT token_name, detail FROM pat_events WHERE event = 'deny' ORDER BY id;

.print -- errors
SELECT pat_revoke('[1]');
SELECT pat_revoke('[', 'x');
SELECT pat_revoke('x', '');
INSERT INTO pat_retired(token_id) VALUES (1);
UPDATE pat_retired SET seen = 0;

.print -- DELETE forgets
DELETE FROM pat_retired WHERE why = 'rotated';
SELECT owner, why FROM pat_retired ORDER BY token_id;
