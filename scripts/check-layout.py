#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Checks that the source tree keeps the shape docs/architecture.md gives it.

    scripts/check-layout.py [--report] BUILD_DIR

- No call circle between the source files of one program or library: for
  every target that BUILD_DIR built, the functions each object file calls
  in another object file of the same target give a graph of files, and it
  must have no cycle (a strongly connected component of two files or
  more). Calls come from the objects' symbol tables (nm), so only calls
  between files count, not calls inside one.
- No source file reaches into another folder's private headers: no
  #include names ../dataplane or ../control.
- No source file outside tests/ is over 1,000 lines, but the Raft core.

--report prints, for each target, its files and the calls between them
(file -> files it calls) as well. Exit status 1 when a check fails.
"""
import os
import re
import subprocess
import sys

LINE_LIMIT = 1000
LINE_LIMIT_EXEMPT = {"lib/protocols/raft.c"}
SOURCE_DIRS = ("dataplane", "control", "lib", "include", "tests")


def symbols(objs):
    """For each object, the functions it defines and the symbols it leaves
    undefined: one nm for all of them (one per object is slow on a busy
    machine)."""
    defined = {o: set() for o in objs}
    undefined = {o: set() for o in objs}
    out = subprocess.run(["nm", "-A"] + objs, capture_output=True,
                         text=True, check=True).stdout
    for line in out.splitlines():
        # "FILE.o:ADDR T name", "FILE.o:    U name"
        head, sep, rest = line.partition(".o:")
        obj = head + ".o"
        if not sep or obj not in defined:
            continue
        f = rest.split()
        if len(f) == 3 and f[1] == "T":
            defined[obj].add(f[2])
        elif len(f) == 2 and f[0] == "U":
            undefined[obj].add(f[1])
    return defined, undefined


def source_name(obj):
    """'meson-generated_foo.c.o' or 'foo.c.o' -> 'foo.c'."""
    name = os.path.basename(obj)
    return name[:-2] if name.endswith(".o") else name


def cycles(graph):
    """Strongly connected components of two nodes or more (Tarjan)."""
    index, low, stack, on_stack, found = {}, {}, [], set(), []
    counter = [0]

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                found.append(sorted(comp))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found


def target_graphs(build):
    """{target: {file: set(files it calls)}} for every target in build."""
    graphs = {}
    for root, dirs, files in os.walk(build):
        if not root.endswith(".p"):
            continue
        objs = [os.path.join(root, f) for f in files if f.endswith(".o")]
        if len(objs) < 2:
            continue
        defs, undefs = symbols(objs)
        owner = {}
        for o, fns in defs.items():
            for fn in fns:
                owner[fn] = o
        graph = {}
        for o in objs:
            callees = {source_name(owner[s]) for s in undefs[o]
                       if s in owner and owner[s] != o}
            graph[source_name(o)] = callees
        graphs[os.path.relpath(root, build)] = graph
    return graphs


def long_files(top):
    found = []
    for d in SOURCE_DIRS:
        if d == "tests":
            continue
        for root, _, files in os.walk(os.path.join(top, d)):
            for f in files:
                if not f.endswith((".c", ".h")):
                    continue
                path = os.path.join(root, f)
                rel = os.path.relpath(path, top)
                with open(path, errors="replace") as fh:
                    n = sum(1 for _ in fh)
                if n > LINE_LIMIT and rel not in LINE_LIMIT_EXEMPT:
                    found.append((rel, n))
    return found


def private_includes(top):
    pattern = re.compile(r'#\s*include\s*"[^"]*\.\./(dataplane|control)')
    found = []
    for d in SOURCE_DIRS:
        for root, _, files in os.walk(os.path.join(top, d)):
            for f in files:
                if not f.endswith((".c", ".h")):
                    continue
                path = os.path.join(root, f)
                with open(path, errors="replace") as fh:
                    for i, line in enumerate(fh, 1):
                        if pattern.search(line):
                            found.append("%s:%d" % (os.path.relpath(path, top), i))
    return found


def main():
    args = sys.argv[1:]
    report = "--report" in args
    args = [a for a in args if a != "--report"]
    if len(args) != 1 or not os.path.isdir(args[0]):
        sys.stderr.write(__doc__)
        return 2
    build = args[0]
    top = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    failed = False

    graphs = target_graphs(build)
    if not graphs:
        print("check-layout: no objects under %s: build first" % build)
        return 2
    for target in sorted(graphs):
        graph = graphs[target]
        if report:
            print("%s:" % target)
            for f in sorted(graph):
                print("  %s -> %s" % (f, " ".join(sorted(graph[f])) or "-"))
        for comp in cycles(graph):
            print("call circle in %s: %s" % (target, " <-> ".join(comp)))
            failed = True
    for rel, n in long_files(top):
        print("over %d lines: %s (%d)" % (LINE_LIMIT, rel, n))
        failed = True
    for where in private_includes(top):
        print("private header of another folder: %s" % where)
        failed = True
    print("check-layout: %d targets, %s" % (len(graphs),
                                            "FAIL" if failed else "ok"))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
