-- schema.sql: the store of pat (its version is PAT_SCHEMA_VERSION, store.h).
--
-- The build compiles this file into the extension (dist/schema_sql.h): it is
-- the one source of the store's DDL. The first call that writes runs it on
-- the application's `main` database; the extension also runs it on a private
-- in-memory database, whose contents answer reads before a store exists.
--
-- Every statement may run again: a store that was interrupted half-made is
-- completed by the next write. The default settings and, last, the
-- schema_version row are written after this file (store.c, run_schema).
--
-- The public tables (pat_tokens, pat_rights, ...) are virtual tables over
-- these; no table here takes a public name. Nothing here holds a token: only
-- its BLAKE2b-256 digest.

CREATE TABLE IF NOT EXISTS main.pat_store_meta(
  key   TEXT PRIMARY KEY NOT NULL,
  value
) WITHOUT ROWID;

CREATE TABLE IF NOT EXISTS main.pat_store_settings(
  key   TEXT NOT NULL UNIQUE,
  value
);

CREATE TABLE IF NOT EXISTS main.pat_store_rights(
  name        TEXT NOT NULL UNIQUE,
  category    TEXT NOT NULL,
  description TEXT NOT NULL DEFAULT ''
);

-- Rights each role may grant. ROOT has no rows: it grants the whole catalog.
CREATE TABLE IF NOT EXISTS main.pat_store_roles(
  role  TEXT NOT NULL,
  right TEXT NOT NULL,
  UNIQUE(role, right)
);

CREATE TABLE IF NOT EXISTS main.pat_store_owners(
  owner TEXT NOT NULL UNIQUE,
  role  TEXT NOT NULL
);

-- One row per token. A check is one descent of the digest index, which
-- holds all that pat_verify and pat_has_right need (the id is the rowid, and
-- rights_hash names the rights). Times are unix seconds. rights is a sorted
-- JSON array of names. last_used_at is what pat_store_uses folded in (see
-- there): it is in no index, so that a fold changes the row's page alone.
--
-- Making a token is one INSERT of one row and its index entry, with no
-- trigger (a trigger would make SQLite journal the statement on its own).
-- The token's `create` event is the row itself while create_event is 1:
-- pat_events shows it from here, with the row's id as the event id. The
-- first change of the token (update, rotate, delete) first writes that event
-- into pat_store_events as it was, under the same id, and clears the flag.
-- create_event is NULL for a token made while audit was off, or carried over
-- from a version 1 store (whose create events are rows already).
--
-- Token ids and event ids are drawn from one sequence (see next_id below),
-- so a create event keeps its token's id, and an id is never handed out
-- twice.
CREATE TABLE IF NOT EXISTS main.pat_store_tokens(
  id           INTEGER PRIMARY KEY,
  digest       BLOB NOT NULL,
  owner        TEXT NOT NULL,
  name         TEXT NOT NULL,
  valid_from   INTEGER NOT NULL,
  valid_to     INTEGER NOT NULL,
  rights       TEXT NOT NULL,
  created_at   INTEGER NOT NULL,
  last_used_at INTEGER,
  create_event INTEGER DEFAULT 1,
  rights_hash  INTEGER,
  prev_digest  BLOB,
  prev_until   INTEGER,
  revoke_reason TEXT,
  description  TEXT,
  allowed_ips  TEXT,
  allowed_blocks BLOB,
  rotated_at   INTEGER
);
-- prev_digest: the value before the last pat_rotate, while its grace runs
-- (until prev_until); it is the token's value too until then. revoke_reason:
-- set by pat_revoke just before its DELETE, which then writes a `revoke`
-- event with it instead of a `delete` event (version 5 added the three).
-- Version 6 added the client context (INTERFACE.md, Client context):
-- description; allowed_ips, the allow-list as pat_tokens shows it (a JSON
-- array of canonical blocks, NULL: none) and allowed_blocks, the same list
-- as the check reads it (17 bytes a block: the IPv6 or IPv4-mapped network,
-- then the prefix length; address.c), written together as rights and
-- rights_hash are; rotated_at, the last pat_rotate, from which idleness
-- counts as from a use.
-- Its digest index is made near the end of this file (see there).

