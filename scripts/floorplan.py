#!/usr/bin/env python3
"""The floor plan, checked (CI runs this): no import cycle between the top-level modules of
either crate, and no function over 120 lines unless its doc says why ("Long because ...").

    python3 scripts/floorplan.py [-v]

An edge is any `crate::<module>` path in a module's files (tests included). Exit 1 on a cycle or
an unexplained long function; -v prints every edge and the longest functions.
"""
import os
import re
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CRATES = {"llmx": os.path.join(ROOT, "src"), "llmx-core": os.path.join(ROOT, "llmx-core", "src")}
LIMIT = 120


def rust_files(src):
    for dp, _, fs in os.walk(src):
        for f in sorted(fs):
            if f.endswith(".rs"):
                yield os.path.join(dp, f)


def top(src, path):
    first = os.path.relpath(path, src).split(os.sep)[0]
    return first[:-3] if first.endswith(".rs") else first


def edges(src):
    out = {}
    for p in rust_files(src):
        m = top(src, p)
        if m in ("lib", "main"):
            continue
        text = open(p, encoding="utf-8").read()
        found = set(re.findall(r"crate::(\w+)", text))
        for group in re.findall(r"use crate::\{([^;]*)\}", text, re.S):
            found |= set(re.findall(r"(?:^|[,{\s])(\w+)(?=::|\s*[,}]|$)", group))
        out.setdefault(m, set()).update(x for x in found if x not in (m, "self"))
    return out


def cycles(graph):
    """Strongly connected components of more than one module (Tarjan)."""
    index, low, stack, on, found, counter = {}, {}, [], set(), [], [0]

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in graph.get(v, ()):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                found.append(sorted(comp))

    for v in sorted(set(graph) | {w for ws in graph.values() for w in ws}):
        if v not in index:
            visit(v)
    return found


def long_functions(src):
    """(lines, path, line, name, explained) of every function outside tests."""
    out = []
    for p in rust_files(src):
        if os.path.basename(p).endswith("tests.rs"):
            continue
        lines = open(p, encoding="utf-8").read().split("\n")
        for k, l in enumerate(lines):
            if l.startswith("#[cfg(test)]"):
                lines = lines[:k]
                break
        for i, l in enumerate(lines):
            m = re.match(r"\s*(pub(\([^)]*\))?\s+)?(async\s+)?(const\s+)?fn\s+(\w+)", l)
            if not m:
                continue
            depth, started, j = 0, False, i
            while j < len(lines):
                s = re.sub(r'"(\\.|[^"\\])*"', '""', lines[j])
                s = re.sub(r"'(\\.|[^'\\])'", "''", s).split("//")[0]
                for ch in s:
                    if ch == "{":
                        depth, started = depth + 1, True
                    elif ch == "}":
                        depth -= 1
                if started and depth <= 0:
                    break
                if not started and s.rstrip().endswith(";"):
                    break
                j += 1
            if not started:
                continue
            doc = []
            k = i - 1
            while k >= 0 and lines[k].strip().startswith(("///", "#[")):
                doc.append(lines[k])
                k -= 1
            explained = any("Long because" in d for d in doc)
            out.append((j - i + 1, os.path.relpath(p, ROOT), i + 1, m.group(5), explained))
    return sorted(out, reverse=True)


def main():
    verbose = "-v" in sys.argv
    bad = False
    for name, src in CRATES.items():
        graph = edges(src)
        n = sum(len(v) for v in graph.values())
        found = cycles(graph)
        print(f"{name}: {len(graph)} modules, {n} edges, {len(found)} cycle(s)")
        for c in found:
            print(f"  cycle: {' <-> '.join(c)}")
            bad = True
        if verbose:
            for m in sorted(graph):
                print(f"  {m} -> {', '.join(sorted(graph[m]))}")
        funcs = long_functions(src)
        for f in funcs[: 8 if verbose else 0]:
            print(f"  {f[0]:4d}  {f[1]}:{f[2]}  {f[3]}")
        for f in funcs:
            if f[0] > LIMIT and not f[4]:
                print(f"  {f[1]}:{f[2]} `{f[3]}` is {f[0]} lines; split it, or say why in its doc (\"Long because ...\")")
                bad = True
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
