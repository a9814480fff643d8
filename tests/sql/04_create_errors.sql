.load dist/pat
-- Every pat_create error of notes/errors-draft.md, one statement each. Bad
-- arguments leave the database as it was: on a fresh database nothing is
-- created, and once the store exists no token and no event is added.
.bail off
.headers off
.mode list
.nullvalue NULL

.print -- owner
SELECT pat_create(NULL, 'n', 'DATA_FETCH'); -- ERROR
SELECT pat_create('', 'n', 'DATA_FETCH'); -- ERROR
SELECT pat_create(4.5, 'n', 'DATA_FETCH'); -- ERROR
SELECT pat_create(x'616c696365', 'n', 'DATA_FETCH'); -- ERROR
SELECT pat_create(printf('%.*c', 256, 'o'), 'n', 'DATA_FETCH'); -- ERROR
SELECT pat_create('al' || char(10) || 'ice', 'n', 'DATA_FETCH'); -- ERROR
SELECT pat_create('alice' || char(127), 'n', 'DATA_FETCH'); -- ERROR
SELECT pat_create('alice' || char(133), 'n', 'DATA_FETCH'); -- ERROR
SELECT pat_create(CAST(x'616c00696365' AS TEXT), 'n', 'DATA_FETCH'); -- ERROR
SELECT pat_create(CAST(x'616cff696365' AS TEXT), 'n', 'DATA_FETCH'); -- ERROR

.print -- name
SELECT pat_create('alice', NULL, 'DATA_FETCH'); -- ERROR
SELECT pat_create('alice', '', 'DATA_FETCH'); -- ERROR
SELECT pat_create('alice', 42, 'DATA_FETCH'); -- ERROR
SELECT pat_create('alice', 4.2, 'DATA_FETCH'); -- ERROR
SELECT pat_create('alice', x'6e', 'DATA_FETCH'); -- ERROR
SELECT pat_create('alice', printf('%.*c', 256, 'n'), 'DATA_FETCH'); -- ERROR
SELECT pat_create('alice', replace(hex(zeroblob(128)), '00', 'é'), 'DATA_FETCH'); -- ERROR
SELECT pat_create('alice', 'a' || char(9) || 'b', 'DATA_FETCH'); -- ERROR
SELECT pat_create('alice', 'ab' || char(0x1f), 'DATA_FETCH'); -- ERROR
SELECT pat_create('alice', 'a' || char(0x9f) || 'b', 'DATA_FETCH'); -- ERROR
SELECT pat_create('alice', CAST(x'6e00' AS TEXT), 'DATA_FETCH'); -- ERROR
SELECT pat_create('alice', CAST(x'6ec3' AS TEXT), 'DATA_FETCH'); -- ERROR
SELECT pat_create('alice', CAST(x'6ec0af' AS TEXT), 'DATA_FETCH'); -- ERROR

.print -- rights
SELECT pat_create('alice', 'n', NULL); -- ERROR
SELECT pat_create('alice', 'n', 42); -- ERROR
SELECT pat_create('alice', 'n', 4.2); -- ERROR
SELECT pat_create('alice', 'n', x'5b5d'); -- ERROR
SELECT pat_create('alice', 'n', ''); -- ERROR
SELECT pat_create('alice', 'n', '   '); -- ERROR
SELECT pat_create('alice', 'n', '[]'); -- ERROR
SELECT pat_create('alice', 'n', '[1]'); -- ERROR
SELECT pat_create('alice', 'n', '["DATA_FETCH", 1]'); -- ERROR
SELECT pat_create('alice', 'n', '["DATA_FETCH"'); -- ERROR
SELECT pat_create('alice', 'n', '[["DATA_FETCH"]]'); -- ERROR
SELECT pat_create('alice', 'n', '["DATA_FETCH"] x'); -- ERROR
SELECT pat_create('alice', 'n', '[{"right":"DATA_FETCH"}]'); -- ERROR
SELECT pat_create('alice', 'n', replace(hex(zeroblob(5000)), '00', '[') || replace(hex(zeroblob(5000)), '00', ']')); -- ERROR
SELECT pat_create('alice', 'n', 'DATA_FETCH,,DATA_CREATE'); -- ERROR
SELECT pat_create('alice', 'n', 'DATA_FETCH,'); -- ERROR
SELECT pat_create('alice', 'n', '[""]'); -- ERROR
SELECT pat_create('alice', 'n', 'DATA_FECTH'); -- ERROR
SELECT pat_create('alice', 'n', 'DATA_FETCH, DATA_FECTH'); -- ERROR
SELECT pat_create('alice', 'n', '["DATA_FETCH","NOPE"]'); -- ERROR
SELECT pat_create('alice', 'n', 'data_fetch'); -- ERROR
SELECT pat_create('alice', 'n', 'DATA FETCH'); -- ERROR
SELECT pat_create('alice', 'n', printf('%.*c', 100, 'X')); -- ERROR
SELECT pat_create('alice', 'n', 'FOO_*'); -- ERROR

