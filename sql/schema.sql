-- schema.sql: the store of pat, schema version 1.
--
-- The build compiles this file into the extension (dist/schema_sql.h): it is
-- the one source of the store's DDL. The first call that writes runs it on
-- the application's `main` database; the extension also runs it on a private
-- in-memory database, whose contents answer reads before a store exists.
--
-- Every statement may run again: a store that was interrupted half-made is
-- completed by the next write. The schema_version row is written last.
--
-- The public tables (pat_tokens, pat_rights, ...) are virtual tables over
-- these; no table here takes a public name. Nothing here holds a token: only
-- its BLAKE2b-256 digest.

CREATE TABLE IF NOT EXISTS pat_store_meta(
  key   TEXT PRIMARY KEY NOT NULL,
  value
) WITHOUT ROWID;

CREATE TABLE IF NOT EXISTS pat_store_settings(
  key   TEXT NOT NULL UNIQUE,
  value
);

CREATE TABLE IF NOT EXISTS pat_store_rights(
  name        TEXT NOT NULL UNIQUE,
  category    TEXT NOT NULL,
  description TEXT NOT NULL DEFAULT ''
);

-- Rights each role may grant. ROOT has no rows: it grants the whole catalog.
CREATE TABLE IF NOT EXISTS pat_store_roles(
  role  TEXT NOT NULL,
  right TEXT NOT NULL,
  UNIQUE(role, right)
);

CREATE TABLE IF NOT EXISTS pat_store_owners(
  owner TEXT NOT NULL UNIQUE,
  role  TEXT NOT NULL
);

-- Keyed by digest, so a check is one B-tree descent that finds everything it
-- needs. Times are unix seconds. rights is a sorted JSON array of names.
CREATE TABLE IF NOT EXISTS pat_store_tokens(
  digest       BLOB PRIMARY KEY NOT NULL,
  id           INTEGER NOT NULL UNIQUE,
  owner        TEXT NOT NULL,
  name         TEXT NOT NULL,
  valid_from   INTEGER NOT NULL,
  valid_to     INTEGER NOT NULL,
  rights       TEXT NOT NULL,
  created_at   INTEGER NOT NULL,
  last_used_at INTEGER
) WITHOUT ROWID;

CREATE TABLE IF NOT EXISTS pat_store_events(
  id         INTEGER PRIMARY KEY,
  at         INTEGER NOT NULL,
  event      TEXT NOT NULL,
  token_id   INTEGER,
  token_name TEXT,
  owner      TEXT,
  detail     TEXT
);
CREATE INDEX IF NOT EXISTS pat_store_events_token ON pat_store_events(token_id);

-- Changes and their events commit together: the events are written by
-- triggers inside the changing statement. Direct writes to the store are
-- recorded too.
CREATE TRIGGER IF NOT EXISTS pat_store_tokens_created
AFTER INSERT ON pat_store_tokens
WHEN (SELECT value FROM pat_store_settings WHERE key = 'audit') IS NOT 'off'
BEGIN
  -- Built as text: rights is already a JSON array (pat writes it), and this
  -- runs for every token made.
  INSERT INTO pat_store_events(at, event, token_id, token_name, owner, detail)
  VALUES (NEW.created_at, 'create', NEW.id, NEW.name, NEW.owner,
          '{"rights":' || NEW.rights ||
          ',"valid_from":"' || datetime(NEW.valid_from, 'unixepoch') ||
          '","valid_to":"' || datetime(NEW.valid_to, 'unixepoch') || '"}');
END;

CREATE TRIGGER IF NOT EXISTS pat_store_tokens_updated
AFTER UPDATE OF name, valid_from, valid_to, rights ON pat_store_tokens
WHEN OLD.digest = NEW.digest
 AND (SELECT value FROM pat_store_settings WHERE key = 'audit') IS NOT 'off'
 AND (OLD.name IS NOT NEW.name OR OLD.valid_from IS NOT NEW.valid_from
      OR OLD.valid_to IS NOT NEW.valid_to OR OLD.rights IS NOT NEW.rights)
