# shellcheck shell=bash
# tests/bench/lib.sh: what tests/bench/bench.sh uses (sourced, not run).
#
#   bench_setup                       release adserverd (BIN), a throw-away
#                                     PostgreSQL and Redis in VAR (env.sh
#                                     sourced, schema migrated), the daemon's
#                                     environment exported, and an EXIT trap
#                                     that stops nginx, the daemon (DPID) and
#                                     the servers and deletes VAR
#   bench_nginx_start DIR             private nginx (nginx-light): one worker,
#                                     access log off, 127.0.0.1 on a free
#                                     port, serving DIR/www/* as they are and
#                                     `return 204` under /t/; sets NGINX_PORT
#                                     and NGINX_PID
#   bench_nginx_stop                  stop it (by pid)
#   bench_wrk CONNS URL [LUA]         one wrk -t2 -cCONNS -d$BENCH_SECONDS
#                                     --latency run after a $BENCH_WARMUP
#                                     warm-up; prints "RPS P50_MS P99_MS
#                                     NON2XX SOCKET_ERRORS DETAIL"
#   bench_settle URL                  wait until the server closed the
#                                     previous run's connections
#   bench_ratio A B                   A / B with two decimals
#   bench_rss_mib PID                 "VmRSS VmHWM" of PID in MiB
#   bench_daemon_start LOG [ENV=V..]  start $BIN (with extra env and the
#                                     arguments in the DAEMON_ARGS array) on
#                                     fresh ports and wait for the ad
#                                     listener; sets DPID, PORT and AD_PORT
#   bench_daemon_stop                 stop the daemon started as DPID
#
# Only 127.0.0.1 is ever used; every run is bounded (wrk -d, timeouts).
# Environment: BENCH_SECONDS (default 5), BENCH_WARMUP (default 1, seconds).

BENCH_SECONDS=${BENCH_SECONDS:-5}
BENCH_WARMUP=${BENCH_WARMUP:-1}
BENCH_ROOT=${BENCH_ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd -P)}
PATH=$PATH:/usr/sbin:/sbin

bench_freeport() {
    bash "$BENCH_ROOT/scripts/freeport.sh"
}

bench_nginx_start() {
    local dir=$1 user_line=""
    mkdir -p "$dir/www" "$dir/tmp"
    NGINX_PORT=$(bench_freeport)
    # As root nginx's worker would switch to "nobody", who may not read a
    # checkout under /root: keep the worker as the invoking user.
    if [ "$(id -u)" = 0 ]; then user_line="user root;"; fi
    # worker_connections above the 1,000-connection beacon run; the
    # descriptors come from the invoking shell's limit (raised by bench.sh).
    cat >"$dir/nginx.conf" <<CONF
$user_line
daemon off;
worker_processes 1;
pid $dir/nginx.pid;
error_log $dir/error.log warn;
events { worker_connections 4096; }
http {
    access_log off;
    client_body_temp_path $dir/tmp/body;
    proxy_temp_path $dir/tmp/proxy;
    fastcgi_temp_path $dir/tmp/fastcgi;
    uwsgi_temp_path $dir/tmp/uwsgi;
    scgi_temp_path $dir/tmp/scgi;
    keepalive_requests 1000000;
    server {
        listen 127.0.0.1:$NGINX_PORT backlog=4096;
        root $dir/www;
        location / { default_type application/xml; }
        location /t/ { return 204; }
    }
}
CONF
    nginx -c "$dir/nginx.conf" -p "$dir" -e "$dir/error.log" &
    NGINX_PID=$!
    for _ in $(seq 100); do
        if curl -s -o /dev/null "http://127.0.0.1:$NGINX_PORT/t/x" 2>/dev/null; then return 0; fi
        sleep 0.05
    done
    echo "bench: nginx did not start (see $dir/error.log)" >&2
    return 1
}

bench_nginx_stop() {
    if [ -n "${NGINX_PID:-}" ]; then
        kill "$NGINX_PID" 2>/dev/null || true
        wait "$NGINX_PID" 2>/dev/null || true
        NGINX_PID=
    fi
}

