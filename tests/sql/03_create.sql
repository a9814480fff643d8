.load dist/pat
-- WAL: a check run from a statement that reads a table can write its
-- bookkeeping (last_used_at, events) only in WAL mode; see the README.
PRAGMA journal_mode = WAL;
-- pat_create, pat_verify and pat_has_right on their happy paths: the token's
-- form, the row it makes, rights parsing and wildcards, roles, time
-- arguments, and that the plaintext is stored nowhere.
.bail off
.headers off
.mode list
.nullvalue NULL

-- TEMP tables: pat's functions are DIRECTONLY, and the tokens are test data.
CREATE TEMP TABLE t(k TEXT PRIMARY KEY, tok TEXT);
INSERT INTO t VALUES ('ci', pat_create('alice', 'CI pipeline', 'DATA_FETCH, DATA_CREATE'));

.print -- the token: pat_ + 38 characters of [0-9A-Za-z]
SELECT 'length', length(tok) FROM t WHERE k = 'ci';
SELECT 'prefix', tok GLOB 'pat_*' FROM t WHERE k = 'ci';
SELECT 'alphabet', tok GLOB 'pat_' || replace(hex(zeroblob(38)), '00', '[0-9A-Za-z]') FROM t WHERE k = 'ci';
SELECT 'type', typeof(tok) FROM t WHERE k = 'ci';

.print -- the store now exists; every object is pat_..., none takes a public name
SELECT 'schema objects > 0', count(*) > 0 FROM sqlite_schema;
SELECT 'not pat_', count(*) FROM sqlite_schema WHERE name NOT GLOB 'pat_*' AND name NOT GLOB 'sqlite_*';
SELECT 'public names', count(*) FROM sqlite_schema WHERE name IN ('pat_tokens', 'pat_rights', 'pat_roles', 'pat_owners', 'pat_events', 'pat_settings');
SELECT 'user_version', user_version FROM pragma_user_version;

.print -- the row
SELECT owner, name, json(rights), status, typeof(id), typeof(owner) FROM pat_tokens;
SELECT 'lifetime', unixepoch(valid_to) - unixepoch(valid_from) FROM pat_tokens;
SELECT 'valid_from is now', abs(unixepoch(valid_from) - unixepoch('now')) <= 5 FROM pat_tokens;
SELECT 'created_at is now', abs(unixepoch(created_at) - unixepoch('now')) <= 5 FROM pat_tokens;
SELECT 'time format', valid_from GLOB '[0-9][0-9][0-9][0-9]-[0-1][0-9]-[0-3][0-9] [0-2][0-9]:[0-5][0-9]:[0-5][0-9]',
       valid_to GLOB '[0-9][0-9][0-9][0-9]-[0-1][0-9]-[0-3][0-9] [0-2][0-9]:[0-5][0-9]:[0-5][0-9]',
       created_at GLOB '[0-9][0-9][0-9][0-9]-[0-1][0-9]-[0-3][0-9] [0-2][0-9]:[0-5][0-9]:[0-5][0-9]' FROM pat_tokens;
SELECT 'last_used_at before use', last_used_at FROM pat_tokens;

.print -- verify and rights
SELECT 'verify is the id', pat_verify(tok) = (SELECT id FROM pat_tokens WHERE name = 'CI pipeline') FROM t WHERE k = 'ci';
SELECT 'last_used_at after use', abs(unixepoch(last_used_at) - unixepoch('now')) <= 5 FROM pat_tokens WHERE name = 'CI pipeline';
SELECT 'DATA_FETCH', pat_has_right(tok, 'DATA_FETCH') FROM t WHERE k = 'ci';
SELECT 'DATA_CREATE', pat_has_right(tok, 'DATA_CREATE') FROM t WHERE k = 'ci';
SELECT 'DATA_DELETE', pat_has_right(tok, 'DATA_DELETE') FROM t WHERE k = 'ci';
SELECT 'USER_FETCH', pat_has_right(tok, 'USER_FETCH') FROM t WHERE k = 'ci';
SELECT 'header DATA_FETCH', pat_has_right('Bearer ' || tok, 'DATA_FETCH') FROM t WHERE k = 'ci';

