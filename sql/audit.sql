-- audit.sql: ready queries for an operator, run in the sqlite3 shell after
-- `.load ./dist/pat` (or paste the one you need). Each answers one question
-- from pat_tokens, pat_events, pat_owners and pat_roles alone.
--
--   sqlite3 app.db -cmd '.load ./dist/pat' -cmd '.mode box' < sql/audit.sql
--
-- Times in pat's tables are UTC text 'YYYY-MM-DD HH:MM:SS', so they compare
-- with datetime(...) as text.

-- Tokens that expire within the next 7 days (and are valid now): rotate or
-- renew them before something breaks.
SELECT id, owner, name, valid_to, last_used_at
  FROM pat_tokens
 WHERE status = 'active'
   AND valid_to < datetime('now', '+7 days')
 ORDER BY valid_to;

-- Tokens never used, or not used for 90 days (created more than 90 days
-- ago): candidates for deletion. last_used_at is written at most once per
-- last_used_interval seconds, so it is exact to that interval.
SELECT id, owner, name, created_at, last_used_at, status
  FROM pat_tokens
 WHERE coalesce(last_used_at, created_at) < datetime('now', '-90 days')
    OR last_used_at IS NULL
 ORDER BY coalesce(last_used_at, created_at);

-- Tokens holding any USER_* right: the ones that can read or change users.
SELECT DISTINCT t.id, t.owner, t.name, t.rights, t.status
  FROM pat_tokens AS t, json_each(t.rights) AS r
 WHERE r.value LIKE 'USER\_%' ESCAPE '\'
 ORDER BY t.id;

-- Tokens whose stored rights exceed what their owner's current role grants
-- (after a demotion, or a right taken from a role). pat_has_right already
-- refuses those rights; this shows which tokens to trim. An owner not in
-- pat_owners has the role of the setting default_role. An entry on a
-- resource (DATA_FETCH@project:42) counts as its right, the part before '@'.
SELECT t.id, t.owner, t.name, coalesce(o.role, s.value) AS role,
       json_group_array(r.value) AS not_granted
  FROM pat_tokens AS t
  JOIN json_each(t.rights) AS r
  LEFT JOIN pat_owners AS o ON o.owner = t.owner
  JOIN pat_settings AS s ON s.key = 'default_role'
 WHERE NOT EXISTS (SELECT 1 FROM pat_roles AS g
                    WHERE g.role = coalesce(o.role, s.value)
                      AND g.right = substr(r.value, 1, instr(r.value || '@', '@') - 1))
 GROUP BY t.id
 ORDER BY t.id;

-- The last 50 events of one token (here id 1; events stay after the token is
-- deleted, with its id and name): which token did what, and when.
SELECT id, at, event, token_name, owner, detail
  FROM pat_events
 WHERE token_id = 1
 ORDER BY id DESC
 LIMIT 50;

-- What owners should be told (pat_notices): tokens expiring within
-- notice_before (7 days by default), expired within it, or, with max_idle
-- set, going idle. An application deletes each row once it told the owner.
SELECT token_id, owner, name, kind, due_at FROM pat_notices;

-- Tokens usable from anywhere that were used from more than one address
-- lately: candidates for an allow-list (UPDATE pat_tokens SET allowed_ips =
-- '["10.0.0.0/8"]' WHERE id = ...).
SELECT id, owner, name, last_used_ips FROM pat_tokens
 WHERE allowed_ips IS NULL AND json_array_length(last_used_ips) > 1;
