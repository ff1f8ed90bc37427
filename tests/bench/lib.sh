# tests/bench/lib.sh: what the bench_*.sh scripts share (sourced, not run).
#
#   bench_nginx_start DIR FILE NAME   private nginx (nginx-light): one worker,
#                                     access log off, 127.0.0.1 on a free
#                                     port, serving FILE's bytes at /NAME;
#                                     sets NGINX_PORT and NGINX_PID
#   bench_nginx_stop                  stop it (by pid)
#   bench_wrk URL [LUA]               wrk -t2 -c50 -d10s --latency after a 3 s
#                                     warm-up, three runs; prints
#                                     "RPS P50_MS P99_MS" (median of each)
#   bench_ratio A B                   A / B with two decimals
#   bench_rss_mib PID                 "VmRSS VmHWM" of PID in MiB
#   bench_setup                       release adserverd (BIN), a throw-away
#                                     PostgreSQL and Redis in VAR (env.sh
#                                     sourced, schema migrated), the daemon's
#                                     environment exported, and an EXIT trap
#                                     that stops nginx, the daemon (DPID) and
#                                     the servers and deletes VAR
#   bench_daemon_stop                 stop the daemon started as DPID
#
# Only 127.0.0.1 is ever used; every run is bounded (wrk -d, timeouts).
# Environment: BENCH_DURATION (default 10s), BENCH_WARMUP (3s), BENCH_RUNS (3).

BENCH_DURATION=${BENCH_DURATION:-10s}
BENCH_WARMUP=${BENCH_WARMUP:-3s}
BENCH_RUNS=${BENCH_RUNS:-3}
BENCH_ROOT=${BENCH_ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd -P)}
PATH=$PATH:/usr/sbin:/sbin

bench_freeport() {
    bash "$BENCH_ROOT/scripts/freeport.sh"
}

bench_nginx_start() {
    local dir=$1 file=$2 name=$3 user_line=""
    mkdir -p "$dir/www" "$dir/tmp"
    cp "$file" "$dir/www/$name"
    NGINX_PORT=$(bench_freeport)
    # As root nginx's worker would switch to "nobody", who may not read a
    # checkout under /root: keep the worker as the invoking user.
    if [ "$(id -u)" = 0 ]; then user_line="user root;"; fi
    cat >"$dir/nginx.conf" <<CONF
$user_line
daemon off;
worker_processes 1;
pid $dir/nginx.pid;
error_log $dir/error.log warn;
events { worker_connections 1024; }
http {
    access_log off;
    client_body_temp_path $dir/tmp/body;
    proxy_temp_path $dir/tmp/proxy;
    fastcgi_temp_path $dir/tmp/fastcgi;
    uwsgi_temp_path $dir/tmp/uwsgi;
    scgi_temp_path $dir/tmp/scgi;
    keepalive_requests 1000000;
    server {
        listen 127.0.0.1:$NGINX_PORT;
        root $dir/www;
        location / { default_type application/xml; }
    }
}
CONF
    nginx -c "$dir/nginx.conf" -p "$dir" -e "$dir/error.log" &
    NGINX_PID=$!
    for _ in $(seq 100); do
        if curl -fsS -o /dev/null "http://127.0.0.1:$NGINX_PORT/$name" 2>/dev/null; then return 0; fi
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

# One wrk run's "RPS P50_MS P99_MS" from its --latency output on stdin.
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
    END { printf "%.0f %.3f %.3f %d\n", rps, p50, p99, bad + 0 }'
}

# Median of the numbers on stdin, one per line.
bench_median() {
    sort -g | awk '{ v[NR] = $1 } END { if (NR == 0) print 0; else print v[int((NR + 1) / 2)] }'
}

bench_wrk() {
    local url=$1 lua=${2:-} runs=() i out
    local -a script=()
    [ -n "$lua" ] && script=(-s "$lua")
    timeout 30 wrk -t2 -c50 -d"$BENCH_WARMUP" "${script[@]}" "$url" >/dev/null 2>&1 || true
    for i in $(seq "$BENCH_RUNS"); do
        out=$(timeout 60 wrk -t2 -c50 -d"$BENCH_DURATION" --latency "${script[@]}" "$url" 2>&1 |
              bench_parse_wrk)
        runs+=("$out")
        if [ "$(echo "$out" | awk '{print $4}')" != 0 ]; then
            echo "bench: warning: non-2xx answers in a run against $url" >&2
        fi
    done
    printf '%s\n' "${runs[@]}" | awk '{print $1}' | bench_median | tr '\n' ' '
    printf '%s\n' "${runs[@]}" | awk '{print $2}' | bench_median | tr '\n' ' '
    printf '%s\n' "${runs[@]}" | awk '{print $3}' | bench_median
}

bench_ratio() {
    awk -v a="$1" -v b="$2" 'BEGIN { if (b + 0 == 0) print "n/a"; else printf "%.2f\n", a / b }'
}

bench_rss_mib() {
    awk '/^VmRSS:/ { r = $2 } /^VmHWM:/ { h = $2 } END { printf "%.1f %.1f\n", r / 1024, h / 1024 }' \
        "/proc/$1/status"
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
    trap bench_cleanup EXIT
    bash "$BENCH_ROOT/scripts/svc.sh" start --test "$VAR" pg redis >/dev/null
    # shellcheck disable=SC1091
    . "$VAR/env.sh"
    export JWT_SECRET=bench-secret-0123456789abcdef0123456789
    export NODE_ENV=development LOG_LEVEL=warn
    export ADSERVERD_ADMIN_BIND=127.0.0.1 ADSERVERD_AD_BIND=127.0.0.1
    PORT=$(bench_freeport)
    AD_PORT=$(bench_freeport)
    export PORT AD_PORT
    "$BIN" migrate >/dev/null 2>&1
}
