.load dist/pat
-- pat_verify takes the bare token or a whole Authorization header value:
-- "Bearer" in any case, one or more spaces or tabs, the token; white space
-- (space, tab, CR, LF) around either form is ignored. Anything else is NULL.
.bail off
.headers off
.mode list
.nullvalue NULL

CREATE TEMP TABLE t AS SELECT pat_create('alice', 'header test', 'DATA_FETCH') AS tok;
CREATE TEMP TABLE cases(n INTEGER PRIMARY KEY, label TEXT, value);
INSERT INTO cases(label, value) SELECT 'bare', tok FROM t;
INSERT INTO cases(label, value) SELECT 'Bearer', 'Bearer ' || tok FROM t;
INSERT INTO cases(label, value) SELECT 'bearer', 'bearer ' || tok FROM t;
INSERT INTO cases(label, value) SELECT 'BEARER', 'BEARER ' || tok FROM t;
INSERT INTO cases(label, value) SELECT 'bEaReR', 'bEaReR ' || tok FROM t;
INSERT INTO cases(label, value) SELECT 'Bearer TAB', 'Bearer' || char(9) || tok FROM t;
INSERT INTO cases(label, value) SELECT 'Bearer spaces and tabs', 'Bearer ' || char(9) || '   ' || char(9) || tok FROM t;
INSERT INTO cases(label, value) SELECT 'bare in white space', ' ' || char(9) || tok || char(13, 10) FROM t;
INSERT INTO cases(label, value) SELECT 'header in white space', char(10) || ' Bearer ' || tok || ' ' || char(9, 13) FROM t;
INSERT INTO cases(label, value) SELECT 'header CRLF', 'Bearer ' || tok || char(13, 10) FROM t;
INSERT INTO cases(label, value) SELECT 'no separator', 'Bearer' || tok FROM t;
INSERT INTO cases(label, value) SELECT 'LF as separator', 'Bearer' || char(10) || tok FROM t;
INSERT INTO cases(label, value) SELECT 'CR as separator', 'Bearer' || char(13) || tok FROM t;
INSERT INTO cases(label, value) SELECT 'colon', 'Bearer: ' || tok FROM t;
INSERT INTO cases(label, value) SELECT 'Basic', 'Basic ' || tok FROM t;
INSERT INTO cases(label, value) SELECT 'Token', 'Token ' || tok FROM t;
INSERT INTO cases(label, value) SELECT 'Bear', 'Bear ' || tok FROM t;
INSERT INTO cases(label, value) SELECT 'Bearers', 'Bearers ' || tok FROM t;
INSERT INTO cases(label, value) SELECT 'Bearer twice', 'Bearer Bearer ' || tok FROM t;
INSERT INTO cases(label, value) SELECT 'header with the name', 'Authorization: Bearer ' || tok FROM t;
INSERT INTO cases(label, value) SELECT 'trailing word', 'Bearer ' || tok || ' x' FROM t;
INSERT INTO cases(label, value) SELECT 'token twice', 'Bearer ' || tok || ' ' || tok FROM t;
INSERT INTO cases(label, value) SELECT 'quoted', 'Bearer "' || tok || '"' FROM t;
INSERT INTO cases(label, value) SELECT 'vertical tab around', char(11) || tok FROM t;
INSERT INTO cases(label, value) SELECT 'form feed around', tok || char(12) FROM t;
INSERT INTO cases(label, value) SELECT 'no-break space around', char(160) || tok FROM t;
INSERT INTO cases(label, value) SELECT 'no-break space separator', 'Bearer' || char(160) || tok FROM t;
INSERT INTO cases(label, value) SELECT 'scheme only', 'Bearer ' FROM t;

SELECT n, label,
       CASE WHEN pat_verify(value) = (SELECT id FROM pat_tokens) THEN 'accepted'
            WHEN pat_verify(value) IS NULL THEN 'NULL' ELSE 'other' END,
       pat_has_right(value, 'DATA_FETCH'),
       CASE WHEN pat_verify(value, '2030-01-01') IS NULL THEN 'NULL' ELSE 'valid in 2030?' END
  FROM cases ORDER BY n;
