"""make check-layers: the layers of docs/ARCHITECTURE.md hold in the objects.

The architecture note lists ext/'s files in layers, bottom first, in one
fenced block that starts with ```layers:

    1 base: api text
    2 format: crypto token
    ...

This reads the object files the build made (`nm` of each dist/obj/NAME.o,
NAME being ext/NAME.c), finds which file defines each symbol another file
uses, and fails when
  - a file uses a symbol defined in a file of a higher layer;
  - files use each other, directly or round a longer circle;
  - a file of ext/ is in no layer, in two, or a listed one does not exist.
Each violation is printed with the symbols behind it.

    /usr/bin/python3 tests/layers/check.py [OBJDIR]   (default dist/obj)

PAT_ARCHITECTURE_NOTE names another note, PAT_LAYERS_SOURCES another source
folder (tests/python/test_layers.py).
"""
import collections
import os
import re
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
NOTE = os.environ.get("PAT_ARCHITECTURE_NOTE") or os.path.join(ROOT, "docs", "ARCHITECTURE.md")


def read_layers():
    text = open(NOTE, encoding="utf-8").read()
    m = re.search(r"^```layers\n(.*?)^```", text, re.M | re.S)
    if not m:
        sys.exit("check-layers: no ```layers block in docs/ARCHITECTURE.md")
    layer_of, names, problems = {}, {}, []
    for line in m.group(1).splitlines():
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        lm = re.match(r"^(\d+)\s+([\w -]+):\s*(.*)$", line)
        if not lm:
            sys.exit("check-layers: can not read the layer line %r" % line)
        n = int(lm.group(1))
        names[n] = lm.group(2).strip()
        for f in lm.group(3).split():
            if f in layer_of:
                problems.append("%s is in layer %d and layer %d" % (f, layer_of[f], n))
            layer_of[f] = n
    return layer_of, names, problems


def symbols(objdir, files):
    """Which file defines each global symbol, and which symbols each file
    uses: one `nm -A` over every object (each line "path.o:...")."""
    defined, used = {}, collections.defaultdict(set)
    paths = [os.path.join(objdir, f + ".o") for f in files]
    out = subprocess.run(["nm", "-A"] + paths, check=True, capture_output=True,
                         text=True).stdout
    for line in out.splitlines():
        cut = line.index(".o:") + 2
        path, rest = line[:cut], line[cut + 1:]
        f = os.path.basename(path)[:-2]
        parts = rest.split()
        if len(parts) == 3 and parts[1] in "TDBRCVW":
            defined.setdefault(parts[2], f)
        elif len(parts) == 2 and parts[0] == "U":
            used[f].add(parts[1])
    return defined, used


def main():
    objdir = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "dist", "obj")
    layer_of, names, problems = read_layers()
    srcdir = os.environ.get("PAT_LAYERS_SOURCES") or os.path.join(ROOT, "ext")
    sources = sorted(f[:-2] for f in os.listdir(srcdir) if f.endswith(".c"))
    for f in sources:
        if f not in layer_of:
            problems.append("ext/%s.c is in no layer" % f)
    for f in layer_of:
        if f not in sources:
            problems.append("%s is listed but ext/%s.c does not exist" % (f, f))
    missing = [f for f in sources if not os.path.exists(os.path.join(objdir, f + ".o"))]
    if missing:
        sys.exit("check-layers: no object for %s in %s (make builds them)"
                 % (", ".join(missing), objdir))
    # An object whose source is gone is a leftover of an older build: skipped.
    files = sources
    defined, used = symbols(objdir, files)
    edges = collections.defaultdict(lambda: collections.defaultdict(set))
    for f in files:
        for s in used[f]:
            g = defined.get(s)
            if g is not None and g != f:
                edges[f][g].add(s)
    for f in sorted(edges):
        for g in sorted(edges[f]):
            lf, lg = layer_of.get(f), layer_of.get(g)
            if lf is not None and lg is not None and lg > lf:
                problems.append("%s (layer %d, %s) uses %s (layer %d, %s): %s"
                                % (f, lf, names[lf], g, lg, names[lg],
                                   ", ".join(sorted(edges[f][g]))))
    # Circles: a depth-first search over "uses".
    state, stack, circles = {}, [], []

    def visit(f):
        state[f] = 1
        stack.append(f)
        for g in sorted(edges[f]):
            if state.get(g) == 1:
                circles.append(stack[stack.index(g):] + [g])
            elif g not in state:
                visit(g)
        stack.pop()
        state[f] = 2
    for f in files:
        if f not in state:
            visit(f)
    for c in circles:
        problems.append("files use each other: " + "; ".join(
            "%s -> %s (%s)" % (a, b, ", ".join(sorted(edges[a][b]))) for a, b in zip(c, c[1:])))
    nedges = sum(len(v) for v in edges.values())
    if problems:
        for p in problems:
            print("check-layers: " + p)
        print("check-layers: %d problem(s) in %d files, %d uses between files"
              % (len(problems), len(files), nedges))
        sys.exit(1)
    print("check-layers: %d files in %d layers, %d uses between files, every one downward"
          % (len(files), len(names), nedges))


if __name__ == "__main__":
    main()
