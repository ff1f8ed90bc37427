#!/usr/bin/env bash
# scripts/layers.sh: the include checker, and the layer graph it checks.
#
#   bash scripts/layers.sh [--graph] [ROOT]
#
# Reads every `#include "..."` line of the C sources under adserverd/, lib/,
# client/, ctvctl/ and ctvtui/ of ROOT (default: the repository), maps each
# file to its folder and each folder to a rank in the table below, and fails
# (exit 1, one line per problem) on:
#   - an include from a folder into a folder of the same or a higher rank
#     (a lower layer reaching up, or two siblings of one rank leaning on each
#     other: siblings stay independent so either can change alone);
#   - an include into another program (adserverd, the client programs) other
#     than the shared lib/;
#   - a file in a folder the table does not place (a new folder must be
#     given its rank here, on purpose), or an include that names no file;
#   - a cycle between modules, a module being a file stem in its folder
#     (db/db_users.c and db/db_users.h are the module db/db_users), even
#     inside one folder: a cycle means neither side can be understood or
#     tested without the other.
# With --graph it first prints, per folder in rank order, its size (files
# and lines of .c and .h) and the folders it includes with the number of
# include lines. Tests (tests/) may include
# anything and are not read.
#
# Runs in well under a second on the tree (a few hundred files); POSIX awk
# and bash only, because a minimal Debian has no python.
set -uo pipefail

GRAPH=0
if [ "${1:-}" = --graph ]; then
    GRAPH=1
    shift
fi
ROOT=${1:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)}
cd "$ROOT" || exit 2

# THE layer table: folder, rank, program. An include may only point to a
# folder of a lower rank of the same program, or to the shared lib/.
# "adserverd" is the daemon's top: main.c, the route table, the demo seed.
# Why this order: each layer only needs what is below it. util and core are
# leaf helpers and the daemon context; db, redis, storage, vast and auth each
# wrap one outside system or format; media knows creative files and where
# players fetch them; tag follows third-party VAST tags (wrappers) to
# their InLine ad; decision builds snapshots (with media URLs) and
# chooses ads; beacon records what players report; http is the transport
# both listeners share; ad is the ad listener's handlers; admin the admin
# API, which reuses the ad listener's parameter parsing (explain) and its
# counters (metrics), so it sits above ad.
LAYERS='
lib        0 shared
util       1 adserverd
core       1 adserverd
db         2 adserverd
redis      2 adserverd
storage    2 adserverd
vast       2 adserverd
auth       2 adserverd
media      3 adserverd
tag        3 adserverd
decision   4 adserverd
beacon     5 adserverd
http       6 adserverd
ad         7 adserverd
admin      8 adserverd
adserverd  9 adserverd
client     1 client
ctvctl     2 client
ctvtui     2 client
'

# One line per include: "<file> <included name>". Files without includes
# still appear once (as "<file> -") so an unknown folder is always seen.
list_includes() {
    local d f
    for d in adserverd lib client ctvctl ctvtui; do
        [ -d "$d" ] || continue
        find "$d" -type f \( -name '*.c' -o -name '*.h' \) | LC_ALL=C sort | while read -r f; do
            echo "$f - $(wc -l <"$f")"
            sed -n 's/^[[:space:]]*#[[:space:]]*include[[:space:]]*"\([^"]*\)".*/\1/p' "$f" |
                while read -r inc; do echo "$f $inc"; done
        done
    done
}