-- The uses that checks recorded and that are not yet folded into their
-- token's last_used_at (schema version 5). A connection records the first
-- use of each token in each last_used_interval (bookkeeping.c), in batches:
-- an insert here lands on the few pages of a small table, where a write of
-- last_used_at in place would change one page of the large token table per
-- token. When this table outgrows a bound set by the store's size, each
-- batch also folds the uses of a range of token ids into their rows (the
-- range after fold_from in pat_store_meta, round the ids; uses_count there
-- counts the uses, at most over: a REPLACE or a trigger's delete is not
-- taken off, and each round of folds counts them anew): the rows of a
-- range share pages, so a fold changes fewer pages than it folds uses.
-- pat_tokens shows the latest of last_used_at and the uses here; a use
-- whose token was deleted, or whose valid_from is no longer the token's
-- (the id given again by a restored copy), is dropped when its range folds.
CREATE TABLE IF NOT EXISTS main.pat_store_uses(
  token_id   INTEGER NOT NULL,
  at         INTEGER NOT NULL,
  valid_from INTEGER NOT NULL,
  PRIMARY KEY (token_id, at)
) WITHOUT ROWID;

-- The addresses checks were used from (schema version 6): one row per
-- token and address, its latest use from there; a write keeps the latest 5
-- of each token (bookkeeping.c), which pat_tokens shows as last_used_ips,
-- latest first (a later row first among uses of the same second).
CREATE TABLE IF NOT EXISTS main.pat_store_addresses(
  token_id INTEGER NOT NULL,
  address  TEXT NOT NULL,
  at       INTEGER NOT NULL,
  UNIQUE (token_id, address)
);

-- The notices an application acknowledged (schema version 6): a DELETE of
-- a pat_notices row. A notice shows until its (token, kind, due_at) is
-- here; a changed window or a new use gives a new due_at, which shows.
CREATE TABLE IF NOT EXISTS main.pat_store_notices(
  token_id INTEGER NOT NULL,
  kind     TEXT NOT NULL,
  due_at   INTEGER NOT NULL,
  PRIMARY KEY (token_id, kind, due_at)
) WITHOUT ROWID;

-- Values that stopped working (schema version 5): by DELETE or pat_revoke
-- (the token's values), by pat_rotate (the old one, at the end of its
-- grace) or by reuse detection. Only the digest, never the value. A check
-- of one answers as for an unknown token, and what it records of the
-- attempt (seen, last_seen_at, a `deny` event) is bookkeeping. A row whose
-- retired_at is still to come (a value in its grace) is not matched yet; one
-- older than the setting retired_keep is neither shown nor matched, and goes
-- when a later value is retired.
CREATE TABLE IF NOT EXISTS main.pat_store_retired(
  id           INTEGER PRIMARY KEY,
  digest       BLOB NOT NULL,
  token_id     INTEGER NOT NULL,
  owner        TEXT NOT NULL,
  name         TEXT NOT NULL,
  why          TEXT NOT NULL,
  retired_at   INTEGER NOT NULL,
  seen         INTEGER NOT NULL DEFAULT 0,
  last_seen_at INTEGER
);

CREATE TABLE IF NOT EXISTS main.pat_store_events(
  id         INTEGER PRIMARY KEY,
  at         INTEGER NOT NULL,
  event      TEXT NOT NULL,
  token_id   INTEGER,
  token_name TEXT,
  owner      TEXT,
  detail     TEXT
);

