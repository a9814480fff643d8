"""The tests of the layer check (tests/layers/check.py), run by make
check-layers after the check itself: it passes on the tree as built, and it
fails, naming the symbols, when the note's layers are not what the objects
show. Not in the Python suite: it reads the build's objects and compiles
small files of its own, which the sanitizer suites' trees do not hold."""
import os
import re
import subprocess
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
CHECK = os.path.join(HERE, "check.py")
NOTE = os.path.join(ROOT, "docs", "ARCHITECTURE.md")


class LayerCheckTest(unittest.TestCase):

    def run_check(self, note_text=None, objdir=None, sources=None):
        env = dict(os.environ)
        if sources is not None:
            env["PAT_LAYERS_SOURCES"] = sources
        if note_text is not None:
            fd, path = tempfile.mkstemp(suffix=".md")
            with os.fdopen(fd, "w") as f:
                f.write(note_text)
            self.addCleanup(os.remove, path)
            env["PAT_ARCHITECTURE_NOTE"] = path
        return subprocess.run(["/usr/bin/python3", CHECK] + ([objdir] if objdir else []),
                              env=env, capture_output=True, text=True)

    def note(self):
        with open(NOTE, encoding="utf-8") as f:
            return f.read()

    def test_the_tree_as_built_holds_its_layers(self):
        r = self.run_check()
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertIn("every one downward", r.stdout)

    def test_a_file_placed_below_what_it_uses_fails_with_the_symbols(self):
        text = re.sub(r"^(5 policy:.*) policy( |$)", r"\1\2", self.note(), flags=re.M)
        text = re.sub(r"^(3 values:.*)$", r"\1 policy", text, flags=re.M)
        r = self.run_check(text)
        self.assertEqual(r.returncode, 1, r.stdout)
        self.assertIn("policy (layer 3, values) uses store (layer 4, store): ", r.stdout)
        self.assertIn("pat_store_stmt", r.stdout)

    def test_files_that_use_each_other_fail_even_in_one_layer(self):
        d = tempfile.mkdtemp()
        self.addCleanup(subprocess.run, ["rm", "-rf", d])
        sources = {"a": "int b_value(void); int a_value(void) { return 1; }\n"
                        "int a_twice(void) { return 2 * b_value(); }\n",
                   "b": "int a_value(void); int b_value(void) { return a_value() + 1; }\n",
                   "c": "int a_twice(void); int c_value(void) { return a_twice(); }\n"}
        for name, text in sources.items():
            with open(os.path.join(d, name + ".c"), "w") as f:
                f.write(text)
            subprocess.run(["cc", "-c", "-o", os.path.join(d, name + ".o"),
                            os.path.join(d, name + ".c")], check=True)
        r = self.run_check("```layers\n1 one: a b\n2 two: c\n```\n", objdir=d, sources=d)
        self.assertEqual(r.returncode, 1, r.stdout)
        self.assertIn("files use each other: a -> b (b_value); b -> a (a_value)", r.stdout)
        self.assertNotIn("uses c", r.stdout)
        # The same files without the circle pass.
        with open(os.path.join(d, "b.c"), "w") as f:
            f.write("int b_value(void) { return 1; }\n")
        subprocess.run(["cc", "-c", "-o", os.path.join(d, "b.o"), os.path.join(d, "b.c")],
                       check=True)
        r = self.run_check("```layers\n1 one: a b\n2 two: c\n```\n", objdir=d, sources=d)
        self.assertEqual(r.returncode, 0, r.stdout)

    def test_a_file_of_ext_left_out_of_the_note_fails(self):
        text = self.note().replace("8 entry: pat", "8 entry:")
        r = self.run_check(text)
        self.assertEqual(r.returncode, 1, r.stdout)
        self.assertIn("ext/pat.c is in no layer", r.stdout)


if __name__ == "__main__":
    unittest.main()