.print -- the plaintext is stored nowhere: not in any column, not in the file
SELECT 'in a column', count(*) FROM pat_tokens, t
 WHERE instr(id || owner || name || valid_from || valid_to || rights || status || created_at || coalesce(last_used_at, ''), substr(tok, 5, 32)) > 0;
SELECT 'in an event', count(*) FROM pat_events, t
 WHERE instr(coalesce(id, '') || coalesce(at, '') || coalesce(event, '') || coalesce(token_id, '') || coalesce(token_name, '') || coalesce(owner, '') || coalesce(detail, ''), substr(tok, 5, 32)) > 0;
SELECT 'in the file', instr(readfile((SELECT file FROM pragma_database_list WHERE name = 'main')), CAST(substr(tok, 5, 32) AS BLOB)) FROM t WHERE k = 'ci';

.print -- owners are text: the integer 42 and the text 42 are the same owner
INSERT INTO t VALUES ('int', pat_create(42, 'integer owner', 'DATA_FETCH'));
INSERT INTO t VALUES ('text', pat_create('42', 'text owner', 'DATA_FETCH'));
SELECT owner, typeof(owner), count(*) FROM pat_tokens WHERE owner = '42' GROUP BY owner;

.print -- rights: lists, JSON arrays, wildcards; stored expanded, sorted, without duplicates
INSERT INTO t VALUES ('r1', pat_create('alice', 'r1', 'DATA_*'));
INSERT INTO t VALUES ('r2', pat_create('alice', 'r2', '*'));
INSERT INTO t VALUES ('r3', pat_create('alice', 'r3', '["MEDIA_FETCH","DATA_FETCH","MEDIA_FETCH"]'));
INSERT INTO t VALUES ('r4', pat_create('alice', 'r4', 'DATA_*, DATA_FETCH,MEDIA_FETCH'));
INSERT INTO t VALUES ('r5', pat_create('alice', 'r5', '  PROJECT_FETCH  '));
INSERT INTO t VALUES ('r6', pat_create('alice', 'r6', '["ROUTING_*"]'));
INSERT INTO t VALUES ('r7', pat_create('alice', 'r7', '[ "USER_FETCH" , "CONFIG_FETCH" ]'));
SELECT name, json(rights) FROM pat_tokens WHERE name GLOB 'r[0-9]' ORDER BY name;
SELECT 'r2 USER_DELETE', pat_has_right(tok, 'USER_DELETE') FROM t WHERE k = 'r2';
SELECT 'r3 MEDIA_CREATE', pat_has_right(tok, 'MEDIA_CREATE') FROM t WHERE k = 'r3';

.print -- roles limit what an owner may grant; wildcards expand within the role
INSERT INTO pat_owners VALUES ('vic', 'VIEWER'), ('ann', 'AUTHOR'), ('adm', 'ADMIN');
SELECT owner, role FROM pat_owners ORDER BY owner;
INSERT INTO t VALUES ('vic*', pat_create('vic', 'vic all', '*'));
INSERT INTO t VALUES ('vicD', pat_create('vic', 'vic data', 'DATA_*'));
INSERT INTO t VALUES ('ann*', pat_create('ann', 'ann all', '*'));
INSERT INTO t VALUES ('annM', pat_create('ann', 'ann media', 'MEDIA_*'));
INSERT INTO t VALUES ('adm*', pat_create('adm', 'adm all', '*'));
SELECT owner, name, json(rights) FROM pat_tokens WHERE owner IN ('vic', 'ann', 'adm') ORDER BY owner, name;

.print -- pat_has_right follows the owner's current role
SELECT 'ann MEDIA_CREATE', pat_has_right(tok, 'MEDIA_CREATE') FROM t WHERE k = 'annM';
UPDATE pat_owners SET role = 'VIEWER' WHERE owner = 'ann';
SELECT 'ann as VIEWER MEDIA_CREATE', pat_has_right(tok, 'MEDIA_CREATE') FROM t WHERE k = 'annM';
SELECT 'ann as VIEWER MEDIA_FETCH', pat_has_right(tok, 'MEDIA_FETCH') FROM t WHERE k = 'annM';
SELECT 'ann as VIEWER verify', pat_verify(tok) IS NOT NULL FROM t WHERE k = 'annM';
UPDATE pat_owners SET role = 'AUTHOR' WHERE owner = 'ann';
SELECT 'ann as AUTHOR MEDIA_CREATE', pat_has_right(tok, 'MEDIA_CREATE') FROM t WHERE k = 'annM';

