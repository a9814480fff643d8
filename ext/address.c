/*
** address.c: a client's network address and the blocks of an allow-list
** (INTERFACE.md, Client context), read with the C library's inet_pton and
** shown with its inet_ntop: never compared as text.
**
** Every address is held as 16 bytes of IPv6; an IPv4 one as its
** IPv4-mapped form (::ffff:a.b.c.d), so that 10.0.0.1 and ::ffff:10.0.0.1
** are one address, and 10.0.0.0/8 is ::ffff:10.0.0.0/104.
*/
#include "values.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

static const unsigned char mapped_head[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};

static int is_mapped(const pat_addr *a) { return memcmp(a->b, mapped_head, 12) == 0; }

/* Fails with `what` <problem>: '<the text>' (pat_fail_quoted). */
static int bad(pat_err *e, const char *what, const char *problem, const char *s, size_t n) {
  char prefix[128];
  snprintf(prefix, sizeof prefix, "%s %s:", what, problem);
  return pat_fail_quoted(e, prefix, s, n, 60);
}

/* The text as a C string in buf (at most PAT_ADDR_TEXT - 1 bytes, no NUL
** inside). 0, or -1 with e. */
static int copy_text(char *buf, const char *s, size_t n, const char *what, pat_err *e) {
  if (n == 0) return pat_fail(e, "%s must not be empty", what);
  if (n >= PAT_ADDR_TEXT || memchr(s, 0, n) != NULL)
    return bad(e, what, "is not an IP address", s, n);
  memcpy(buf, s, n);
  buf[n] = '\0';
  return 0;
}

/* An address in buf: IPv6 when it holds a ':', else IPv4. 0, or -1. */
static int read_addr(const char *buf, pat_addr *out) {
  if (strchr(buf, ':') != NULL) return inet_pton(AF_INET6, buf, out->b) == 1 ? 0 : -1;
  memcpy(out->b, mapped_head, 12);
  return inet_pton(AF_INET, buf, out->b + 12) == 1 ? 0 : -1;
}

static int zone_ok(const char *z) {
  if (*z == '\0') return 0;
  for (; *z; z++)
    if (!((*z >= 'a' && *z <= 'z') || (*z >= 'A' && *z <= 'Z') || (*z >= '0' && *z <= '9') ||
          *z == '.' || *z == '_' || *z == '-'))
      return 0;
  return 1;
}

int pat_addr_parse(const char *s, size_t n, const char *what, pat_addr *out, pat_err *e) {
  char buf[PAT_ADDR_TEXT];
  if (copy_text(buf, s, n, what, e) != 0) return -1;
  /* An IPv6 zone (fe80::1%eth0) names the interface, not the address: a
  ** name of [A-Za-z0-9._-] after an IPv6 address. */
  char *zone = strchr(buf, '%');
  if (zone != NULL && zone_ok(zone + 1) && memchr(buf, ':', (size_t)(zone - buf)) != NULL)
    *zone = '\0';
  if (read_addr(buf, out) != 0) return bad(e, what, "is not an IP address", s, n);
  return 0;
}

int pat_block_parse(const char *s, size_t n, const char *what, pat_block *out, pat_err *e) {
  char buf[PAT_ADDR_TEXT];
  if (copy_text(buf, s, n, what, e) != 0) return -1;
  char *slash = strchr(buf, '/');
  if (slash != NULL) *slash = '\0';
  if (read_addr(buf, &out->net) != 0)
    return bad(e, what, "is not an IP address or block", s, n);
  int v4 = strchr(buf, ':') == NULL, max = v4 ? 32 : 128, len = max;
  if (slash != NULL) {
    const char *d = slash + 1;
    size_t dn = strlen(d);
    /* 0 to max, in decimal without a sign or leading zeros. */
    int ok = dn >= 1 && dn <= 3 && (dn == 1 || d[0] != '0');
    len = 0;
    for (size_t i = 0; ok && i < dn; i++) {
      ok = d[i] >= '0' && d[i] <= '9';
      len = len * 10 + (d[i] - '0');
    }
    if (!ok || len > max)
      return bad(e, what, v4 ? "has a bad prefix length (0 to 32)" : "has a bad prefix length (0 to 128)", s, n);
  }
  out->len = v4 ? len + 96 : len;
  for (int bit = out->len; bit < 128; bit++)
    if (out->net.b[bit / 8] & (0x80 >> (bit % 8)))
      return bad(e, what, "has host bits set", s, n);
  return 0;
}

int pat_block_has(const pat_block *b, const pat_addr *a) {
  int whole = b->len / 8, rest = b->len % 8;
  if (memcmp(b->net.b, a->b, (size_t)whole) != 0) return 0;
  if (rest == 0) return 1;
  unsigned char mask = (unsigned char)(0xff << (8 - rest));
  return (b->net.b[whole] & mask) == (a->b[whole] & mask);
}

void pat_addr_show(const pat_addr *a, char out[PAT_ADDR_TEXT]) {
  if (is_mapped(a)) inet_ntop(AF_INET, a->b + 12, out, PAT_ADDR_TEXT);
  else inet_ntop(AF_INET6, a->b, out, PAT_ADDR_TEXT);
}

void pat_block_show(const pat_block *b, char out[PAT_ADDR_TEXT]) {
  /* An IPv4-mapped block that holds only mapped addresses is shown as
  ** IPv4; a whole address bare. */
  int v4 = is_mapped(&b->net) && b->len >= 96;
  if (v4) inet_ntop(AF_INET, b->net.b + 12, out, PAT_ADDR_TEXT);
  else inet_ntop(AF_INET6, b->net.b, out, PAT_ADDR_TEXT);
  if (b->len < 128) {
    size_t used = strlen(out);
    snprintf(out + used, PAT_ADDR_TEXT - used, "/%d", v4 ? b->len - 96 : b->len);
  }
}

void pat_block_pack(const pat_block *b, unsigned char out[PAT_BLOCK_BYTES]) {
  memcpy(out, b->net.b, 16);
  out[16] = (unsigned char)b->len;
}

int pat_blocks_have(const unsigned char *packed, size_t n, const pat_addr *a) {
  /* Anything but whole blocks is no list pat wrote: it holds nothing, so
  ** the check fails closed. */
  if (packed == NULL || n == 0 || n % PAT_BLOCK_BYTES != 0) return 0;
  for (size_t i = 0; i < n; i += PAT_BLOCK_BYTES) {
    /* pat_block_has on the packed bytes, in place. */
    const unsigned char *net = packed + i;
    int len = net[16], whole = len / 8, rest = len % 8;
    if (len > 128 || memcmp(net, a->b, (size_t)whole) != 0) continue;
    if (rest == 0) return 1;
    unsigned char mask = (unsigned char)(0xff << (8 - rest));
    if ((net[whole] & mask) == (a->b[whole] & mask)) return 1;
  }
  return 0;
}
