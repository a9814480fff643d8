/*
** test_address.c: unit tests of ext/address.c, a client's address and the
** blocks of an allow-list (INTERFACE.md, Client context).
**
** Addresses compare as addresses: every spelling of one address is the same
** 16 bytes, an IPv4 address is its IPv4-mapped IPv6 form, and the canonical
** text is what inet_ntop writes (IPv4-mapped as IPv4, no zone).
*/
#include <string.h>

#include "values.h"
#include "suites.h"

static pat_addr addr(const char *s) {
  pat_addr a;
  pat_err e = {0};
  ck_assert_msg(pat_addr_parse(s, strlen(s), "client", &a, &e) == 0, "%s: %s", s, e.msg);
  return a;
}

static pat_block block(const char *s) {
  pat_block b;
  pat_err e = {0};
  ck_assert_msg(pat_block_parse(s, strlen(s), "allowed_ips", &b, &e) == 0, "%s: %s", s, e.msg);
  return b;
}

/* The error a malformed address or block gets. */
static const char *addr_error(const char *s, size_t n) {
  static pat_err e;
  pat_addr a;
  memset(&e, 0, sizeof e);
  ck_assert_msg(pat_addr_parse(s, n, "client", &a, &e) == -1, "'%.*s' parsed", (int)n, s);
  return e.msg;
}

static const char *block_error(const char *s) {
  static pat_err e;
  pat_block b;
  memset(&e, 0, sizeof e);
  ck_assert_msg(pat_block_parse(s, strlen(s), "allowed_ips", &b, &e) == -1, "'%s' parsed", s);
  return e.msg;
}

static int has(const char *blk, const char *a) {
  pat_block b = block(blk);
  pat_addr x = addr(a);
  return pat_block_has(&b, &x);
}

static void shows(const char *s, const char *want) {
  char out[PAT_ADDR_TEXT];
  pat_addr a = addr(s);
  pat_addr_show(&a, out);
  ck_assert_str_eq(out, want);
}

static void block_shows(const char *s, const char *want) {
  char out[PAT_ADDR_TEXT];
  pat_block b = block(s);
  pat_block_show(&b, out);
  ck_assert_str_eq(out, want);
}

START_TEST(every_spelling_of_an_address_is_one_address) {
  pat_addr a = addr("2001:db8::1"), b = addr("2001:DB8:0:0:0:0:0:1"), c = addr("2001:0db8::0001");
  ck_assert_mem_eq(a.b, b.b, 16);
  ck_assert_mem_eq(a.b, c.b, 16);
  pat_addr v4 = addr("10.0.0.1"), mapped = addr("::ffff:10.0.0.1"), upper = addr("::FFFF:10.0.0.1");
  ck_assert_mem_eq(v4.b, mapped.b, 16);
  ck_assert_mem_eq(v4.b, upper.b, 16);
  pat_addr hexmapped = addr("::ffff:a00:1");
  ck_assert_mem_eq(v4.b, hexmapped.b, 16);
}
END_TEST

START_TEST(a_zone_is_ignored_and_an_empty_one_is_malformed) {
  pat_addr a = addr("fe80::1%eth0"), b = addr("fe80::1");
  ck_assert_mem_eq(a.b, b.b, 16);
  ck_assert_str_eq(addr_error("fe80::1%", 8), "client is not an IP address: 'fe80::1%'");
  ck_assert_str_eq(addr_error("10.0.0.1%eth0", 13), "client is not an IP address: '10.0.0.1%eth0'");
  /* A ':' in the zone is not an IPv6 address, nor a zone: a port. */
  ck_assert_str_eq(addr_error("1.2.3.4%:80", 11), "client is not an IP address: '1.2.3.4%:80'");
  ck_assert_str_eq(addr_error("::1%eth0:80", 11), "client is not an IP address: '::1%eth0:80'");
  ck_assert_str_eq(addr_error("::1%eth/0", 9), "client is not an IP address: '::1%eth/0'");
  pat_addr dotted = addr("fe80::1%en0.100_x-y");
  ck_assert_mem_eq(dotted.b, b.b, 16);
}
END_TEST

START_TEST(shown_as_inet_ntop_writes_it_ipv4_mapped_as_ipv4) {
  shows("10.0.0.1", "10.0.0.1");
  shows("::ffff:10.0.0.1", "10.0.0.1");
  shows("2001:DB8:0:0:0:0:0:1", "2001:db8::1");
  shows("fe80::1%eth0", "fe80::1");
  shows("::1", "::1");
  shows("::", "::");
  shows("::10.0.0.1", "::10.0.0.1"); /* IPv4-compatible: IPv6, not mapped */
}
END_TEST

