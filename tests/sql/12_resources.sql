.load dist/pat
-- Rights on resources (INTERFACE.md, "Rights on resources"): RIGHT@resource
-- in a rights list, its stored form, and the checks, through the real shell.
.bail off
.headers off
.mode list
.nullvalue NULL

INSERT INTO pat_owners(owner, role) VALUES ('vic', 'VIEWER');
CREATE TEMP TABLE t(k TEXT PRIMARY KEY, tok TEXT);
INSERT INTO t VALUES ('p42', pat_create('alice', 'project 42', 'DATA_FETCH@project:42, DATA_CREATE@project:42'));
INSERT INTO t VALUES ('acme', pat_create('alice', 'acme repos', 'DATA_FETCH@repo:acme/*, DATA_FETCH@repo:acme/web, PROJECT_FETCH'));
INSERT INTO t VALUES ('cat', pat_create('alice', 'category', 'DATA_*@project:7'));
INSERT INTO t VALUES ('vcat', pat_create('vic', 'viewer category', 'DATA_*@project:7'));
INSERT INTO t VALUES ('all', pat_create('alice', 'unscoped wins', 'MEDIA_FETCH@a, MEDIA_FETCH, MEDIA_FETCH@*'));

.print -- stored: explicit, sorted in byte order, covered entries gone
SELECT name, rights FROM pat_tokens ORDER BY id;

.print -- checks: the resource asked, the right everywhere, a stem
SELECT 'p42 on project:42', pat_has_right(tok, 'DATA_FETCH@project:42') FROM t WHERE k = 'p42';
SELECT 'p42 on project:43', pat_has_right(tok, 'DATA_FETCH@project:43') FROM t WHERE k = 'p42';
SELECT 'p42 everywhere', pat_has_right(tok, 'DATA_FETCH') FROM t WHERE k = 'p42';
SELECT 'acme on repo:acme/api', pat_has_right(tok, 'DATA_FETCH@repo:acme/api') FROM t WHERE k = 'acme';
SELECT 'acme on repo:acme-evil/x', pat_has_right(tok, 'DATA_FETCH@repo:acme-evil/x') FROM t WHERE k = 'acme';
SELECT 'acme unscoped right on a resource', pat_has_right(tok, 'PROJECT_FETCH@project:1') FROM t WHERE k = 'acme';
SELECT 'all everywhere', pat_has_right(tok, 'MEDIA_FETCH') FROM t WHERE k = 'all';

.print -- several rights in one call: every one must hold
SELECT 'list held', pat_has_right(tok, 'DATA_FETCH@project:42, DATA_CREATE@project:42') FROM t WHERE k = 'p42';
SELECT 'JSON list, one not held', pat_has_right(tok, '["DATA_FETCH@project:42", "DATA_DELETE@project:42"]') FROM t WHERE k = 'p42';

.print -- errors name the function, the right and the problem; nothing changes
SELECT pat_create('alice', 'bad', 'DATA_FETCH@proj ect'); -- ERROR
SELECT pat_create('alice', 'bad', 'DATA_FETCH@'); -- ERROR
SELECT pat_create('alice', 'bad', 'DATA_FETCH@a*b'); -- ERROR
SELECT pat_create('vic', 'bad', 'DATA_DELETE@project:42'); -- ERROR
SELECT pat_has_right(tok, 'DATA_FETCH@project:*') FROM t WHERE k = 'p42'; -- ERROR
SELECT pat_has_right(tok, 'DATA_*@project:42') FROM t WHERE k = 'p42'; -- ERROR
UPDATE pat_tokens SET rights = 'DATA_FETCH@a b' WHERE name = 'project 42'; -- ERROR
SELECT 'tokens', count(*) FROM pat_tokens;

.print -- UPDATE takes entries as pat_create does
UPDATE pat_tokens SET rights = 'DATA_FETCH@project:43, DATA_FETCH@project:4*' WHERE name = 'project 42';
SELECT rights FROM pat_tokens WHERE name = 'project 42';
SELECT 'p42 now on project:42', pat_has_right(tok, 'DATA_FETCH@project:42') FROM t WHERE k = 'p42';
SELECT 'p42 now on project:5', pat_has_right(tok, 'DATA_FETCH@project:5') FROM t WHERE k = 'p42';
