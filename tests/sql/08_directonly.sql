.load dist/pat
-- Every function and table is SQLITE_DIRECTONLY: a view or trigger stored
-- in the database file (which an attacker may have planted) can not reach
-- them. TEMP views and triggers belong to the application and may.
.bail off
.headers off
.mode list
.nullvalue NULL

.print -- views in the file
CREATE VIEW v_create AS SELECT pat_create('mallory', 'planted', '*') AS tok;
SELECT length(tok) FROM v_create; -- ERROR
CREATE VIEW v_verify AS SELECT pat_verify('Bearer x') AS id;
SELECT id FROM v_verify; -- ERROR
CREATE VIEW v_has_right AS SELECT pat_has_right('x', 'DATA_FETCH') AS ok;
SELECT ok FROM v_has_right; -- ERROR
CREATE VIEW v_version AS SELECT pat_version() AS v;
SELECT v FROM v_version; -- ERROR
CREATE VIEW v_tokens AS SELECT count(*) AS n FROM pat_tokens;
SELECT n FROM v_tokens; -- ERROR
CREATE VIEW v_settings AS SELECT value FROM pat_settings WHERE key = 'prefix';
SELECT value FROM v_settings; -- ERROR

.print -- triggers in the file
CREATE TABLE log(x);
CREATE TRIGGER tr_create AFTER INSERT ON log BEGIN SELECT pat_create('mallory', 'planted', '*'); END;
INSERT INTO log VALUES (1); -- ERROR
DROP TRIGGER tr_create;
CREATE TRIGGER tr_owner AFTER INSERT ON log BEGIN INSERT INTO pat_owners VALUES ('mallory', 'ROOT'); END;
INSERT INTO log VALUES (2); -- ERROR
DROP TRIGGER tr_owner;
CREATE TRIGGER tr_settings AFTER INSERT ON log BEGIN UPDATE pat_settings SET value = '1' WHERE key = 'max_lifetime'; END;
INSERT INTO log VALUES (3); -- ERROR
DROP TRIGGER tr_settings;
CREATE TRIGGER tr_read AFTER INSERT ON log BEGIN SELECT count(*) FROM pat_tokens; END;
INSERT INTO log VALUES (4); -- ERROR
DROP TRIGGER tr_read;

.print -- nothing happened
SELECT 'log rows', count(*) FROM log;
SELECT 'tokens', count(*) FROM pat_tokens;
SELECT 'owners', count(*) FROM pat_owners;
SELECT 'max_lifetime', value FROM pat_settings WHERE key = 'max_lifetime';
SELECT 'pat objects', count(*) FROM sqlite_schema WHERE name GLOB 'pat_*';

.print -- TEMP views and triggers may call pat
CREATE TEMP VIEW tv AS SELECT pat_verify('Bearer x') IS NULL AS ok, pat_version() = pat_version() AS same;
SELECT 'temp view', ok, same FROM tv;
CREATE TEMP VIEW tv_rights AS SELECT count(*) AS n FROM pat_rights;
SELECT 'temp view on a table', n FROM tv_rights;
CREATE TEMP TABLE made(tok);
CREATE TEMP TRIGGER ttr AFTER INSERT ON log BEGIN INSERT INTO made SELECT pat_create('app', 'from a temp trigger', 'DATA_FETCH'); END;
INSERT INTO log VALUES (5);
SELECT 'temp trigger', length(tok), pat_verify(tok) IS NOT NULL FROM made;
SELECT 'log rows', count(*) FROM log;
SELECT 'tokens', count(*) FROM pat_tokens;