-- The next id for a token or an event: past every token, every event, and
-- every deleted token (id_floor). Written out in each statement that needs
-- it (the extension's INSERT, and the triggers below).

-- The first change of a token with its create event still in its row writes
-- that event out, as it was, before anything else is recorded.
CREATE TRIGGER IF NOT EXISTS main.pat_store_tokens_create_kept
AFTER UPDATE OF digest, name, valid_from, valid_to, rights, description, allowed_ips
ON pat_store_tokens
WHEN OLD.create_event
 AND (OLD.digest IS NOT NEW.digest OR OLD.name IS NOT NEW.name
      OR OLD.valid_from IS NOT NEW.valid_from OR OLD.valid_to IS NOT NEW.valid_to
      OR OLD.rights IS NOT NEW.rights OR OLD.description IS NOT NEW.description
      OR OLD.allowed_ips IS NOT NEW.allowed_ips)
BEGIN
  INSERT INTO pat_store_events(id, at, event, token_id, token_name, owner, detail)
  VALUES (OLD.id, OLD.created_at, 'create', OLD.id, OLD.name, OLD.owner,
          '{"rights":' || OLD.rights ||
          ',"valid_from":"' || datetime(OLD.valid_from, 'unixepoch') ||
          '","valid_to":"' || datetime(OLD.valid_to, 'unixepoch') || '"}');
  UPDATE pat_store_tokens SET create_event = NULL WHERE id = OLD.id;
END;

CREATE TRIGGER IF NOT EXISTS main.pat_store_tokens_updated
AFTER UPDATE OF name, valid_from, valid_to, rights, description, allowed_ips
ON pat_store_tokens
WHEN OLD.digest = NEW.digest
 AND (SELECT value FROM pat_store_settings WHERE key = 'audit') IS NOT 'off'
 AND (OLD.name IS NOT NEW.name OR OLD.valid_from IS NOT NEW.valid_from
      OR OLD.valid_to IS NOT NEW.valid_to OR OLD.rights IS NOT NEW.rights
      OR OLD.description IS NOT NEW.description OR OLD.allowed_ips IS NOT NEW.allowed_ips)
BEGIN
  INSERT INTO pat_store_events(id, at, event, token_id, token_name, owner, detail)
  VALUES (max(coalesce((SELECT max(id) FROM pat_store_tokens), 0),
              coalesce((SELECT max(id) FROM pat_store_events), 0),
              coalesce((SELECT value FROM pat_store_meta WHERE key = 'id_floor'), 0)) + 1,
          unixepoch('now'), 'update', NEW.id, NEW.name, NEW.owner,
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
                 ELSE '' END ||
            CASE WHEN OLD.description IS NOT NEW.description
                 THEN ',"description":' || json_array(OLD.description, NEW.description)
                 ELSE '' END ||
            CASE WHEN OLD.allowed_ips IS NOT NEW.allowed_ips
                 THEN ',"allowed_ips":' || json_array(json(OLD.allowed_ips),
                                                      json(NEW.allowed_ips))
                 ELSE '' END, 2) || '}');
END;

CREATE TRIGGER IF NOT EXISTS main.pat_store_tokens_rotated
AFTER UPDATE OF digest ON pat_store_tokens
WHEN OLD.digest IS NOT NEW.digest
 AND (SELECT value FROM pat_store_settings WHERE key = 'audit') IS NOT 'off'
BEGIN
  INSERT INTO pat_store_events(id, at, event, token_id, token_name, owner, detail)
  VALUES (max(coalesce((SELECT max(id) FROM pat_store_tokens), 0),
              coalesce((SELECT max(id) FROM pat_store_events), 0),
              coalesce((SELECT value FROM pat_store_meta WHERE key = 'id_floor'), 0)) + 1,
          unixepoch('now'), 'rotate', NEW.id, NEW.name, NEW.owner,
          json_object('valid_from', datetime(NEW.valid_from, 'unixepoch'),
                      'valid_to', datetime(NEW.valid_to, 'unixepoch')));
END;

