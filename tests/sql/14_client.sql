.load dist/pat
-- Client context (INTERFACE.md, "Client context"), through the real shell:
-- allow-lists and the client argument, descriptions, last_used_ips,
-- max_idle, max_tokens_per_owner and pat_notices. On WAL, a read of a pat
-- table shows the bookkeeping of the connection's earlier checks.
.bail off
.headers off
.mode list
.nullvalue NULL
PRAGMA journal_mode = WAL;
UPDATE pat_settings SET value = 'all' WHERE key = 'audit';

CREATE TEMP TABLE t(k TEXT PRIMARY KEY, tok TEXT);
INSERT INTO t VALUES ('ci', pat_create('alice', 'ci', 'DATA_FETCH', NULL, NULL,
  '{"description": "nightly build", "allowed_ips": ["10.1.0.0/16", "2001:DB8::/32", "::ffff:192.0.2.7"]}'));
INSERT INTO t VALUES ('any', pat_create('alice', 'laptop', 'DATA_FETCH'));

.print -- the list, stored and shown canonical
SELECT name, description, allowed_ips, last_used_ips FROM pat_tokens ORDER BY id;

.print -- inside the list, outside it, and without a client (fails closed)
SELECT 'in', pat_verify(tok, NULL, '10.1.2.3') IS NOT NULL FROM t WHERE k = 'ci';
SELECT 'in, mapped', pat_verify(tok, NULL, '::ffff:10.1.200.9') IS NOT NULL FROM t WHERE k = 'ci';
SELECT 'in, IPv6', pat_has_right(tok, 'DATA_FETCH', NULL, '2001:db8:0:0::42') FROM t WHERE k = 'ci';
SELECT 'out', pat_verify(tok, NULL, '10.2.0.1') IS NOT NULL FROM t WHERE k = 'ci';
SELECT 'none', pat_verify(tok) IS NOT NULL, pat_has_right(tok, 'DATA_FETCH') FROM t WHERE k = 'ci';
SELECT 'no list', pat_verify(tok, NULL, '203.0.113.5') IS NOT NULL FROM t WHERE k = 'any';
SELECT event, token_name, detail FROM pat_events WHERE event IN ('use', 'deny') ORDER BY id;
SELECT name, last_used_ips FROM pat_tokens ORDER BY id;

.print -- a bad client is an error whatever the token
SELECT pat_verify('junk', NULL, '10.0.0.1:80');
SELECT pat_has_right('junk', 'DATA_FETCH', NULL, '10.0.0.0/8');
SELECT pat_verify('junk', NULL, 42);

.print -- bad options: nothing is made
SELECT pat_create('alice', 'x', 'DATA_FETCH', NULL, NULL, '{"allowed_ip": ["10.0.0.1"]}');
SELECT pat_create('alice', 'x', 'DATA_FETCH', NULL, NULL, '{"allowed_ips": ["10.1.2.3/8"]}');
SELECT count(*) FROM pat_tokens;

.print -- UPDATE sets and removes the list
UPDATE pat_tokens SET allowed_ips = '["198.51.100.0/24"]' WHERE name = 'laptop';
SELECT 'moved', pat_verify(tok, NULL, '203.0.113.5') IS NOT NULL,
       pat_verify(tok, NULL, '198.51.100.9') IS NOT NULL FROM t WHERE k = 'any';
UPDATE pat_tokens SET allowed_ips = '["1.2.3.4/8"]' WHERE name = 'laptop';
UPDATE pat_tokens SET allowed_ips = NULL WHERE name = 'laptop';
SELECT event, detail FROM pat_events WHERE event = 'update' ORDER BY id;

.print -- max_tokens_per_owner
UPDATE pat_settings SET value = 2 WHERE key = 'max_tokens_per_owner';
SELECT pat_create('alice', 'third', 'DATA_FETCH');
SELECT pat_create('bob', 'first', 'DATA_FETCH') IS NOT NULL;
UPDATE pat_settings SET value = NULL WHERE key = 'max_tokens_per_owner';

.print -- max_idle: a token not used since its valid_from, 200 s ago
UPDATE pat_settings SET value = 0 WHERE key = 'last_used_interval';
UPDATE pat_settings SET value = 100 WHERE key = 'max_idle';
INSERT INTO t VALUES ('old', pat_create('carol', 'forgotten', 'DATA_FETCH',
  unixepoch('now') - 200, unixepoch('now') + 30 * 86400));
SELECT name, status FROM pat_tokens WHERE owner = 'carol';
SELECT 'idle', pat_verify(tok) FROM t WHERE k = 'old';
SELECT detail FROM pat_events WHERE token_name = 'forgotten' AND event = 'deny';
UPDATE pat_settings SET value = 5 WHERE key = 'last_used_interval';
UPDATE pat_settings SET value = NULL WHERE key = 'max_idle';

.print -- pat_notices: one expiring soon, one expired; DELETE acknowledges
INSERT INTO t VALUES ('soon', pat_create('dave', 'soon', 'DATA_FETCH', NULL, unixepoch('now') + 3600));
INSERT INTO t VALUES ('gone', pat_create('dave', 'gone', 'DATA_FETCH', unixepoch('now') - 1000, unixepoch('now') - 60));
SELECT owner, name, kind FROM pat_notices;
DELETE FROM pat_notices WHERE kind = 'expiring';
SELECT owner, name, kind FROM pat_notices;
SELECT event, token_name, detail FROM pat_events WHERE event = 'notice';
UPDATE pat_notices SET kind = 'x';
