"""pat_create's rights argument: syntaxes, wildcards, order, errors."""
from tests.python import helpers
from tests.python.helpers import PatTestCase, ALL_RIGHTS, DATA_RIGHTS


class RightsTest(PatTestCase):

    def rights_of(self, rights):
        tok = self.create(rights=rights)
        row = self.token_row(self.id_of(tok))
        return helpers.rights_json(row["rights"]), tok

    def test_json_array_accepted(self):
        got, _ = self.rights_of('["DATA_FETCH","DATA_CREATE"]')
        self.assertEqual(got, ["DATA_CREATE", "DATA_FETCH"])
        got, _ = self.rights_of(' [ "MEDIA_FETCH" ,\n\t"DATA_FETCH" ] ')
        self.assertEqual(got, ["DATA_FETCH", "MEDIA_FETCH"])

    def test_comma_list_with_spaces_accepted(self):
        got, _ = self.rights_of("DATA_FETCH, DATA_CREATE")
        self.assertEqual(got, ["DATA_CREATE", "DATA_FETCH"])
        got, _ = self.rights_of("  USER_FETCH ,DATA_FETCH  ,   ROUTING_FETCH ")
        self.assertEqual(got, ["DATA_FETCH", "ROUTING_FETCH", "USER_FETCH"])
        got, _ = self.rights_of("PROJECT_UPDATE")
        self.assertEqual(got, ["PROJECT_UPDATE"])

    def test_rights_sorted_in_byte_order(self):
        given = ["USER_DELETE", "ROUTING_FETCH", "ROUTING_CREATE_UPDATE",
                 "CONFIG_FETCH", "DATA_UPDATE", "MEDIA_CREATE"]
        got, _ = self.rights_of(", ".join(given))
        self.assertEqual(got, sorted(given))
        got, _ = self.rights_of('["%s"]' % '","'.join(reversed(given)))
        self.assertEqual(got, sorted(given))

    def test_duplicates_removed(self):
        got, _ = self.rights_of("DATA_FETCH, DATA_FETCH")
        self.assertEqual(got, ["DATA_FETCH"])
        got, _ = self.rights_of('["DATA_FETCH","DATA_FETCH","MEDIA_FETCH"]')
        self.assertEqual(got, ["DATA_FETCH", "MEDIA_FETCH"])

    def test_category_wildcard_expands_to_its_rights(self):
        got, tok = self.rights_of("DATA_*")
        self.assertEqual(got, DATA_RIGHTS)
        self.assertEqual(len(got), 4)
        now = self.now()
        for r in DATA_RIGHTS:
            self.assertEqual(self.has_right(tok, r, now), 1, r)
        self.assertEqual(self.has_right(tok, "MEDIA_FETCH", now), 0)
        got, _ = self.rights_of('["DATA_*"]')
        self.assertEqual(got, DATA_RIGHTS)

    def test_wildcard_plus_explicit_deduplicated(self):
        got, _ = self.rights_of("DATA_FETCH, DATA_*, USER_FETCH")
        self.assertEqual(got, sorted(DATA_RIGHTS + ["USER_FETCH"]))

    def test_star_expands_to_every_catalog_right(self):
        got, tok = self.rights_of("*")
        self.assertEqual(got, ALL_RIGHTS)
        self.assertEqual(len(got), len(ALL_RIGHTS))  # 19 in INTERFACE.md
        now = self.now()
        for r in ALL_RIGHTS:
            self.assertEqual(self.has_right(tok, r, now), 1, r)
        got, _ = self.rights_of('["*"]')
        self.assertEqual(got, ALL_RIGHTS)

    def test_json_escapes_are_decoded(self):
        got, _ = self.rights_of('["\\u0044ATA_FETCH"]')
        self.assertEqual(got, ["DATA_FETCH"])
        got, _ = self.rights_of('["MEDIA\\u005fFETCH", "DATA_FETCH"]')
        self.assertEqual(got, ["DATA_FETCH", "MEDIA_FETCH"])

    def test_unknown_right_is_error(self):
        self.assertRefused(
            "SELECT pat_create('u', 'n', 'DATA_FECTH')",
            message="pat_create: unknown right 'DATA_FECTH'")
        self.assertRefused(
            "SELECT pat_create('u', 'n', 'DATA_FETCH, DATA_FECTH')",
            message="pat_create: unknown right 'DATA_FECTH'")
        self.assertRefused(
            """SELECT pat_create('u', 'n', '["DATA_FETCH","NOPE"]')""",
            message="pat_create: unknown right 'NOPE'")
        self.assertNoStore()
        self.create()
        self.assertRefused(
            "SELECT pat_create('u', 'n', 'data_fetchx')",
            message="pat_create: unknown right 'data_fetchx'")

    def test_unknown_right_name_truncated_to_64_bytes_in_message(self):
        self.assertRefused(
            "SELECT pat_create('u', 'n', ?)", ("X_" * 50,),
            message="pat_create: unknown right '%s'" % ("X_" * 32))

    def test_unknown_right_that_could_hold_a_token_is_masked_in_message(self):
        # 32 or more base62 characters in a row could be a token's random part.
        self.assertRefused(
            "SELECT pat_create('u', 'n', ?)", ("X" * 100,),
            message="pat_create: unknown right '(a token)'")

    def test_unmatched_wildcard_is_error(self):
        self.assertRefused(
            "SELECT pat_create('u', 'n', 'FOO_*')",
            message="pat_create: 'FOO_*' matches no right that role 'ROOT' "
                    "may grant")
        self.assertRefused(
            "SELECT pat_create('u', 'n', 'DATA_FETCH, FOO_*')",
            message="pat_create: 'FOO_*' matches no right that role 'ROOT' "
                    "may grant")
        self.assertNoStore()

    def test_empty_rights_are_error(self):
        for rights in ("", "   ", "[]", " [ ] "):
            with self.subTest(rights=rights):
                self.assertRefused(
                    "SELECT pat_create('u', 'n', ?)", (rights,),
                    message="pat_create: rights names no right")
        self.assertNoStore()

    def test_empty_name_in_list_is_error(self):
        for rights in ("DATA_FETCH,,DATA_CREATE", "DATA_FETCH,", '[""]'):
            with self.subTest(rights=rights):
                self.assertRefused(
                    "SELECT pat_create('u', 'n', ?)", (rights,),
                    message="pat_create: rights has an empty name")

    def test_rights_not_text_is_error(self):
        msg = ("pat_create: rights must be a text: a JSON array or a "
               "comma-separated list")
        for rights in (None, 42, 1.5, b"DATA_FETCH"):
            with self.subTest(rights=rights):
                self.assertRefused("SELECT pat_create('u', 'n', ?)",
                                   (rights,), message=msg)
        self.assertNoStore()

    def test_malformed_json_is_error(self):
        msg = "pat_create: rights is not a valid JSON array of strings"
        cases = ["[", '["A"', "[1]", '["DATA_FETCH", 1]', '["DATA_FETCH",]',
                 "[null]", '[["DATA_FETCH"]]', '["DATA_FETCH"] x',
                 "[" * 3000 + "]" * 3000, '[{"a":1}]', '["DATA_FETCH\\x"]']
        for rights in cases:
            with self.subTest(rights=rights[:20]):
                self.assertRefused("SELECT pat_create('u', 'n', ?)",
                                   (rights,), message=msg)
        self.assertNoStore()

    def test_json_object_is_error(self):
        self.assertRefused("SELECT pat_create('u', 'n', ?)", ('{"a":1}',),
                           prefix="pat_create: ")
        self.assertNoStore()

    def test_deep_nesting_does_not_crash(self):
        for depth in (3000, 100000):
            with self.subTest(depth=depth):
                self.assertRefused("SELECT pat_create('u', 'n', ?)",
                                   ("[" * depth + "]" * depth,),
                                   prefix="pat_create: ")
        self.assertEqual(self.one("SELECT 1"), 1)