-- pat_store_uses names a use's token by its id and valid_from: a token given
-- a new valid_from (an UPDATE, a rotation) first takes the uses recorded
-- under the old one into its row, so its last_used_at keeps them.
CREATE TRIGGER IF NOT EXISTS main.pat_store_tokens_uses_kept
AFTER UPDATE OF valid_from ON pat_store_tokens
WHEN OLD.valid_from IS NOT NEW.valid_from
BEGIN
  UPDATE pat_store_tokens SET last_used_at = (SELECT max(at) FROM pat_store_uses
                                              WHERE token_id = OLD.id
                                                AND valid_from = OLD.valid_from)
  WHERE id = NEW.id
    AND EXISTS (SELECT 1 FROM pat_store_uses
                WHERE token_id = OLD.id AND valid_from = OLD.valid_from
                  AND (NEW.last_used_at IS NULL OR at > NEW.last_used_at));
  DELETE FROM pat_store_uses WHERE token_id = OLD.id AND valid_from = OLD.valid_from;
END;

-- A deleted token's id is never handed out again, so its events stay its own.
CREATE TRIGGER IF NOT EXISTS main.pat_store_tokens_deleted
AFTER DELETE ON pat_store_tokens
BEGIN
  UPDATE pat_store_meta SET value = OLD.id WHERE key = 'id_floor' AND value < OLD.id;
  INSERT INTO pat_store_events(id, at, event, token_id, token_name, owner, detail)
  SELECT OLD.id, OLD.created_at, 'create', OLD.id, OLD.name, OLD.owner,
         '{"rights":' || OLD.rights ||
         ',"valid_from":"' || datetime(OLD.valid_from, 'unixepoch') ||
         '","valid_to":"' || datetime(OLD.valid_to, 'unixepoch') || '"}'
  WHERE OLD.create_event;
  INSERT INTO pat_store_events(id, at, event, token_id, token_name, owner, detail)
  SELECT max(coalesce((SELECT max(id) FROM pat_store_tokens), 0),
             coalesce((SELECT max(id) FROM pat_store_events), 0),
             coalesce((SELECT value FROM pat_store_meta WHERE key = 'id_floor'), 0)) + 1,
         unixepoch('now'), CASE WHEN OLD.revoke_reason IS NULL THEN 'delete' ELSE 'revoke' END,
         OLD.id, OLD.name, OLD.owner,
         CASE WHEN OLD.revoke_reason IS NULL THEN json_object('rights', json(OLD.rights))
              ELSE OLD.revoke_reason END
  WHERE (SELECT value FROM pat_store_settings WHERE key = 'audit') IS NOT 'off';
  -- Its values are remembered (the one in a grace included), its uses,
  -- addresses and acknowledged notices go.
  DELETE FROM pat_store_uses WHERE token_id = OLD.id;
  DELETE FROM pat_store_addresses WHERE token_id = OLD.id;
  DELETE FROM pat_store_notices WHERE token_id = OLD.id;
  DELETE FROM pat_store_retired
  WHERE retired_at < unixepoch('now') - (SELECT value FROM pat_store_settings
                                         WHERE key = 'retired_keep');
  UPDATE pat_store_retired
  SET retired_at = unixepoch('now'),
      why = CASE WHEN OLD.revoke_reason IS NULL THEN 'deleted' ELSE 'revoked' END
  WHERE digest = OLD.prev_digest AND retired_at > unixepoch('now');
  INSERT OR REPLACE INTO pat_store_retired(digest, token_id, owner, name, why, retired_at)
  SELECT OLD.digest, OLD.id, OLD.owner, OLD.name,
         CASE WHEN OLD.revoke_reason IS NULL THEN 'deleted' ELSE 'revoked' END,
         unixepoch('now')
  WHERE (SELECT value FROM pat_store_settings WHERE key = 'retired_keep') > 0;
END;

-- A value replaced by pat_rotate is remembered from the end of its grace
-- (prev_until; none: at once). A rotation during a grace retires the value
-- in grace at once.
CREATE TRIGGER IF NOT EXISTS main.pat_store_tokens_retire_rotated
AFTER UPDATE OF digest ON pat_store_tokens
WHEN OLD.digest IS NOT NEW.digest
BEGIN
  DELETE FROM pat_store_retired
  WHERE retired_at < unixepoch('now') - (SELECT value FROM pat_store_settings
                                         WHERE key = 'retired_keep');
  UPDATE pat_store_retired SET retired_at = unixepoch('now')
  WHERE digest = OLD.prev_digest AND retired_at > unixepoch('now');
  INSERT OR REPLACE INTO pat_store_retired(digest, token_id, owner, name, why, retired_at)
  SELECT OLD.digest, OLD.id, OLD.owner, OLD.name, 'rotated',
         CASE WHEN NEW.prev_digest IS OLD.digest THEN NEW.prev_until ELSE unixepoch('now') END
  WHERE (SELECT value FROM pat_store_settings WHERE key = 'retired_keep') > 0;
