#!/usr/bin/env bash
# scripts/freeport.sh [COUNT] — print COUNT (default 1) distinct TCP ports that
# nothing listens on at 127.0.0.1 right now, one per line.
#
# Ports are drawn at random from 20000..32767, below Linux's default
# ephemeral range (32768..60999), so outgoing connections do not grab them
# between the probe and the bind (FREEPORT_MIN/FREEPORT_MAX change the range;
# FREEPORT_EXCLUDE="p1 p2" skips ports). A port is "free" when `ss` shows no
# listener on it (any address) and a connect to 127.0.0.1 is refused.
# This is only a hint: the caller binds it and must retry with another port
# when the bind fails (scripts/svc.sh does).
set -euo pipefail

count=${1:-1}
lo=${FREEPORT_MIN:-20000}
hi=${FREEPORT_MAX:-32767}

in_use() {
    local p=$1
    if command -v ss >/dev/null 2>&1; then
        [ -n "$(ss -Htln "sport = :$p" 2>/dev/null)" ] && return 0
    fi
    # Anything that accepts a connection is in use.
    (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null && return 0
    return 1
}

declare -A given=()
for p in ${FREEPORT_EXCLUDE:-}; do given[$p]=1; done
out=0
tries=0
while [ "$out" -lt "$count" ]; do
    tries=$((tries + 1))
    if [ "$tries" -gt 500 ]; then
        echo "freeport: no free port found in $lo..$hi" >&2
        exit 1
    fi
    p=$(( lo + ( (RANDOM << 15 | RANDOM) % (hi - lo + 1) ) ))
    [ -n "${given[$p]:-}" ] && continue
    in_use "$p" && continue
    given[$p]=1
    echo "$p"
    out=$((out + 1))
done
