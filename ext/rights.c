/*
** rights.c: lists of rights, and the text checks on names and owners.
**
**   pat_create('alice', 'ci', '["DATA_FETCH","DATA_CREATE"]')
**   pat_create('alice', 'ci', 'DATA_FETCH, DATA_CREATE')
**   pat_create('alice', 'ci', 'DATA_*')      -- every DATA_ right alice's role grants
**
** A rights argument is parsed into items here, then expanded against the
** catalog and the owner's role into the explicit, sorted, duplicate-free JSON
** array that a token stores. Catalog and role come from the caller: no
** SQLite statement runs in this file.
*/
#include "values.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void pat_strlist_free(pat_strlist *l) {
  for (int i = 0; i < l->n; i++) sqlite3_free(l->v[i]);
  sqlite3_free(l->v);
  l->v = NULL;
  l->n = l->cap = 0;
}

int pat_strlist_add(pat_strlist *l, const char *s, size_t n) {
  if (l->n == l->cap) {
    int cap = l->cap ? l->cap * 2 : 16;
    char **v = sqlite3_realloc64(l->v, (sqlite3_uint64)cap * sizeof(char *));
    if (v == NULL) return -1;
    l->v = v;
    l->cap = cap;
  }
  char *copy = sqlite3_malloc64(n + 1);
  if (copy == NULL) return -1;
  memcpy(copy, s, n);
  copy[n] = '\0';
  l->v[l->n++] = copy;
  return 0;
}

int pat_right_name_ok(const char *s, size_t n) {
  return n > 0 && n <= PAT_RIGHT_MAX && pat_token_alphabet_ok(s, n);
}

static int is_ws(char ch) {
  return ch == ' ' || ch == '\t' || ch == '\r' || ch == '\n';
}

/* ------------------------------------------------------------ JSON input */

typedef struct json_in {
  const char *p, *end;
} json_in;

static void json_skip_ws(json_in *j) {
  while (j->p < j->end && is_ws(*j->p)) j->p++;
}

static int hex4(const char *p, unsigned *out) {
  unsigned v = 0;
  for (int i = 0; i < 4; i++) {
    char ch = p[i];
    v <<= 4;
    if (ch >= '0' && ch <= '9') v |= (unsigned)(ch - '0');
    else if (ch >= 'a' && ch <= 'f') v |= (unsigned)(ch - 'a' + 10);
    else if (ch >= 'A' && ch <= 'F') v |= (unsigned)(ch - 'A' + 10);
    else return -1;
  }
  *out = v;
  return 0;
}

