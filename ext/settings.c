/*
** settings.c: pat's settings, one row each: key, default, kind, bounds, and
** how pat_debug() shows it. Everything about a setting comes from its row:
** the defaults a new store gets (store.c), the check of an UPDATE of
** pat_settings (vtab_settings.c), how the cached policy reads the stored
** value (policy.c) and what pat_debug() prints (pat.c).
**
** To add a setting: a row here, an id in values.h (same order), and the use
** of pat_policy_setting(p, id) where it matters.
*/
#include "values.h"

#include <stdio.h>
#include <string.h>

static const char *const audit_words[] = {"off", "changes", "all", NULL};
static const char *const reuse_words[] = {"log", "revoke", NULL};

/* In key order (pat_setting_find searches it). */
static const pat_setting_def defs[PAT_SET_COUNT] = {
    [PAT_SET_AUDIT] = {.key = "audit",
                       .kind = PAT_SETTING_CHOICE,
                       .text = "changes",
                       .choices = audit_words,
                       .rule = "'off', 'changes' or 'all'"},
    [PAT_SET_BOOKKEEPING_DELAY] = {.key = "bookkeeping_delay",
                                   .kind = PAT_SETTING_SECONDS,
                                   .num = 1000,
                                   .min = 0,
                                   .max = 60000,
                                   .rule = "an integer of milliseconds from 0 to 60000"},
    [PAT_SET_DEFAULT_LIFETIME] = {.key = "default_lifetime",
                                  .kind = PAT_SETTING_SECONDS,
                                  .num = 2592000, /* 30 days */
                                  .min = 1,
                                  .at_most = "max_lifetime",
                                  .rule = "a positive integer of seconds"},
    [PAT_SET_DEFAULT_ROLE] = {.key = "default_role",
                              .kind = PAT_SETTING_ROLE,
                              .text = "ROOT",
                              .shown = 1,
                              .shown_warn_if = "ROOT",
                              .shown_warn = "owners not in pat_owners may grant every right",
                              .rule = "a text"},
    [PAT_SET_LAST_USED_INTERVAL] = {.key = "last_used_interval",
                                    .kind = PAT_SETTING_SECONDS,
                                    .num = 60,
                                    .min = 0,
                                    .at_most = "max_idle",
                                    .rule = "a non-negative integer of seconds"},
    [PAT_SET_MAX_IDLE] = {.key = "max_idle",
                          .kind = PAT_SETTING_SECONDS,
                          .min = 1,
                          .nullable = 1,
                          .null_default = 1,
                          .at_least = "last_used_interval",
                          .rule = "a positive integer of seconds or NULL"},
    [PAT_SET_MAX_LIFETIME] = {.key = "max_lifetime",
                              .kind = PAT_SETTING_SECONDS,
                              .num = 31622400, /* 366 days */
                              .min = 1,
                              .nullable = 1,
                              .at_least = "default_lifetime",
                              .rule = "a positive integer of seconds or NULL"},
    [PAT_SET_MAX_TOKENS_PER_OWNER] = {.key = "max_tokens_per_owner",
                                      .kind = PAT_SETTING_SECONDS,
                                      .min = 1,
                                      .nullable = 1,
                                      .null_default = 1,
                                      .count = 1,
                                      .rule = "a positive integer or NULL"},
    [PAT_SET_NOTICE_BEFORE] = {.key = "notice_before",
                               .kind = PAT_SETTING_SECONDS,
                               .num = 604800, /* 7 days */
                               .min = 1,
                               .rule = "a positive integer of seconds"},
    [PAT_SET_PREFIX] = {.key = "prefix",
                        .kind = PAT_SETTING_PREFIX,
                        .text = "pat_",
                        .rule = "at most " PAT_STR(PAT_PREFIX_MAX)
                                " characters of A-Z, a-z, 0-9 and _"},
    [PAT_SET_RETIRED_KEEP] = {.key = "retired_keep",
                              .kind = PAT_SETTING_SECONDS,
                              .num = 7776000, /* 90 days */
                              .min = 0,
                              .rule = "a non-negative integer of seconds"},
    [PAT_SET_ROTATE_GRACE] = {.key = "rotate_grace",
                              .kind = PAT_SETTING_SECONDS,
                              .num = 0,
                              .min = 0,
                              .max = PAT_GRACE_MAX,
                              .rule = "an integer of seconds from 0 to " PAT_STR(PAT_GRACE_MAX)},
    [PAT_SET_ROTATE_REUSE] = {.key = "rotate_reuse",
                              .kind = PAT_SETTING_CHOICE,
                              .text = "log",
                              .choices = reuse_words,
                              .rule = "'log' or 'revoke'"},
};

