/*
** policy.h: layer 5, what pat reads from the store and keeps (the settings,
** the catalog and the roles' grants: policy.c) and what a check writes on
** the side (bookkeeping.c).
*/
#ifndef PAT_POLICY_H
#define PAT_POLICY_H

#include "store.h"

/* ---- policy.c */

/* The settings, the catalog and the roles' grants of a store, cached, and
** read again when the store's policy version is not the cached one (read
** on every call, with the key's fingerprint, which must be the
** connection's). NULL with err. */
const pat_policy *pat_policy_get(pat_conn *c, int which, pat_err *e);
/* 1 when some owner is listed in pat_owners (else every owner has the
** role default_role, and a check need not look). */
int pat_policy_owners_listed(const pat_policy *p);
/* The index of a right in the catalog, or -1. */
int pat_policy_right(const pat_policy *p, const char *name, size_t n);
/* The role that decides: the owner's listed role, else default_role. */
const char *pat_policy_role(const pat_policy *p, const char *owner_role);
/* 1 when `role` grants catalog right number `right`. */
int pat_policy_grants(const pat_policy *p, const char *role, int right);
/* The catalog with what `role` grants, for pat_rights_expand (free *out). */
int pat_policy_catalog(const pat_policy *p, const char *role, pat_catalog_entry **out,
                       int *n);
int pat_policy_audit(const pat_policy *p);
/* The JSON pat_rights_for made last from this rights text for this role (a
** sqlite3_malloc'd copy) and its hash, or NULL; and the one to remember. */
char *pat_policy_memo_get(const pat_policy *p, const char *role, const char *text,
                          size_t n, int64_t *hash);
void pat_policy_memo_put(const pat_policy *p, const char *role, const char *text,
                         size_t n, const char *json, int64_t hash);
/* A stored rights set (JSON) by its pat_rights_hash, or NULL; and one to
** remember (a few, the most recent). */
const char *pat_policy_set_get(const pat_policy *p, int64_t hash, int *n);
void pat_policy_set_put(const pat_policy *p, int64_t hash, const char *json, int n);
int64_t pat_policy_interval(const pat_policy *p);
/* bookkeeping_delay: milliseconds a connection may hold its bookkeeping. */
int64_t pat_policy_book_delay(const pat_policy *p);
/* rotate_grace: seconds a rotated value keeps working, by default. */
int64_t pat_policy_rotate_grace(const pat_policy *p);
/* rotate_reuse is 'revoke': a rotated value used after its grace revokes. */
int pat_policy_reuse_revokes(const pat_policy *p);
/* retired_keep: seconds a retired value is remembered. */
int64_t pat_policy_retired_keep(const pat_policy *p);
/* max_idle and max_tokens_per_owner: 1 and *max when set, 0 when off. */
int pat_policy_max_idle(const pat_policy *p, int64_t *max);
int pat_policy_max_tokens(const pat_policy *p, int64_t *max);
int64_t pat_policy_default_lifetime(const pat_policy *p);
/* 1 and *max when max_lifetime is set, 0 for no limit. */
int pat_policy_max_lifetime(const pat_policy *p, int64_t *max);
/* The prefix for new tokens, or NULL when the setting is not usable. */
const char *pat_policy_prefix(const pat_policy *p);
/* The version the cached policy of main was read under, as pat's
** conditional writes bind it. */
sqlite3_int64 pat_policy_version(const pat_policy *p);
/* The policy of main under `version`, which the caller read in its current
** read transaction (a check's lookup brings it): the cache when it is that
** version, else read now. NULL with err. */
const pat_policy *pat_policy_at(pat_conn *c, sqlite3_int64 version, pat_err *e);
/* The cached policy as it is, unread, for a call whose write is
** conditional on its version (store.c, PAT_SQL_IF_POLICY) and that reads it
** again before it refuses anything; pat_policy_get when none is cached. */
const pat_policy *pat_policy_cached(pat_conn *c, int which, pat_err *e);
/* The key changed: read everything again. */
void pat_policy_forget(pat_conn *c);
void pat_policy_free(pat_policy *p);

/* ---- bookkeeping.c */

enum { PAT_AUDIT_OFF, PAT_AUDIT_CHANGES, PAT_AUDIT_ALL };

/* What one check writes on the side: last_used_at and/or an event. */
typedef struct pat_book_entry {
  int64_t id, now, interval;
  int64_t valid_from; /* the token's, as the check found it: what it is
                      ** written to must be that token (not another that
                      ** took its id in a restored copy) */
  int64_t delay_ms;   /* bookkeeping_delay */
  int touch;          /* a use to record (the first of its interval) */
  const char *event;  /* "use", "deny" or NULL */
  const char *detail;
  int64_t retired_id; /* a retired value presented: its pat_store_retired row
                      ** (the event is its deny; id its token's), else 0 */
  const pat_addr *client; /* a use's address (address.c), or NULL */
} pat_book_entry;

/* Holds a check's bookkeeping, and writes what the connection holds when it
** is due (bookkeeping.c says when). Best-effort: never waiting. */
void pat_book_write(pat_conn *c, const pat_book_entry *e);
/* Before a read of one of pat's tables: writes what is held where the read
** can see it (WAL or memory, autocommit), when the table shows it
** (pat_tokens, pat_events) or the write is due anyway. */
void pat_book_before_read(pat_conn *c, int shows_it);
/* Main's file was replaced: what was held for the old one goes. */
void pat_book_discard(pat_conn *c);
/* The connection closes: writes what it holds, where it can, then frees it. */
void pat_book_release(pat_conn *c);
/* State a check changes (bookkeeping.c): the early end of a rotation
** grace at the first use of the new value, and the revocation of a token
** whose rotated value was used after its grace (rotate_reuse 'revoke').
** Written at once where it can be, else held; either way this connection
** acts on it at once: pat_book_stops says whether a value is stopped (any
** value of a token revoked, the old value of a grace ended). */
enum { PAT_STATE_GRACE_END, PAT_STATE_REVOKE };
#define PAT_REUSE_REASON "reuse of a rotated value"
void pat_book_state(pat_conn *c, int kind, int64_t id, int64_t grace_end, int64_t at);
int pat_book_stops(pat_conn *c, int64_t id, int by_old_value);
/* The latest use of token `id` (as of its valid_from) this connection
** recorded or holds, or INT64_MIN: what it knows beyond the store of when
** the token was last used (max_idle). */
int64_t pat_book_last_use(pat_conn *c, int64_t id, int64_t valid_from);
/* Writes the state held, where it can be written now (autocommit, the
** write lock at once); 1 when nothing is held any more. A check that found
** a value stopped only by what this connection holds calls it, then looks
** again: the value is then a retired one, and its attempt recorded as such. */
int pat_book_write_state(pat_conn *c);
/* For pat_debug(): items held now, events dropped past the cap. */
int pat_book_held(pat_conn *c);
int64_t pat_book_dropped(pat_conn *c);

#endif
