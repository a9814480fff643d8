.load dist/pat
-- Loading the extension: version, registered functions and tables, and
-- that loading writes nothing to the database.
.bail off
.headers off
.mode list
.nullvalue NULL

-- pat_version() is the content of the VERSION file, without its newline.
SELECT 'version is VERSION', pat_version() = trim(CAST(readfile('VERSION') AS TEXT), char(10, 13, 32));
SELECT 'version form', pat_version() GLOB '[0-9]*.[0-9]*.[0-9]*';
SELECT 'version type', typeof(pat_version());

-- Every function, with its argument counts, registered SQLITE_DIRECTONLY.
SELECT name, narg, (flags & 0x80000) != 0 AS directonly
  FROM pragma_function_list WHERE name GLOB 'pat_*' ORDER BY name, narg;
-- The tables are eponymous virtual tables.
SELECT 'module', name FROM pragma_module_list WHERE name GLOB 'pat_*' ORDER BY name;

-- Wrong argument counts are SQLite's own errors.
SELECT pat_create('alice', 'n'); -- ERROR
SELECT pat_create('alice', 'n', 'DATA_FETCH', NULL, NULL, NULL, NULL); -- ERROR
SELECT pat_verify(); -- ERROR
SELECT pat_verify('x', NULL, NULL, NULL); -- ERROR
SELECT pat_has_right('x'); -- ERROR
SELECT pat_has_right('x', 'DATA_FETCH', NULL, NULL, NULL); -- ERROR
SELECT pat_version(1); -- ERROR

-- Loading wrote nothing: no object, not even a page.
SELECT 'schema objects', count(*) FROM sqlite_schema;
SELECT 'page_count', page_count FROM pragma_page_count;
SELECT 'user_version', user_version FROM pragma_user_version;
-- pat_debug: what a bug report needs, as run
SELECT 'debug', substr(pat_debug(), 1, 4) = 'pat ', instr(pat_debug(), char(10) || 'sqlite ' || sqlite_version()) > 0,
       instr(pat_debug(), char(10) || 'libsodium ') > 0, instr(pat_debug(), 'linkage loadable') > 0;