static size_t utf8_put(char *o, unsigned cp) {
  if (cp < 0x80) { o[0] = (char)cp; return 1; }
  if (cp < 0x800) {
    o[0] = (char)(0xC0 | (cp >> 6));
    o[1] = (char)(0x80 | (cp & 0x3F));
    return 2;
  }
  if (cp < 0x10000) {
    o[0] = (char)(0xE0 | (cp >> 12));
    o[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
    o[2] = (char)(0x80 | (cp & 0x3F));
    return 3;
  }
  o[0] = (char)(0xF0 | (cp >> 18));
  o[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
  o[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
  o[3] = (char)(0x80 | (cp & 0x3F));
  return 4;
}

/* One JSON string at j->p (the opening quote), unescaped into a buffer of
** the same size as the input, which is always enough. */
/* Out of memory, told apart from a malformed list (-1) and a NUL (-2). */
#define PARSE_NOMEM (-3)

static int json_string(json_in *j, pat_strlist *out) {
  const char *p = j->p + 1;
  char *buf = sqlite3_malloc64((sqlite3_uint64)(j->end - j->p) + 1);
  size_t n = 0;
  int rc = -1;
  if (buf == NULL) return PARSE_NOMEM;
  while (p < j->end && *p != '"') {
    unsigned char ch = (unsigned char)*p;
    if (ch < 0x20) goto done;
    if (ch != '\\') {
      buf[n++] = (char)ch;
      p++;
      continue;
    }
    if (++p >= j->end) goto done;
    switch (*p) {
      case '"': case '\\': case '/': buf[n++] = *p; p++; break;
      case 'b': buf[n++] = '\b'; p++; break;
      case 'f': buf[n++] = '\f'; p++; break;
      case 'n': buf[n++] = '\n'; p++; break;
      case 'r': buf[n++] = '\r'; p++; break;
      case 't': buf[n++] = '\t'; p++; break;
      case 'u': {
        unsigned cp, lo;
        if (j->end - p < 5 || hex4(p + 1, &cp) != 0) goto done;
        p += 5;
        if (cp >= 0xD800 && cp <= 0xDBFF) {
          if (j->end - p < 6 || p[0] != '\\' || p[1] != 'u' || hex4(p + 2, &lo) != 0 ||
              lo < 0xDC00 || lo > 0xDFFF)
            goto done;
          cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
          p += 6;
        } else if (cp >= 0xDC00 && cp <= 0xDFFF) {
          goto done;
        }
        n += utf8_put(buf + n, cp);
        break;
      }
      default:
        goto done;
    }
  }
  if (p >= j->end) goto done;
  j->p = p + 1;
  /* A NUL would end the name early for every C string function after us. */
  rc = memchr(buf, 0, n) != NULL        ? -2
       : pat_strlist_add(out, buf, n) != 0 ? PARSE_NOMEM
                                           : 0;
done:
  sqlite3_free(buf);
  return rc;
}

static int parse_json(const char *in, size_t n, pat_strlist *out) {
  json_in j = {in, in + n};
  json_skip_ws(&j);
  if (j.p >= j.end || *j.p != '[') return -1;
  j.p++;
  json_skip_ws(&j);
  if (j.p < j.end && *j.p == ']') {
    j.p++;
  } else {
    for (;;) {
      json_skip_ws(&j);
      if (j.p >= j.end || *j.p != '"') return -1;
      int rc = json_string(&j, out);
      if (rc != 0) return rc;
      json_skip_ws(&j);
      if (j.p < j.end && *j.p == ',') { j.p++; continue; }
      if (j.p < j.end && *j.p == ']') { j.p++; break; }
      return -1;
    }
  }
  json_skip_ws(&j);
  return j.p == j.end ? 0 : -1;
}

static int parse_csv(const char *in, size_t n, pat_strlist *out) {
  size_t start = 0;
  for (size_t i = 0; i <= n; i++) {
    if (i < n && in[i] != ',') continue;
    size_t a = start, b = i;
    while (a < b && is_ws(in[a])) a++;
    while (b > a && is_ws(in[b - 1])) b--;
    if (memchr(in + a, 0, b - a) != NULL) return -2;
    if (pat_strlist_add(out, in + a, b - a) != 0) return PARSE_NOMEM;
    start = i + 1;
  }
  return 0;
}

int pat_rights_parse(const char *in, size_t n, pat_strlist *out, pat_err *e) {
  size_t i = 0;
  while (i < n && is_ws(in[i])) i++;
  if (i == n) {
    pat_fail(e, "rights names no right");
    return -1;
  }
  int json = in[i] == '[';
  int rc = json ? parse_json(in, n, out) : parse_csv(in, n, out);
  if (rc != 0) {
    pat_strlist_free(out);
    pat_fail(e, "%s",
             rc == -2            ? "rights has a name with a NUL byte"
             : rc == PARSE_NOMEM ? "out of memory"
                                 : "rights is not a valid JSON array of strings");
    return -1;
  }
  if (out->n == 0) {
    pat_fail(e, "rights names no right");
    return -1;
  }
  for (int k = 0; k < out->n; k++) {
    if (out->v[k][0] == '\0') {
      pat_strlist_free(out);
      pat_fail(e, "rights has an empty name");
      return -1;
    }
  }
  return 0;
}

/* ------------------------------------------------------------- expansion */

/* An item ending in '*' is a wildcard: "*" or a prefix such as "DATA_*". */
static int is_wildcard(const char *s, size_t n, size_t *prefix_len) {
  if (n == 0 || s[n - 1] != '*') return 0;
  if (n > 1 && (s[n - 2] != '_' || !pat_token_alphabet_ok(s, n - 1))) return 0;
  *prefix_len = n - 1;
  return 1;
}

void pat_right_show(char *dst, size_t cap, const char *s, size_t n) {
  const char *tok;
  size_t tok_len;
  /* A token passed in the wrong place must not end up in a log. */
  if (pat_token_parse(s, n, &tok, &tok_len) == 0) {
    snprintf(dst, cap, "(a token)");
    return;
  }
  pat_quote(dst, cap, s, n, PAT_RIGHT_MAX);
}

static void show(char *dst, size_t cap, const char *s) {
  pat_right_show(dst, cap, s, strlen(s));
}

/* ------------------------------------------------------------ resources */

void pat_entry_split(const char *s, size_t n, pat_entry *out) {
  const char *at = memchr(s, '@', n);
  out->name = s;
  out->name_len = at ? (size_t)(at - s) : n;
  out->res = at ? at + 1 : NULL;
  out->res_len = at ? n - out->name_len - 1 : 0;
}

static int resource_byte_ok(unsigned char ch) {
  return (ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') ||
         ch == '_' || ch == '.' || ch == ':' || ch == '/' || ch == '-';
}

/* What can be wrong with an entry's resource. */
enum { RES_OK, RES_TOO_LONG, RES_EMPTY, RES_STAR, RES_WILD, RES_BYTE };

static int resource_problem(const pat_entry *en, int wildcard_ok) {
  if (en->res_len > PAT_RESOURCE_MAX) return RES_TOO_LONG;
  if (en->res_len == 0) return RES_EMPTY;
  for (size_t i = 0; i < en->res_len; i++) {
    unsigned char ch = (unsigned char)en->res[i];
    if (ch == '*' && i + 1 == en->res_len && wildcard_ok) continue;
    if (ch == '*') return wildcard_ok ? RES_STAR : RES_WILD;
    if (!resource_byte_ok(ch)) return RES_BYTE;
  }
  return RES_OK;
}

int pat_resource_check(const pat_entry *en, int wildcard_ok, pat_err *e) {
  char right[PAT_RIGHT_MAX + 1], res[PAT_RESOURCE_MAX + 16];
  int problem = en->res == NULL ? RES_OK : resource_problem(en, wildcard_ok);
  if (problem == RES_OK) return 0;
  /* Quoted only for the message: a check on a good resource does none of it. */
  pat_right_show(right, sizeof right, en->name, en->name_len);
  pat_quote(res, sizeof res, en->res, en->res_len, PAT_RESOURCE_MAX);
  switch (problem) {
    case RES_TOO_LONG:
      return pat_fail(e, "resource of %s is longer than %d bytes", right, PAT_RESOURCE_MAX);
    case RES_EMPTY: return pat_fail(e, "resource '' of %s is empty", right);
    case RES_STAR: return pat_fail(e, "resource '%s' of %s holds a '*' before its end", res, right);
    case RES_WILD:
      return pat_fail(e, "resource '%s' of %s is a wildcard: a check asks about one resource",
                      res, right);
    default:
      return pat_fail(e, "resource '%s' of %s holds a character that is not allowed", res,
                      right);
  }
}

/* ------------------------------------------------------------- expansion */

/* One entry of the list a token stores: "NAME" or "NAME@resource". */
typedef struct stored_entry {
  char *text;
  int k;        /* its right's place in the catalog */
  size_t stem;  /* bytes of text before the resource's '*' (0: not a wildcard) */
  int absorbed; /* covered by another entry: not stored */
} stored_entry;

static int entry_cmp(const void *a, const void *b) {
  return strcmp(((const stored_entry *)a)->text, ((const stored_entry *)b)->text);
}

/* Adds "NAME@res" to the entries. 0, or -1 out of memory. */
static int add_entry(stored_entry **v, int *n, int *cap, int k, const char *name,
                     const pat_entry *en) {
  if (*n == *cap) {
    int c = *cap ? *cap * 2 : 32;
    stored_entry *w = sqlite3_realloc64(*v, (sqlite3_uint64)c * sizeof *w);
    if (w == NULL) return -1;
    *v = w;
    *cap = c;
  }
  char *t = sqlite3_mprintf("%s@%.*s", name, (int)en->res_len, en->res);
  if (t == NULL) return -1;
  size_t len = strlen(t);
  (*v)[(*n)++] = (stored_entry){t, k, t[len - 1] == '*' ? len - 1 : 0, 0};
  return 0;
}

/* Marks each scoped entry that another covers, in one pass over the entries
** sorted in byte order: its right is chosen unscoped, or an earlier
** wildcard of the same right has a stem that begins it. '*' sorts below
** every byte a resource may hold, so "R@s*" comes right after "R@s" (which it
** covers) and before everything else that begins with "R@s". */
static void absorb(stored_entry *v, int n, const char *chosen) {
  const stored_entry *wild = NULL; /* the last wildcard kept */
  for (int i = 0; i < n; i++) {
    stored_entry *e = &v[i];
    if (chosen[e->k]) {
      e->absorbed = 1;
      continue;
    }
    if (wild != NULL && wild->k == e->k && strncmp(e->text, wild->text, wild->stem) == 0) {
      e->absorbed = 1;
      continue;
    }
    wild = NULL;
    if (e->stem > 0) {
      wild = e;
      if (i > 0 && !v[i - 1].absorbed && v[i - 1].k == e->k &&
          strlen(v[i - 1].text) == e->stem && strncmp(v[i - 1].text, e->text, e->stem) == 0)
        v[i - 1].absorbed = 1;
    }
  }
}

/* The stored list: the unscoped rights chosen and the entries kept, in byte
** order (both are; "R" sorts before every "R@..." but maybe not next to
** them, so the two are merged). */
static char *to_json(const pat_catalog_entry *catalog, int ncatalog, const char *chosen,
                     const stored_entry *v, int n) {
  sqlite3_str *s = sqlite3_str_new(NULL);
  int k = 0, i = 0, first = 1;
  sqlite3_str_appendchar(s, 1, '[');
  while (k < ncatalog || i < n) {
    while (k < ncatalog && !chosen[k]) k++;
    while (i < n && v[i].absorbed) i++;
    const char *t;
    if (k < ncatalog && (i >= n || strcmp(catalog[k].name, v[i].text) < 0))
      t = catalog[k++].name;
    else if (i < n)
      t = v[i++].text;
    else
      break;
    sqlite3_str_appendf(s, "%s\"%s\"", first ? "" : ",", t);
    first = 0;
  }
  sqlite3_str_appendchar(s, 1, ']');
  if (sqlite3_str_errcode(s) != SQLITE_OK) {
    sqlite3_free(sqlite3_str_finish(s));
    return NULL;
  }
  return sqlite3_str_finish(s);
}

typedef struct item_ref {
  const char *s;
  int i; /* its place in the list given */
} item_ref;

static int item_cmp(const void *a, const void *b) {
  const item_ref *x = a, *y = b;
  int r = strcmp(x->s, y->s);
  return r != 0 ? r : (x->i > y->i) - (x->i < y->i);
}

/* Which items repeat an earlier one (out[i] = 1): a list that names the same
** item many times costs what it stores, not items x catalog. 0, or -1 out
** of memory. */
static int repeated_items(const pat_strlist *items, char *out) {
  item_ref *r = sqlite3_malloc64((sqlite3_uint64)items->n * sizeof *r + 1);
  if (r == NULL) return -1;
  for (int i = 0; i < items->n; i++) r[i] = (item_ref){items->v[i], i};
  qsort(r, (size_t)items->n, sizeof *r, item_cmp);
  memset(out, 0, (size_t)items->n);
  for (int i = 1; i < items->n; i++)
    if (strcmp(r[i - 1].s, r[i].s) == 0) out[r[i].i] = 1;
  sqlite3_free(r);
  return 0;
}

int pat_rights_expand(const pat_strlist *items, const pat_catalog_entry *catalog,
                      int ncatalog, const char *role, char **out, pat_err *e) {
  char shown[PAT_RIGHT_MAX + 1], role_shown[PAT_RIGHT_MAX + 1];
  stored_entry *v = NULL;
  int n = 0, cap = 0, rc = -1;
  char *chosen = sqlite3_malloc64((sqlite3_uint64)ncatalog + 1);
  char *repeat = sqlite3_malloc64((sqlite3_uint64)items->n + 1);
  *out = NULL;
  if (chosen == NULL || repeat == NULL || repeated_items(items, repeat) != 0) goto oom;
  memset(chosen, 0, (size_t)ncatalog + 1);
  show(role_shown, sizeof role_shown, role);
  for (int i = 0; i < items->n; i++) {
    pat_entry en;
    size_t plen;
    if (repeat[i]) continue;
    pat_entry_split(items->v[i], strlen(items->v[i]), &en);
    pat_right_show(shown, sizeof shown, en.name, en.name_len);
    if (pat_resource_check(&en, 1, e) != 0) goto done;
    if (is_wildcard(en.name, en.name_len, &plen)) {
      int hits = 0;
      for (int k = 0; k < ncatalog; k++) {
        if (!catalog[k].grantable || strncmp(catalog[k].name, en.name, plen) != 0) continue;
        if (en.res == NULL) chosen[k] = 1;
        else if (add_entry(&v, &n, &cap, k, catalog[k].name, &en) != 0) goto oom;
        hits++;
      }
      if (hits == 0) {
        pat_fail(e, "'%s' matches no right that role '%s' may grant", shown, role_shown);
        goto done;
      }
      continue;
    }
    int k = pat_right_name_ok(en.name, en.name_len)
                ? pat_search(catalog, ncatalog, sizeof catalog[0], en.name, en.name_len)
                : -1;
    if (k < 0) {
      pat_fail(e, "unknown right '%s'", shown);
      goto done;
    }
    if (!catalog[k].grantable) {
      pat_fail(e, "role '%s' may not grant '%s'", role_shown, shown);
      goto done;
    }
    if (en.res == NULL) chosen[k] = 1;
    else if (add_entry(&v, &n, &cap, k, catalog[k].name, &en) != 0) goto oom;
  }
  /* Sorted in byte order, without duplicates; then what another entry
  ** covers goes. */
  if (n > 1) qsort(v, (size_t)n, sizeof v[0], entry_cmp);
  int kept = 0;
  for (int i = 0; i < n; i++) {
    if (kept > 0 && strcmp(v[kept - 1].text, v[i].text) == 0) {
      sqlite3_free(v[i].text);
      continue;
    }
    v[kept++] = v[i];
  }
  n = kept;
  absorb(v, n, chosen);
  if ((*out = to_json(catalog, ncatalog, chosen, v, n)) == NULL) goto oom;
  rc = 0;
  goto done;
oom:
  pat_fail(e, "out of memory");
done:
  for (int i = 0; i < n; i++) sqlite3_free(v[i].text);
  sqlite3_free(v);
  sqlite3_free(chosen);
  sqlite3_free(repeat);
  return rc;
}

/* ------------------------------------------------------------ text checks */

/* Length of the UTF-8 sequence at s (at most n bytes), 0 when invalid:
** overlong forms, surrogates and code points past U+10FFFF are refused. */
static int utf8_len(const unsigned char *s, int n, unsigned *cp) {
  unsigned c = s[0];
  int len;
  unsigned min;
  if (c < 0x80) { *cp = c; return 1; }
  if (c >= 0xC2 && c <= 0xDF) { len = 2; min = 0x80; c &= 0x1F; }
  else if (c >= 0xE0 && c <= 0xEF) { len = 3; min = 0x800; c &= 0x0F; }
  else if (c >= 0xF0 && c <= 0xF4) { len = 4; min = 0x10000; c &= 0x07; }
  else return 0;
  if (n < len) return 0;
  for (int i = 1; i < len; i++) {
    if ((s[i] & 0xC0) != 0x80) return 0;
    c = (c << 6) | (s[i] & 0x3F);
  }
  if (c < min || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF)) return 0;
  *cp = c;
  return len;
}

int pat_text_check(const char *what, const unsigned char *s, int n, int max,
                   pat_err *e) {
  if (s == NULL || n <= 0) {
    pat_fail(e, "%s must be a non-empty text", what);
    return -1;
  }
  if (n > max) {
    pat_fail(e, "%s is longer than %d bytes", what, max);
    return -1;
  }
  int bad_utf8 = 0;
  for (int i = 0; i < n;) {
    unsigned cp;
    int len = utf8_len(s + i, n - i, &cp);
    if (len == 0) {
      bad_utf8 = 1;
      i++;
      continue;
    }
    if (cp < 0x20 || (cp >= 0x7F && cp <= 0x9F)) {
      pat_fail(e, "%s contains a control character", what);
      return -1;
    }
    i += len;
  }
  if (bad_utf8) {
    pat_fail(e, "%s is not valid UTF-8", what);
    return -1;
  }
  return 0;
}
