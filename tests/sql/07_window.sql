.load dist/pat
-- WAL: a check run from a statement that reads a table can write its
-- bookkeeping (last_used_at, events) only in WAL mode; see the README.
PRAGMA journal_mode = WAL;
-- The validity window is half-open, [valid_from, valid_to): checks with an
-- explicit `at` on its edges, in every time form; pending and expired
-- tokens; explicit `at` does no bookkeeping.
.bail off
.headers off
.mode list
.nullvalue NULL

CREATE TEMP TABLE t(k TEXT PRIMARY KEY, tok TEXT);
INSERT INTO t VALUES ('jan2030', pat_create('alice', 'jan2030', 'DATA_FETCH', '2030-01-01', '2030-02-01'));
INSERT INTO t VALUES ('jan2020', pat_create('alice', 'jan2020', 'DATA_FETCH, MEDIA_FETCH', '2020-01-01', '2020-02-01'));
INSERT INTO t VALUES ('current', pat_create('alice', 'current', 'DATA_FETCH'));

.print -- status, as of now
SELECT name, status FROM pat_tokens ORDER BY name;
SELECT name, valid_from, valid_to FROM pat_tokens WHERE name <> 'current' ORDER BY name;

.print -- pat_verify(token, at) on the window's edges
CREATE TEMP TABLE w(n INTEGER PRIMARY KEY, k TEXT, at);
INSERT INTO w(k, at) VALUES
  ('jan2030', '2029-12-31 23:59:59'),
  ('jan2030', '2030-01-01'),
  ('jan2030', '2030-01-01 00:00:00'),
  ('jan2030', '2030-01-15 12:00:00'),
  ('jan2030', '2030-01-31 23:59:59'),
  ('jan2030', '2030-02-01 00:00:00'),
  ('jan2030', '2030-02-01 00:00:01'),
  ('jan2030', 1893455999),
  ('jan2030', 1893456000),
  ('jan2030', 1896134399),
  ('jan2030', 1896134400),
  ('jan2030', 1893456000.0),
  ('jan2030', '2030-01-01T00:00:00Z'),
  ('jan2030', '2030-01-31T23:59:59.000Z'),
  ('jan2030', '2462502.5'),
  ('jan2030', '2462502.49'),
  ('jan2030', 'now'),
  ('jan2020', '2019-12-31 23:59:59'),
  ('jan2020', '2020-01-01'),
  ('jan2020', '2020-01-31 23:59:59'),
  ('jan2020', '2020-02-01'),
  ('jan2020', 'now'),
  ('jan2020', 0),
  ('current', 'now'),
  ('current', NULL),
  ('current', '2020-01-15'),
  ('current', '9999-12-31 23:59:59');
SELECT w.k, w.at, typeof(w.at),
       CASE WHEN pat_verify(t.tok, w.at) = p.id THEN 'valid'
            WHEN pat_verify(t.tok, w.at) IS NULL THEN 'NULL' ELSE 'other' END
  FROM w JOIN t ON t.k = w.k JOIN pat_tokens p ON p.name = w.k ORDER BY w.n;

.print -- pat_has_right(token, right, at)
SELECT 'jan2030 DATA_FETCH in window', pat_has_right(tok, 'DATA_FETCH', '2030-01-15') FROM t WHERE k = 'jan2030';
SELECT 'jan2030 DATA_FETCH at valid_to', pat_has_right(tok, 'DATA_FETCH', '2030-02-01') FROM t WHERE k = 'jan2030';
SELECT 'jan2030 DATA_FETCH at valid_from', pat_has_right(tok, 'DATA_FETCH', 1893456000) FROM t WHERE k = 'jan2030';
SELECT 'jan2020 MEDIA_FETCH in window', pat_has_right(tok, 'MEDIA_FETCH', '2020-01-15') FROM t WHERE k = 'jan2020';
SELECT 'jan2020 MEDIA_FETCH now', pat_has_right(tok, 'MEDIA_FETCH', 'now') FROM t WHERE k = 'jan2020';
SELECT 'jan2020 DATA_CREATE in window', pat_has_right(tok, 'DATA_CREATE', '2020-01-15') FROM t WHERE k = 'jan2020';

.print -- a check with an explicit at writes no last_used_at and no event
SELECT name, last_used_at FROM pat_tokens WHERE name IN ('jan2030', 'jan2020') ORDER BY name;
UPDATE pat_settings SET value = 'all' WHERE key = 'audit';
SELECT 'audit', value FROM pat_settings WHERE key = 'audit';
SELECT 'events before', count(*) FROM pat_events WHERE event IN ('use', 'deny');
SELECT 'audit checks', pat_verify(tok, '2030-01-15') IS NOT NULL, pat_has_right(tok, 'DATA_FETCH', '2030-01-15'), pat_has_right(tok, 'USER_FETCH', '2030-01-15') FROM t WHERE k = 'jan2030';
SELECT 'events after audit checks', count(*) FROM pat_events WHERE event IN ('use', 'deny');
SELECT 'jan2030 last_used_at', last_used_at FROM pat_tokens WHERE name = 'jan2030';
.print -- a check without at, with audit = all, is a use event
SELECT 'use', pat_verify(tok) IS NOT NULL FROM t WHERE k = 'current';
SELECT 'use events', count(*), max(token_name) FROM pat_events WHERE event = 'use';

.print -- without at: now
SELECT k, pat_verify(tok) IS NOT NULL, pat_has_right(tok, 'DATA_FETCH') FROM t ORDER BY k;