BEGIN
  INSERT INTO pat_store_events(at, event, token_id, token_name, owner, detail)
  VALUES (unixepoch('now'), 'update', NEW.id, NEW.name, NEW.owner,
          '{' || substr(
            CASE WHEN OLD.name IS NOT NEW.name
                 THEN ',"name":' || json_array(OLD.name, NEW.name) ELSE '' END ||
            CASE WHEN OLD.valid_from IS NOT NEW.valid_from
                 THEN ',"valid_from":' || json_array(datetime(OLD.valid_from, 'unixepoch'),
                                                     datetime(NEW.valid_from, 'unixepoch'))
                 ELSE '' END ||
            CASE WHEN OLD.valid_to IS NOT NEW.valid_to
                 THEN ',"valid_to":' || json_array(datetime(OLD.valid_to, 'unixepoch'),
                                                   datetime(NEW.valid_to, 'unixepoch'))
                 ELSE '' END ||
            CASE WHEN OLD.rights IS NOT NEW.rights
                 THEN ',"rights":' || json_array(json(OLD.rights), json(NEW.rights))
                 ELSE '' END, 2) || '}');
END;

CREATE TRIGGER IF NOT EXISTS pat_store_tokens_rotated
AFTER UPDATE OF digest ON pat_store_tokens
WHEN OLD.digest IS NOT NEW.digest
 AND (SELECT value FROM pat_store_settings WHERE key = 'audit') IS NOT 'off'
BEGIN
  INSERT INTO pat_store_events(at, event, token_id, token_name, owner, detail)
  VALUES (unixepoch('now'), 'rotate', NEW.id, NEW.name, NEW.owner,
          json_object('valid_from', datetime(NEW.valid_from, 'unixepoch'),
                      'valid_to', datetime(NEW.valid_to, 'unixepoch')));
END;

-- A deleted token's id is never handed out again, so its events stay its own.
CREATE TRIGGER IF NOT EXISTS pat_store_tokens_deleted
AFTER DELETE ON pat_store_tokens
BEGIN
  UPDATE pat_store_meta SET value = OLD.id WHERE key = 'id_floor' AND value < OLD.id;
  INSERT INTO pat_store_events(at, event, token_id, token_name, owner, detail)
  SELECT unixepoch('now'), 'delete', OLD.id, OLD.name, OLD.owner,
         json_object('rights', json(OLD.rights))
  WHERE (SELECT value FROM pat_store_settings WHERE key = 'audit') IS NOT 'off';
END;

-- What decides a grant (settings, catalog, roles, owners) is cached by each
-- connection; any change to it moves policy_version, so a connection that
-- sees the database changed reads one row to know whether to read it again.
CREATE TRIGGER IF NOT EXISTS pat_store_settings_i AFTER INSERT ON pat_store_settings
BEGIN UPDATE pat_store_meta SET value = value + 1 WHERE key = 'policy_version'; END;
CREATE TRIGGER IF NOT EXISTS pat_store_settings_u AFTER UPDATE ON pat_store_settings
BEGIN UPDATE pat_store_meta SET value = value + 1 WHERE key = 'policy_version'; END;
CREATE TRIGGER IF NOT EXISTS pat_store_settings_d AFTER DELETE ON pat_store_settings
BEGIN UPDATE pat_store_meta SET value = value + 1 WHERE key = 'policy_version'; END;
CREATE TRIGGER IF NOT EXISTS pat_store_rights_i AFTER INSERT ON pat_store_rights
BEGIN UPDATE pat_store_meta SET value = value + 1 WHERE key = 'policy_version'; END;
CREATE TRIGGER IF NOT EXISTS pat_store_rights_u AFTER UPDATE ON pat_store_rights
BEGIN UPDATE pat_store_meta SET value = value + 1 WHERE key = 'policy_version'; END;
CREATE TRIGGER IF NOT EXISTS pat_store_rights_d AFTER DELETE ON pat_store_rights
BEGIN UPDATE pat_store_meta SET value = value + 1 WHERE key = 'policy_version'; END;
CREATE TRIGGER IF NOT EXISTS pat_store_roles_i AFTER INSERT ON pat_store_roles
BEGIN UPDATE pat_store_meta SET value = value + 1 WHERE key = 'policy_version'; END;
CREATE TRIGGER IF NOT EXISTS pat_store_roles_u AFTER UPDATE ON pat_store_roles
BEGIN UPDATE pat_store_meta SET value = value + 1 WHERE key = 'policy_version'; END;
CREATE TRIGGER IF NOT EXISTS pat_store_roles_d AFTER DELETE ON pat_store_roles
BEGIN UPDATE pat_store_meta SET value = value + 1 WHERE key = 'policy_version'; END;
CREATE TRIGGER IF NOT EXISTS pat_store_owners_i AFTER INSERT ON pat_store_owners
BEGIN UPDATE pat_store_meta SET value = value + 1 WHERE key = 'policy_version'; END;
CREATE TRIGGER IF NOT EXISTS pat_store_owners_u AFTER UPDATE ON pat_store_owners
BEGIN UPDATE pat_store_meta SET value = value + 1 WHERE key = 'policy_version'; END;
CREATE TRIGGER IF NOT EXISTS pat_store_owners_d AFTER DELETE ON pat_store_owners
BEGIN UPDATE pat_store_meta SET value = value + 1 WHERE key = 'policy_version'; END;

