.load dist/pat
-- Before the store exists, every table reads as a new store would and the
-- functions answer, and none of these reads creates anything.
.bail off
.headers off
.mode list
.nullvalue NULL

-- The columns of the six tables.
SELECT 'pat_tokens', group_concat(name, ',') FROM (SELECT name FROM pragma_table_info('pat_tokens') ORDER BY cid);
SELECT 'pat_rights', group_concat(name, ',') FROM (SELECT name FROM pragma_table_info('pat_rights') ORDER BY cid);
SELECT 'pat_roles', group_concat(name, ',') FROM (SELECT name FROM pragma_table_info('pat_roles') ORDER BY cid);
SELECT 'pat_owners', group_concat(name, ',') FROM (SELECT name FROM pragma_table_info('pat_owners') ORDER BY cid);
SELECT 'pat_events', group_concat(name, ',') FROM (SELECT name FROM pragma_table_info('pat_events') ORDER BY cid);
SELECT 'pat_settings', group_concat(name, ',') FROM (SELECT name FROM pragma_table_info('pat_settings') ORDER BY cid);

.print -- no tokens, no events, no owners
SELECT 'tokens', count(*) FROM pat_tokens;
SELECT * FROM pat_tokens;
SELECT 'events', count(*) FROM pat_events;
SELECT * FROM pat_events;
SELECT 'owners', count(*) FROM pat_owners;
SELECT * FROM pat_owners;

.print -- the catalog
SELECT name, category FROM pat_rights ORDER BY name;
SELECT 'rights', count(*) FROM pat_rights;
SELECT 'lookup', category FROM pat_rights WHERE name = 'MEDIA_FETCH';

.print -- the default roles
SELECT role, right FROM pat_roles ORDER BY role, right;

.print -- the settings
SELECT key, value FROM pat_settings ORDER BY key;
SELECT 'lookup', value FROM pat_settings WHERE key = 'default_role';

.print -- the functions answer without a store
SELECT 'verify bare', pat_verify('pat_' || replace(hex(zeroblob(19)), '00', 'aB'));
SELECT 'verify at', pat_verify('pat_' || replace(hex(zeroblob(19)), '00', 'aB'), '2030-01-01');
SELECT 'verify NULL', pat_verify(NULL);
SELECT 'has_right', pat_has_right('Bearer pat_x', 'DATA_FETCH');
SELECT 'has_right at', pat_has_right('pat_x', 'USER_DELETE', 0);
SELECT pat_has_right('pat_x', 'NOPE'); -- ERROR
SELECT pat_verify('pat_x', 'x'); -- ERROR

.print -- nothing was created
SELECT 'schema objects', count(*) FROM sqlite_schema;
SELECT 'page_count', page_count FROM pragma_page_count;