const pat_setting_def *pat_setting_def_of(pat_setting_id id) {
  return id >= 0 && id < PAT_SET_COUNT ? &defs[id] : NULL;
}

pat_setting_id pat_setting_find(const char *key) {
  int i = key ? pat_search(defs, PAT_SET_COUNT, sizeof defs[0], key, strlen(key)) : -1;
  return i < 0 ? PAT_SET_NONE : (pat_setting_id)i;
}

int pat_setting_bind_default(sqlite3_stmt *st, int key_col, int value_col, pat_setting_id id) {
  const pat_setting_def *d = &defs[id];
  int rc = sqlite3_bind_text(st, key_col, d->key, -1, SQLITE_STATIC);
  if (rc == SQLITE_OK)
    rc = d->null_default                ? sqlite3_bind_null(st, value_col)
         : d->kind == PAT_SETTING_SECONDS ? sqlite3_bind_int64(st, value_col, d->num)
                                        : sqlite3_bind_text(st, value_col, d->text, -1,
                                                            SQLITE_STATIC);
  return rc;
}

int pat_setting_check(pat_setting_id id, sqlite3_value *v, pat_setting_value *out, pat_err *e) {
  const pat_setting_def *d = &defs[id];
  memset(out, 0, sizeof *out);
  /* Types first (asking for the text turns a BLOB into TEXT); lengths from
  ** SQLite, so a NUL inside a value is not a shorter value. */
  int type = sqlite3_value_type(v);
  const char *text = type == SQLITE_TEXT ? (const char *)sqlite3_value_text(v) : NULL;
  size_t len = text ? (size_t)sqlite3_value_bytes(v) : 0;
  if (type == SQLITE_NULL && d->nullable) {
    out->is_null = 1;
    return 0;
  }
  int ok = 0;
  switch (d->kind) {
  case PAT_SETTING_PREFIX:
    ok = text != NULL && pat_prefix_check(text, len) == 0;
    break;
  case PAT_SETTING_SECONDS:
    ok = pat_integral(v, &out->num) && out->num >= d->min && (d->max == 0 || out->num <= d->max);
    out->is_num = 1;
    break;
  case PAT_SETTING_ROLE:
    ok = text != NULL;
    break;
  case PAT_SETTING_CHOICE:
    for (int i = 0; text != NULL && len == strlen(text) && d->choices[i] != NULL; i++)
      if (strcmp(text, d->choices[i]) == 0) ok = 1;
    break;
  }
  if (!ok) {
    pat_fail(e, "%s must be %s", d->key, d->rule);
    return -1;
  }
  return 0;
}

int pat_setting_bound(pat_setting_id id, const pat_setting_value *val, pat_err *e) {
  const pat_setting_def *d = &defs[id];
  /* A duration no longer than the span of times pat takes, so that no time
  ** plus a duration overflows. */
  if (d->kind != PAT_SETTING_SECONDS || val->is_null || val->num <= PAT_SECONDS_MAX) return 0;
  if (d->count) pat_fail(e, "%s may not exceed %lld", d->key, (long long)PAT_SECONDS_MAX);
  else
    pat_fail(e, "%s may not exceed %lld seconds (the years 0000 to 9999)", d->key,
             (long long)PAT_SECONDS_MAX);
  return -1;
}

int64_t pat_setting_seconds(pat_setting_id id, int is_null, int64_t num) {
  const pat_setting_def *d = &defs[id];
  /* Values written past pat's checks are bounded here too: no time
  ** arithmetic may overflow. A setting that may be NULL keeps what it holds
  ** (the caller reads NULL itself); another falls back to its default. */
  if (!d->nullable && (is_null || num < d->min)) return d->num;
  int64_t max = d->max > 0 ? d->max : PAT_SECONDS_MAX;
  return num > max ? max : num;
}

int pat_setting_choice(pat_setting_id id, const char *text) {
  const pat_setting_def *d = &defs[id];
  int fallback = 0;
  for (int i = 0; d->choices[i] != NULL; i++) {
    if (text != NULL && strcmp(text, d->choices[i]) == 0) return i;
    if (strcmp(d->text, d->choices[i]) == 0) fallback = i;
  }
  return fallback;
}