INSERT OR IGNORE INTO pat_store_settings(key, value) VALUES
  ('prefix', 'pat_'),
  ('default_lifetime', 2592000),
  ('max_lifetime', 31622400),
  ('default_role', 'ROOT'),
  ('audit', 'changes'),
  ('last_used_interval', 60);

INSERT OR IGNORE INTO pat_store_rights(name, category, description) VALUES
  ('USER_FETCH', 'User Management', 'Read users'),
  ('USER_CREATE', 'User Management', 'Create users'),
  ('USER_UPDATE', 'User Management', 'Change users'),
  ('USER_DELETE', 'User Management', 'Delete users'),
  ('CONFIG_FETCH', 'Config Management', 'Read configuration'),
  ('CONFIG_CREATE', 'Config Management', 'Create configuration entries'),
  ('CONFIG_UPDATE', 'Config Management', 'Change configuration entries'),
  ('PROJECT_FETCH', 'Project Management', 'Read projects'),
  ('PROJECT_CREATE', 'Project Management', 'Create projects'),
  ('PROJECT_UPDATE', 'Project Management', 'Change projects'),
  ('DATA_FETCH', 'Data Operations', 'Read data'),
  ('DATA_CREATE', 'Data Operations', 'Create data'),
  ('DATA_UPDATE', 'Data Operations', 'Change data'),
  ('DATA_DELETE', 'Data Operations', 'Delete data'),
  ('MEDIA_FETCH', 'Media Management', 'Read media'),
  ('MEDIA_CREATE', 'Media Management', 'Upload media'),
  ('MEDIA_UPDATE', 'Media Management', 'Change media'),
  ('ROUTING_FETCH', 'Route Management', 'Read routes'),
  ('ROUTING_CREATE_UPDATE', 'Route Management', 'Create and change routes');

-- ADMIN: every right except USER_* and CONFIG_*, as the catalog stands now.
INSERT OR IGNORE INTO pat_store_roles(role, right)
  SELECT 'ADMIN', name FROM pat_store_rights
  WHERE name NOT LIKE 'USER\_%' ESCAPE '\' AND name NOT LIKE 'CONFIG\_%' ESCAPE '\';

INSERT OR IGNORE INTO pat_store_roles(role, right) VALUES
  ('AUTHOR', 'DATA_FETCH'), ('AUTHOR', 'DATA_CREATE'), ('AUTHOR', 'DATA_UPDATE'),
  ('AUTHOR', 'DATA_DELETE'), ('AUTHOR', 'PROJECT_FETCH'), ('AUTHOR', 'MEDIA_FETCH'),
  ('AUTHOR', 'MEDIA_CREATE'), ('AUTHOR', 'ROUTING_FETCH'),
  ('VIEWER', 'PROJECT_FETCH'), ('VIEWER', 'DATA_FETCH'), ('VIEWER', 'MEDIA_FETCH'),
  ('VIEWER', 'ROUTING_FETCH');

INSERT OR IGNORE INTO pat_store_meta(key, value) VALUES ('id_floor', 0);
INSERT OR IGNORE INTO pat_store_meta(key, value) VALUES ('policy_version', 0);
INSERT OR IGNORE INTO pat_store_meta(key, value) VALUES ('schema_version', 1);