END;

-- A notice acknowledged (a DELETE of its pat_notices row) is a change, with
-- its event in the same statement; the detail is the notice's kind.
CREATE TRIGGER IF NOT EXISTS main.pat_store_notices_acked
AFTER INSERT ON pat_store_notices
WHEN (SELECT value FROM pat_store_settings WHERE key = 'audit') IS NOT 'off'
BEGIN
  INSERT INTO pat_store_events(id, at, event, token_id, token_name, owner, detail)
  SELECT max(coalesce((SELECT max(id) FROM pat_store_tokens), 0),
             coalesce((SELECT max(id) FROM pat_store_events), 0),
             coalesce((SELECT value FROM pat_store_meta WHERE key = 'id_floor'), 0)) + 1,
         unixepoch('now'), 'notice', t.id, t.name, t.owner, NEW.kind
  FROM pat_store_tokens AS t WHERE t.id = NEW.token_id;
END;

-- A right leaves the catalog and every role in one statement.
CREATE TRIGGER IF NOT EXISTS main.pat_store_rights_gone AFTER DELETE ON pat_store_rights
BEGIN DELETE FROM pat_store_roles WHERE right = OLD.name; END;

-- What decides a grant (settings, catalog, roles, owners) is cached by each
-- connection under policy_version, which every call reads. Any change sets
-- it to a new random value: unlike a counter, it never comes back to a value
-- that named another policy, whether a change is rolled back, a backup
-- restored or the store made anew.
CREATE TRIGGER IF NOT EXISTS main.pat_store_settings_i AFTER INSERT ON pat_store_settings
BEGIN UPDATE pat_store_meta SET value = random() WHERE key = 'policy_version'; END;
CREATE TRIGGER IF NOT EXISTS main.pat_store_settings_u AFTER UPDATE ON pat_store_settings
BEGIN UPDATE pat_store_meta SET value = random() WHERE key = 'policy_version'; END;
CREATE TRIGGER IF NOT EXISTS main.pat_store_settings_d AFTER DELETE ON pat_store_settings
BEGIN UPDATE pat_store_meta SET value = random() WHERE key = 'policy_version'; END;
CREATE TRIGGER IF NOT EXISTS main.pat_store_rights_i AFTER INSERT ON pat_store_rights
BEGIN UPDATE pat_store_meta SET value = random() WHERE key = 'policy_version'; END;
CREATE TRIGGER IF NOT EXISTS main.pat_store_rights_u AFTER UPDATE ON pat_store_rights
BEGIN UPDATE pat_store_meta SET value = random() WHERE key = 'policy_version'; END;
CREATE TRIGGER IF NOT EXISTS main.pat_store_rights_d AFTER DELETE ON pat_store_rights
BEGIN UPDATE pat_store_meta SET value = random() WHERE key = 'policy_version'; END;
CREATE TRIGGER IF NOT EXISTS main.pat_store_roles_i AFTER INSERT ON pat_store_roles
BEGIN UPDATE pat_store_meta SET value = random() WHERE key = 'policy_version'; END;
CREATE TRIGGER IF NOT EXISTS main.pat_store_roles_u AFTER UPDATE ON pat_store_roles
BEGIN UPDATE pat_store_meta SET value = random() WHERE key = 'policy_version'; END;
CREATE TRIGGER IF NOT EXISTS main.pat_store_roles_d AFTER DELETE ON pat_store_roles
BEGIN UPDATE pat_store_meta SET value = random() WHERE key = 'policy_version'; END;
CREATE TRIGGER IF NOT EXISTS main.pat_store_owners_i AFTER INSERT ON pat_store_owners
BEGIN UPDATE pat_store_meta SET value = random() WHERE key = 'policy_version'; END;
CREATE TRIGGER IF NOT EXISTS main.pat_store_owners_u AFTER UPDATE ON pat_store_owners
BEGIN UPDATE pat_store_meta SET value = random() WHERE key = 'policy_version'; END;
CREATE TRIGGER IF NOT EXISTS main.pat_store_owners_d AFTER DELETE ON pat_store_owners
BEGIN UPDATE pat_store_meta SET value = random() WHERE key = 'policy_version'; END;