.print -- valid_from, valid_to
SELECT pat_create('alice', 'n', 'DATA_FETCH', x'00'); -- ERROR
SELECT pat_create('alice', 'n', 'DATA_FETCH', 'garbage'); -- ERROR
SELECT pat_create('alice', 'n', 'DATA_FETCH', -62167219201); -- ERROR
SELECT pat_create('alice', 'n', 'DATA_FETCH', 253402300800); -- ERROR
SELECT pat_create('alice', 'n', 'DATA_FETCH', 1e999); -- ERROR
SELECT pat_create('alice', 'n', 'DATA_FETCH', -1e999); -- ERROR
SELECT pat_create('alice', 'n', 'DATA_FETCH', NULL, x'00'); -- ERROR
SELECT pat_create('alice', 'n', 'DATA_FETCH', NULL, 'tomorrow'); -- ERROR
SELECT pat_create('alice', 'n', 'DATA_FETCH', '2030-01-01', 253402300800); -- ERROR
SELECT pat_create('alice', 'n', 'DATA_FETCH', '2030-01-01', 1e999); -- ERROR
SELECT pat_create('alice', 'n', 'DATA_FETCH', '2030-01-01', '2030-01-01'); -- ERROR
SELECT pat_create('alice', 'n', 'DATA_FETCH', '2030-01-01', '2029-12-31'); -- ERROR
SELECT pat_create('alice', 'n', 'DATA_FETCH', '2020-01-01', '2021-01-01 00:00:01'); -- ERROR
SELECT pat_create('alice', 'n', 'DATA_FETCH', '2020-01-01', '2021-01-02'); -- ERROR

.print -- argument count
SELECT pat_create('alice', 'n'); -- ERROR

.print -- a fresh database stays empty
SELECT 'schema objects', count(*) FROM sqlite_schema;
SELECT 'tokens', count(*) FROM pat_tokens;
SELECT 'events', count(*) FROM pat_events;

.print -- with a store: roles, and errors leave no token and no event behind
INSERT INTO pat_owners VALUES ('vic', 'VIEWER'), ('adm', 'ADMIN');
SELECT 'made one', length(pat_create('alice', 'the only token', 'DATA_FETCH'));
SELECT 'tokens', count(*) FROM pat_tokens;
SELECT 'events', count(*) FROM pat_events;
SELECT pat_create('vic', 'n', 'DATA_CREATE'); -- ERROR
SELECT pat_create('vic', 'n', 'DATA_FETCH, DATA_CREATE'); -- ERROR
SELECT pat_create('vic', 'n', 'USER_*'); -- ERROR
SELECT pat_create('adm', 'n', 'USER_FETCH'); -- ERROR
SELECT pat_create('adm', 'n', 'CONFIG_*'); -- ERROR
SELECT pat_create('alice', 'n', 'FOO_*'); -- ERROR
SELECT pat_create('alice', '', 'DATA_FETCH'); -- ERROR
SELECT pat_create('alice', 'n', 'DATA_FECTH'); -- ERROR
SELECT pat_create('alice', 'n', '["DATA_FETCH"'); -- ERROR
SELECT pat_create('alice', 'n', 'DATA_FETCH', 'garbage'); -- ERROR
SELECT pat_create('alice', 'n', 'DATA_FETCH', '2030-01-01', '2030-01-01'); -- ERROR
SELECT pat_create('alice', 'n', 'DATA_FETCH', '2020-01-01', '2021-01-02'); -- ERROR
SELECT 'tokens', count(*) FROM pat_tokens;
SELECT 'events', count(*) FROM pat_events;
SELECT owner, name, json(rights) FROM pat_tokens;