START_TEST(ports_blocks_and_other_text_are_not_a_client) {
  const char *bad[] = {"1.2.3.4:80", "[::1]:80", "[::1]", "10.0.0.0/8", "10.0.0", "256.0.0.1",
                       "010.0.0.1", "1.2.3.4 ", " 1.2.3.4", "localhost", "::ffff:1.2.3.4.5",
                       "1:2:3:4:5:6:7:8:9", "x"};
  for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
    const char *msg = addr_error(bad[i], strlen(bad[i]));
    ck_assert_msg(strncmp(msg, "client is not an IP address: '", 30) == 0, "%s: %s", bad[i], msg);
  }
  ck_assert_str_eq(addr_error("", 0), "client must not be empty");
  ck_assert_str_eq(addr_error("1.2.3.4\0x", 9), "client is not an IP address: '1.2.3.4?x'");
}
END_TEST

START_TEST(an_error_shows_60_bytes_at_most_and_never_a_token) {
  char long_text[300];
  memset(long_text, '.', sizeof long_text);
  const char *msg = addr_error(long_text, sizeof long_text);
  ck_assert_int_eq(strlen(msg), strlen("client is not an IP address: ''...") + 60);
  char made[PAT_TOKEN_MAX + 1];
  ck_assert_int_gt(pat_token_make(made, "pat_", 4), 0);
  msg = addr_error(made, strlen(made));
  ck_assert_str_eq(msg, "client is not an IP address: (a token)");
}
END_TEST

START_TEST(a_block_holds_the_addresses_under_its_prefix) {
  ck_assert(has("10.0.0.0/8", "10.255.1.2"));
  ck_assert(!has("10.0.0.0/8", "11.0.0.0"));
  ck_assert(has("10.0.0.0/8", "::ffff:10.0.0.1"));
  ck_assert(has("::ffff:10.0.0.0/104", "10.1.2.3"));
  ck_assert(has("2001:db8::/32", "2001:DB8::1"));
  ck_assert(!has("2001:db8::/32", "2001:db9::1"));
  ck_assert(has("10.1.2.3", "10.1.2.3"));
  ck_assert(!has("10.1.2.3", "10.1.2.4"));
  ck_assert(has("2001:db8::1", "2001:db8:0::1%eth1"));
  ck_assert(has("192.168.1.128/25", "192.168.1.200"));
  ck_assert(!has("192.168.1.128/25", "192.168.1.127"));
  ck_assert(has("0.0.0.0/0", "203.0.113.9"));
  ck_assert(!has("0.0.0.0/0", "2001:db8::1")); /* every IPv4 address, no IPv6 one */
  ck_assert(has("::/0", "2001:db8::1"));
  ck_assert(has("::/0", "10.0.0.1"));
  ck_assert(has("2001:db8::/127", "2001:db8::1"));
  ck_assert(!has("2001:db8::/128", "2001:db8::1"));
}
END_TEST

START_TEST(a_block_is_shown_canonical_a_whole_address_bare) {
  block_shows("10.0.0.0/8", "10.0.0.0/8");
  block_shows("::ffff:10.0.0.0/104", "10.0.0.0/8");
  block_shows("::FFFF:10.0.0.1", "10.0.0.1");
  block_shows("10.0.0.1/32", "10.0.0.1");
  block_shows("2001:DB8::/32", "2001:db8::/32");
  block_shows("2001:db8::1/128", "2001:db8::1");
  block_shows("0.0.0.0/0", "0.0.0.0/0");
  block_shows("::/0", "::/0");
  block_shows("::/95", "::/95");
}
END_TEST