# Resolve each include to a path the way the compiler does with -I. -Iadserverd:
# beside the including file first, then from the root, then from adserverd/.
resolve() {
    local f inc dir target_lines
    while read -r f inc target_lines; do
        if [ "$inc" = - ]; then
            echo "$f - $target_lines"
            continue
        fi
        dir=${f%/*}
        if [ -f "$dir/$inc" ]; then
            echo "$f $inc $dir/$inc"
        elif [ -f "$inc" ]; then
            echo "$f $inc $inc"
        elif [ -f "adserverd/$inc" ]; then
            echo "$f $inc adserverd/$inc"
        else
            echo "$f $inc ?"
        fi
    done
}

list_includes | resolve | awk -v graph="$GRAPH" -v layers="$LAYERS" '
function folder(path,   n, p) {
    n = split(path, p, "/")
    if (p[1] == "adserverd")
        return n == 2 ? "adserverd" : p[2]
    return p[1]
}
function module(path,   s) {
    s = path
    sub(/\.[ch]$/, "", s)
    sub(/^adserverd\//, "", s)
    return s
}
function fail(msg) { print "layers: " msg; bad++ }
# Depth-first search; colour 1 = on the stack, 2 = done.
function dfs(m,   i, n, t, list, k, cyc) {
    colour[m] = 1
    stack[++depth] = m
    n = split(succ[m], list, " ")
    for (i = 1; i <= n; i++) {
        t = list[i]
        if (t == "")
            continue
        if (colour[t] == 1) {
            # t is on the stack: the cycle is t .. m (the stack top), back to t.
            cyc = t
            for (k = depth; k >= 1 && stack[k] != t; k--)
                cyc = stack[k] " -> " cyc
            fail("cycle: " t " -> " cyc)
        } else if (colour[t] == 0) {
            dfs(t)
        }
    }
    depth--
    colour[m] = 2
}
BEGIN {
    n = split(layers, line, "\n")
    for (i = 1; i <= n; i++) {
        if (split(line[i], w, " ") != 3)
            continue
        rank[w[1]] = w[2] + 0
        prog[w[1]] = w[3]
        order[++nf] = w[1]
    }
}
{
    file = $1; inc = $2; target = $3
    ff = folder(file)
    if (!(ff in rank)) {
        if (!(ff in unknown))
            fail(file ": folder \"" ff "\" is not in the layer table of scripts/layers.sh")
        unknown[ff] = 1
        next
    }
    fm = module(file)
    mods[fm] = 1
    if (inc == "-") {
        lines[ff] += target
        files[ff]++
        next
    }
    if (target == "?") {
        fail(file ": #include \"" inc "\" names no file of the tree")
        next
    }
    tf = folder(target)
    if (!(tf in rank)) {
        fail(file ": #include \"" inc "\" is in folder \"" tf "\", not in the layer table")
        next
    }
    if (tf != ff) {
        count[ff, tf]++
        if (prog[tf] != "shared" && prog[tf] != prog[ff])
            fail(file ": #include \"" inc "\" reaches into another program (" ff " is " \
                 prog[ff] ", " tf " is " prog[tf] "; only lib/ is shared)")
        else if (rank[tf] > rank[ff])
            fail(file ": #include \"" inc "\" points up: " ff " (rank " rank[ff] \
                 ") may not include " tf " (rank " rank[tf] ")")
        else if (rank[tf] == rank[ff])
            fail(file ": #include \"" inc "\" joins siblings: " ff " and " tf \
                 " share rank " rank[ff] " and stay independent")
    }
    tm = module(target)
    if (tm != fm && !((fm, tm) in edge)) {
        edge[fm, tm] = 1
        succ[fm] = succ[fm] " " tm
    }
}
END {
    if (graph) {
        print "layer graph (folder [rank] program, files, lines: folders it includes, with include lines):"
        for (r = 0; r <= 20; r++)
            for (i = 1; i <= nf; i++) {
                f = order[i]
                if (rank[f] != r)
                    continue
                deps = ""
                for (j = 1; j <= nf; j++)
                    if ((f, order[j]) in count)
                        deps = deps " " order[j] "(" count[f, order[j]] ")"
                printf "  %-10s [%d] %-9s %3d files %6d lines:%s\n", f, r, prog[f], files[f], \
                       lines[f], deps == "" ? " -" : deps
            }
    }
    # Sorted start order keeps the reported cycle stable from run to run.
    nm = 0
    for (m in mods)
        names[++nm] = m
    for (i = 2; i <= nm; i++) {
        v = names[i]
        for (j = i - 1; j >= 1 && names[j] > v; j--)
            names[j + 1] = names[j]
        names[j + 1] = v
    }
    for (i = 1; i <= nm; i++)
        if (colour[names[i]] == 0)
            dfs(names[i])
    if (bad) {
        printf "layers: FAILED, %d problem(s) in %d modules\n", bad, nm
        exit 1
    }
    printf "layers: ok, %d modules, no include points up or sideways, no cycle\n", nm
}
'
