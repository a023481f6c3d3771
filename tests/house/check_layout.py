#!/usr/bin/env python3
"""The house rules of issue #10 that a script can check (docs/architecture.md):

1. no file includes another module's internal header (src/X/internal.h,
   src/X/*_internal.h are for src/X and tests/X only, and for the fuzz
   targets, white-box tests like tests/X);
2. no two files include each other, nor any longer include cycle, in src/;
3. every library of src/*/meson.build is compiled with bc_src_args
   (src/util/banned.h first).

usage: check_layout.py SOURCE_DIR. Prints each violation as file:line: what,
exits 1 if there is one.
"""
import os
import re
import sys

INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"')


def c_files(top, sub):
    for d, _, names in os.walk(os.path.join(top, sub)):
        for n in sorted(names):
            if n.endswith(('.c', '.h')):
                yield os.path.relpath(os.path.join(d, n), top)


def includes(top, path):
    with open(os.path.join(top, path), encoding='utf-8', errors='replace') as f:
        for lineno, line in enumerate(f, 1):
            m = INCLUDE.match(line)
            if m:
                yield lineno, m.group(1)


def is_internal(header):
    base = os.path.basename(header)
    return base == 'internal.h' or base.endswith('_internal.h')


def main(top):
    bad = []
    graph = {}
    for sub in ('src', 'tools', 'tests', 'bench', 'fuzz'):
        for path in c_files(top, sub):
            parts = path.split(os.sep)
            # the module a file belongs to: src/X/..., tests/X/... -> X
            own = parts[1] if sub in ('src', 'tests') and len(parts) > 2 else None
            for lineno, inc in includes(top, path):
                if is_internal(inc) and sub != 'fuzz':
                    mod = inc.split('/')[0] if '/' in inc else own
                    if mod != own:
                        bad.append(f'{path}:{lineno}: includes {inc}, the internals of src/{mod}/')
                if sub != 'src':
                    continue
                target = inc if os.path.exists(os.path.join(top, 'src', inc)) else \
                    os.path.join(os.path.dirname(os.path.relpath(path, 'src')), inc)
                if os.path.exists(os.path.join(top, 'src', target)):
                    graph.setdefault(os.path.normpath(os.path.relpath(path, 'src')), []).append(
                        (os.path.normpath(target), lineno))

    # include cycles (a file including itself through others), by depth-first search
    state = {}

    def visit(node, stack):
        state[node] = 1
        stack.append(node)
        for nxt, lineno in graph.get(node, []):
            if state.get(nxt) == 1:
                cyc = stack[stack.index(nxt):] + [nxt]
                bad.append(f'src/{node}:{lineno}: include cycle: ' + ' -> '.join(cyc))
            elif state.get(nxt) is None:
                visit(nxt, stack)
        stack.pop()
        state[node] = 2

    for node in sorted(graph):
        if state.get(node) is None:
            visit(node, [])

    for mb in sorted(c_files_meson(top)):
        with open(os.path.join(top, mb), encoding='utf-8') as f:
            text = f.read()
        for m in re.finditer(r'static_library\(', text):
            end = text.find('dependencies', m.start())
            if 'bc_src_args' not in text[m.start():end if end > 0 else None]:
                line = text.count('\n', 0, m.start()) + 1
                bad.append(f'{mb}:{line}: static_library without c_args : bc_src_args')
    for b in bad:
        print(b)
    return 1 if bad else 0


def c_files_meson(top):
    src = os.path.join(top, 'src')
    for d in sorted(os.listdir(src)):
        p = os.path.join('src', d, 'meson.build')
        if os.path.exists(os.path.join(top, p)):
            yield p


if __name__ == '__main__':
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else '.'))