START_TEST(host_bits_a_bad_prefix_and_a_zone_make_a_bad_block) {
  ck_assert_str_eq(block_error("10.1.2.3/8"), "allowed_ips has host bits set: '10.1.2.3/8'");
  ck_assert_str_eq(block_error("2001:db8::1/32"),
                   "allowed_ips has host bits set: '2001:db8::1/32'");
  /* Only the first host bit set, in the middle of a byte and at the end. */
  ck_assert_str_eq(block_error("10.128.0.0/8"), "allowed_ips has host bits set: '10.128.0.0/8'");
  ck_assert_str_eq(block_error("10.0.0.1/31"), "allowed_ips has host bits set: '10.0.0.1/31'");
  block_shows("10.0.0.2/31", "10.0.0.2/31");
  ck_assert_str_eq(block_error("10.0.0.0/33"),
                   "allowed_ips has a bad prefix length (0 to 32): '10.0.0.0/33'");
  ck_assert_str_eq(block_error("::/129"), "allowed_ips has a bad prefix length (0 to 128): '::/129'");
  const char *bad_len[] = {"10.0.0.0/", "10.0.0.0/08", "10.0.0.0/-8", "10.0.0.0/+8",
                           "10.0.0.0/8/8", "10.0.0.0/1000", "10.0.0.0/ 8"};
  for (size_t i = 0; i < sizeof bad_len / sizeof *bad_len; i++)
    ck_assert_msg(strstr(block_error(bad_len[i]), "has a bad prefix length") != NULL, "%s",
                  bad_len[i]);
  ck_assert_str_eq(block_error("fe80::/10%eth0"),
                   "allowed_ips has a bad prefix length (0 to 128): 'fe80::/10%eth0'");
  ck_assert_str_eq(block_error("fe80::1%eth0"),
                   "allowed_ips is not an IP address or block: 'fe80::1%eth0'");
  ck_assert_str_eq(block_error("example.com/8"),
                   "allowed_ips is not an IP address or block: 'example.com/8'");
  ck_assert_str_eq(block_error(""), "allowed_ips must not be empty");
}
END_TEST

/* The packed form the store keeps (allowed_blocks) and the check reads. */
START_TEST(packed_blocks_hold_what_their_blocks_hold_and_nothing_else) {
  unsigned char packed[3 * PAT_BLOCK_BYTES + 1];
  pat_block b = block("10.0.0.0/8");
  pat_block_pack(&b, packed);
  b = block("2001:db8::/32");
  pat_block_pack(&b, packed + PAT_BLOCK_BYTES);
  b = block("192.0.2.7");
  pat_block_pack(&b, packed + 2 * PAT_BLOCK_BYTES);
  pat_addr in = addr("10.9.9.9"), v6 = addr("2001:db8::5"), one = addr("192.0.2.7"),
           out = addr("192.0.2.8");
  ck_assert_int_eq(pat_blocks_have(packed, 3 * PAT_BLOCK_BYTES, &in), 1);
  ck_assert_int_eq(pat_blocks_have(packed, 3 * PAT_BLOCK_BYTES, &v6), 1);
  ck_assert_int_eq(pat_blocks_have(packed, 3 * PAT_BLOCK_BYTES, &one), 1);
  ck_assert_int_eq(pat_blocks_have(packed, 3 * PAT_BLOCK_BYTES, &out), 0);
  /* only the blocks given count */
  ck_assert_int_eq(pat_blocks_have(packed, 2 * PAT_BLOCK_BYTES, &one), 0);
  /* anything but whole blocks, or none, holds nothing: the check fails
  ** closed on a list it did not write */
  ck_assert_int_eq(pat_blocks_have(packed, 3 * PAT_BLOCK_BYTES + 1, &in), 0);
  ck_assert_int_eq(pat_blocks_have(packed, PAT_BLOCK_BYTES - 1, &in), 0);
  ck_assert_int_eq(pat_blocks_have(packed, 0, &in), 0);
  ck_assert_int_eq(pat_blocks_have(NULL, PAT_BLOCK_BYTES, &in), 0);
  /* a prefix length no block has (written past pat) holds nothing */
  packed[16] = 200;
  ck_assert_int_eq(pat_blocks_have(packed, PAT_BLOCK_BYTES, &in), 0);
}
END_TEST

Suite *address_suite(void) {
  Suite *s = suite_create("address");
  TCase *tc = tcase_create("client");
  tcase_add_test(tc, every_spelling_of_an_address_is_one_address);
  tcase_add_test(tc, a_zone_is_ignored_and_an_empty_one_is_malformed);
  tcase_add_test(tc, shown_as_inet_ntop_writes_it_ipv4_mapped_as_ipv4);
  tcase_add_test(tc, ports_blocks_and_other_text_are_not_a_client);
  tcase_add_test(tc, an_error_shows_60_bytes_at_most_and_never_a_token);
  suite_add_tcase(s, tc);
  tc = tcase_create("block");
  tcase_add_test(tc, a_block_holds_the_addresses_under_its_prefix);
  tcase_add_test(tc, a_block_is_shown_canonical_a_whole_address_bare);
  tcase_add_test(tc, host_bits_a_bad_prefix_and_a_zone_make_a_bad_block);
  tcase_add_test(tc, packed_blocks_hold_what_their_blocks_hold_and_nothing_else);
  suite_add_tcase(s, tc);
  return s;
}