# One wrk run's "RPS P50_MS P99_MS NON2XX SOCKET_ERRORS DETAIL" from its --latency output on stdin.
bench_parse_wrk() {
    awk '
    function ms(v) {
        if (v ~ /us$/) { sub(/us$/, "", v); return v / 1000 }
        if (v ~ /ms$/) { sub(/ms$/, "", v); return v + 0 }
        if (v ~ /s$/)  { sub(/s$/, "", v);  return v * 1000 }
        return v + 0
    }
    /^ *50%/ { p50 = ms($2) }
    /^ *99%/ { p99 = ms($2) }
    /^Requests\/sec:/ { rps = $2 }
    /Non-2xx or 3xx responses:/ { bad = $NF }
    /Socket errors:/ {
        # "Socket errors: connect 0, read 0, write 0, timeout 0"
        gsub(/,/, ""); serr = $4 + $6 + $8 + $10
        detail = "connect=" $4 ",read=" $6 ",write=" $8 ",timeout=" $10
    }
    END { printf "%.0f %.3f %.3f %d %d %s\n", rps, p50, p99, bad + 0, serr + 0, detail == "" ? "-" : detail }'
}

# Wait (at most 5 s) until the server behind URL closed the connections of
# the previous wrk: until then they count against its per-address limit,
# and wrk's new connections would be refused and counted as socket errors.
bench_settle() {
    local hostport=${1#http://} port
    hostport=${hostport%%/*}
    port=${hostport##*:}
    if ! command -v ss >/dev/null; then
        sleep 1
        return 0
    fi
    for _ in $(seq 100); do
        [ "$(ss -Htn state close-wait "( sport = :$port )" 2>/dev/null | wc -l)" = 0 ] && return 0
        sleep 0.05
    done
}

bench_wrk() {
    local conns=$1 url=$2 lua=${3:-} threads=2
    local -a script=()
    [ -n "$lua" ] && script=(-s "$lua")
    [ "$conns" -lt 2 ] && threads=1
    bench_settle "$url"
    timeout $((BENCH_WARMUP + 20)) wrk -t$threads -c"$conns" -d"${BENCH_WARMUP}s" "${script[@]}" "$url" \
        >/dev/null 2>&1 || true
    bench_settle "$url"
    timeout $((BENCH_SECONDS + 30)) wrk -t$threads -c"$conns" -d"${BENCH_SECONDS}s" --timeout 5s \
        --latency "${script[@]}" "$url" 2>&1 | bench_parse_wrk
}

bench_ratio() {
    awk -v a="$1" -v b="$2" 'BEGIN { if (b + 0 == 0) print "n/a"; else printf "%.2f\n", a / b }'
}

bench_rss_mib() {
    awk '/^VmRSS:/ { r = $2 } /^VmHWM:/ { h = $2 } END { printf "%.1f %.1f\n", r / 1024, h / 1024 }' \
        "/proc/$1/status"
}

bench_daemon_start() {
    local log=$1
    shift
    PORT=$(bench_freeport)
    AD_PORT=$(bench_freeport)
    export PORT AD_PORT
    env "$@" "$BIN" "${DAEMON_ARGS[@]}" >"$log" 2>&1 &
    DPID=$!
    for _ in $(seq 600); do
        if curl -fsS -o /dev/null "http://127.0.0.1:$AD_PORT/health" 2>/dev/null; then return 0; fi
        if ! kill -0 "$DPID" 2>/dev/null; then break; fi
        sleep 0.05
    done
    echo "bench: adserverd did not start (see $log)" >&2
    tail -5 "$log" >&2
    return 1
}

bench_daemon_stop() {
    if [ -n "${DPID:-}" ]; then
        kill "$DPID" 2>/dev/null || true
        wait "$DPID" 2>/dev/null || true
        DPID=
    fi
}

bench_cleanup() {
    bench_nginx_stop
    bench_daemon_stop
    bash "$BENCH_ROOT/scripts/svc.sh" clean "$VAR" >/dev/null 2>&1 || true
    rm -rf "$VAR"
}

bench_setup() {
    make -C "$BENCH_ROOT" --no-print-directory BUILD=release build/release/bin/adserverd >/dev/null
    BIN=$BENCH_ROOT/build/release/bin/adserverd
    VAR=$(mktemp -d "$BENCH_ROOT/build/bench-var.XXXXXX")
    DPID=
    NGINX_PID=
    DAEMON_ARGS=()
    trap bench_cleanup EXIT
    bash "$BENCH_ROOT/scripts/svc.sh" start --test "$VAR" pg redis >/dev/null
    # shellcheck disable=SC1091
    . "$VAR/env.sh"
    export JWT_SECRET=bench-secret-0123456789abcdef0123456789
    export NODE_ENV=development
    export ADSERVERD_ADMIN_BIND=127.0.0.1 ADSERVERD_AD_BIND=127.0.0.1
    PORT=$(bench_freeport)
    AD_PORT=$(bench_freeport)
    export PORT AD_PORT
    "$BIN" migrate >/dev/null 2>&1
}