-- The settings' rows and their defaults are written by pat itself, from
-- the one table of settings (ext/settings.c), right after this file runs.

INSERT OR IGNORE INTO main.pat_store_rights(name, category, description) VALUES
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
INSERT OR IGNORE INTO main.pat_store_roles(role, right)
  SELECT 'ADMIN', name FROM main.pat_store_rights
  WHERE name NOT LIKE 'USER\_%' ESCAPE '\' AND name NOT LIKE 'CONFIG\_%' ESCAPE '\';

INSERT OR IGNORE INTO main.pat_store_roles(role, right) VALUES
  ('AUTHOR', 'DATA_FETCH'), ('AUTHOR', 'DATA_CREATE'), ('AUTHOR', 'DATA_UPDATE'),
  ('AUTHOR', 'DATA_DELETE'), ('AUTHOR', 'PROJECT_FETCH'), ('AUTHOR', 'MEDIA_FETCH'),
  ('AUTHOR', 'MEDIA_CREATE'), ('AUTHOR', 'ROUTING_FETCH'),
  ('VIEWER', 'PROJECT_FETCH'), ('VIEWER', 'DATA_FETCH'), ('VIEWER', 'MEDIA_FETCH'),
  ('VIEWER', 'ROUTING_FETCH');

INSERT OR IGNORE INTO main.pat_store_meta(key, value) VALUES ('id_floor', 0);
INSERT OR IGNORE INTO main.pat_store_meta(key, value) VALUES ('fold_from', 0);
INSERT OR IGNORE INTO main.pat_store_meta(key, value) VALUES ('uses_count', 0);
INSERT OR IGNORE INTO main.pat_store_meta(key, value) VALUES ('policy_version', random());
-- The indexes come last, just before the version: making an index expires
-- every prepared statement of the connection, the undo that pat prepared
-- before it began this write included, and an expired statement needs
-- memory to run again. Made last, they leave the shortest stretch in which
-- running out of memory could leave pat's transaction open.
-- rights_hash names the rights for pat_has_right (NULL: read them from the
-- row); pat writes it with rights. prev_until: a rotation grace runs (its
-- first use of the new value ends it). allowed_blocks: the allow-list, NULL
-- (one byte) for a token without one. Until version 4 the digest index was
-- pat_store_tokens_digest, with last_used_at in it; in version 5,
-- pat_store_tokens_by_digest, without allowed_blocks (store.c drops both).
CREATE INDEX IF NOT EXISTS main.pat_store_tokens_lookup
  ON pat_store_tokens(digest, valid_from, valid_to, prev_until, rights_hash, allowed_blocks);
CREATE INDEX IF NOT EXISTS main.pat_store_events_token ON pat_store_events(token_id);
-- An owner's tokens are counted through pat_store_tokens_owner, which the
-- first UPDATE of max_tokens_per_owner to a number makes (store.c,
-- PAT_STMT_OWNER_INDEX): every pat_create pays for its entry, so a store
-- without a cap does without it.
-- A value in its grace is found by its own digest; few tokens have one.
CREATE INDEX IF NOT EXISTS main.pat_store_tokens_prev_digest
  ON pat_store_tokens(prev_digest) WHERE prev_digest IS NOT NULL;
CREATE UNIQUE INDEX IF NOT EXISTS main.pat_store_retired_digest ON pat_store_retired(digest);
CREATE INDEX IF NOT EXISTS main.pat_store_retired_at ON pat_store_retired(retired_at);
