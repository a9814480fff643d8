.load dist/pat
-- pat_verify and pat_has_right: only a bad `at` or right name is an error;
-- the token argument never is (any value that is not a valid token gives
-- NULL, or 0). Errors change nothing.
.bail off
.headers off
.mode list
.nullvalue NULL

CREATE TEMP TABLE t AS SELECT pat_create('alice', 'checked', 'DATA_FETCH') AS tok;
SELECT 'made', length(tok) FROM t;
SELECT 'tokens', count(*) FROM pat_tokens;
SELECT 'events', count(*) FROM pat_events;

.print -- pat_verify: at
SELECT pat_verify(tok, x'00') FROM t; -- ERROR
SELECT pat_verify(tok, 'x') FROM t; -- ERROR
SELECT pat_verify(tok, 1e999) FROM t; -- ERROR
SELECT pat_verify(tok, -1e999) FROM t; -- ERROR
SELECT pat_verify(tok, 253402300800) FROM t; -- ERROR
SELECT pat_verify(tok, -62167219201) FROM t; -- ERROR
SELECT pat_verify('junk', 'x'); -- ERROR
SELECT pat_verify(NULL, 'x'); -- ERROR

.print -- pat_has_right: right and at
SELECT pat_has_right(tok, NULL) FROM t; -- ERROR
SELECT pat_has_right(tok, 42) FROM t; -- ERROR
SELECT pat_has_right(tok, 4.2) FROM t; -- ERROR
SELECT pat_has_right(tok, x'41') FROM t; -- ERROR
SELECT pat_has_right(tok, 'X') FROM t; -- ERROR
SELECT pat_has_right(tok, 'data_fetch') FROM t; -- ERROR
SELECT pat_has_right(tok, 'DATA_*') FROM t; -- ERROR
SELECT pat_has_right(NULL, 'X'); -- ERROR
SELECT pat_has_right('junk', 'DATA_FECTH'); -- ERROR
SELECT pat_has_right(tok, 'DATA_FETCH', 'x') FROM t; -- ERROR
SELECT pat_has_right(tok, 'DATA_FETCH', x'00') FROM t; -- ERROR
SELECT pat_has_right(tok, 'DATA_FETCH', 1e999) FROM t; -- ERROR
SELECT pat_has_right('junk', 'DATA_FETCH', 'x'); -- ERROR

.print -- errors changed nothing
SELECT 'tokens', count(*) FROM pat_tokens;
SELECT 'events', count(*) FROM pat_events;
SELECT 'still valid', pat_verify(tok) IS NOT NULL, pat_has_right(tok, 'DATA_FETCH') FROM t;

.print -- the token argument never errors
SELECT 'NULL', pat_verify(NULL), pat_verify(NULL, 0), pat_has_right(NULL, 'DATA_FETCH');
SELECT 'integer', pat_verify(42), pat_has_right(42, 'DATA_FETCH');
SELECT 'real', pat_verify(4.2), pat_has_right(4.2, 'DATA_FETCH');
SELECT 'blob', pat_verify(x'00ff'), pat_has_right(x'00ff', 'DATA_FETCH');
SELECT 'zeroblob', pat_verify(zeroblob(100)), pat_has_right(zeroblob(100), 'DATA_FETCH');
SELECT 'empty', pat_verify(''), pat_has_right('', 'DATA_FETCH');
SELECT 'white space', pat_verify(' ' || char(9, 13, 10)), pat_has_right(' ', 'DATA_FETCH');
SELECT 'Bearer only', pat_verify('Bearer '), pat_has_right('Bearer', 'DATA_FETCH');
SELECT 'prefix only', pat_verify('pat_'), pat_has_right('pat_', 'DATA_FETCH');
SELECT 'invalid UTF-8', pat_verify(CAST(x'ff' AS TEXT)), pat_has_right(CAST(x'c0af' AS TEXT), 'DATA_FETCH');
SELECT 'huge', pat_verify(printf('%.*c', 100000, 'a')), pat_has_right(printf('%.*c', 100000, 'a'), 'DATA_FETCH');
SELECT 'truncated', pat_verify(substr(tok, 1, 41)), pat_has_right(substr(tok, 1, 41), 'DATA_FETCH') FROM t;
SELECT 'extended', pat_verify(tok || 'a'), pat_has_right(tok || 'a', 'DATA_FETCH') FROM t;
SELECT 'upper case', pat_verify(upper(tok)) FROM t;
SELECT 'checksum changed', pat_verify(substr(tok, 1, 41) || CASE substr(tok, 42, 1) WHEN 'A' THEN 'B' ELSE 'A' END) FROM t;
SELECT 'random changed', pat_verify(substr(tok, 1, 9) || CASE substr(tok, 10, 1) WHEN 'A' THEN 'B' ELSE 'A' END || substr(tok, 11)) FROM t;
SELECT 'other prefix', pat_verify('tap_' || substr(tok, 5)) FROM t;
SELECT 'no prefix', pat_verify(substr(tok, 5)) FROM t;
SELECT 'trailing NUL', pat_verify(tok || char(0)) FROM t;
SELECT 'inner space', pat_verify(substr(tok, 1, 20) || ' ' || substr(tok, 21)) FROM t;

.print -- a deleted token is gone
CREATE TEMP TABLE ids AS SELECT pat_verify(tok) AS id FROM t;
DELETE FROM pat_tokens WHERE id = (SELECT id FROM ids);
SELECT 'deleted', pat_verify(tok), pat_verify(tok, 'now'), pat_has_right(tok, 'DATA_FETCH') FROM t;
SELECT 'tokens', count(*) FROM pat_tokens;
SELECT event, token_id = (SELECT id FROM ids), token_name, owner FROM pat_events ORDER BY id;