.print -- names: up to 255 bytes, any text without control characters, not unique
INSERT INTO t VALUES ('n255', pat_create('alice', printf('%.*c', 255, 'n'), 'DATA_FETCH'));
INSERT INTO t VALUES ('nutf', pat_create('alice', replace(hex(zeroblob(127)), '00', 'é') || 'x', 'DATA_FETCH'));
INSERT INTO t VALUES ('dup1', pat_create('alice', 'same name', 'DATA_FETCH'));
INSERT INTO t VALUES ('dup2', pat_create('alice', 'same name', 'DATA_FETCH'));
INSERT INTO t VALUES ('o255', pat_create(printf('%.*c', 255, 'o'), 'long owner', 'DATA_FETCH'));
SELECT 'name 255', length(name), length(CAST(name AS BLOB)) FROM pat_tokens WHERE name GLOB 'nnn*';
SELECT 'name utf8', length(name), length(CAST(name AS BLOB)) FROM pat_tokens WHERE name GLOB 'é*';
SELECT 'same name', count(*), count(DISTINCT id) FROM pat_tokens WHERE name = 'same name';
SELECT 'same name both verify', count(*) FROM t WHERE k GLOB 'dup?' AND pat_verify(tok) IS NOT NULL;
SELECT 'owner 255', length(owner) FROM pat_tokens WHERE name = 'long owner';

.print -- time arguments: TEXT as SQLite reads it, INTEGER/REAL unix seconds, NULL = default
INSERT INTO t VALUES ('w1', pat_create('alice', 'w1', 'DATA_FETCH', '2030-01-01', '2030-02-01'));
INSERT INTO t VALUES ('w2', pat_create('alice', 'w2', 'DATA_FETCH', 1893456000, 1893542400));
INSERT INTO t VALUES ('w3', pat_create('alice', 'w3', 'DATA_FETCH', '2030-01-01T12:00:00Z', '2030-01-02 12:00:00'));
INSERT INTO t VALUES ('w4', pat_create('alice', 'w4', 'DATA_FETCH', '2030-01-01'));
INSERT INTO t VALUES ('w5', pat_create('alice', 'w5', 'DATA_FETCH', 1893456000.0, 1893456001.0));
INSERT INTO t VALUES ('w6', pat_create('alice', 'w6', 'DATA_FETCH', '2462502.5', '2462503.5'));
INSERT INTO t VALUES ('w7', pat_create('alice', 'w7', 'DATA_FETCH', '2020-01-01', '2021-01-01'));
INSERT INTO t VALUES ('w8', pat_create('alice', 'w8', 'DATA_FETCH', '2020-01-01', '2020-01-01 00:00:01'));
INSERT INTO t VALUES ('w9', pat_create('alice', 'w9', 'DATA_FETCH', '2030-01-01 12:34:56', NULL));
INSERT INTO t VALUES ('w10', pat_create('alice', 'w10', 'DATA_FETCH', 0, 86400));
SELECT name, valid_from, valid_to, status FROM pat_tokens WHERE name GLOB 'w[0-9]*' ORDER BY id;
INSERT INTO t VALUES ('w0', pat_create('alice', 'w0', 'DATA_FETCH', NULL, NULL));
SELECT 'w0 lifetime', unixepoch(valid_to) - unixepoch(valid_from), abs(unixepoch(valid_from) - unixepoch('now')) <= 5, status FROM pat_tokens WHERE name = 'w0';

.print -- every token made here is distinct
SELECT 'tokens', count(*), count(DISTINCT tok), (SELECT count(*) FROM pat_tokens) FROM t;

.print -- one create event per token (audit = changes logs no use)
SELECT event, count(*) FROM pat_events GROUP BY event ORDER BY event;
SELECT 'first event', event, token_name, owner, token_id = (SELECT id FROM pat_tokens WHERE name = 'CI pipeline') FROM pat_events ORDER BY id LIMIT 1;
SELECT 'event ids increase', count(*) FROM pat_events a JOIN pat_events b ON b.id > a.id WHERE b.token_id < a.token_id;
