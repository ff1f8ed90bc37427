#!/usr/bin/env bash
# tests/bench/bench_beacons.sh: beacon intake against nginx (issue #5).
#
# A private, throw-away PostgreSQL and Redis (scripts/svc.sh) get one
# campaign and creative; the release build of adserverd takes signed
# impression beacons on 127.0.0.1 with the spool's group-commit policy
# (spool_fsync=2 ms) and then with spool_fsync=always: wrk -t2 -c50 -d10s
# --latency after a 3 s warm-up, median of 3 (lib.sh), each request the
# next of 100,000 distinct signed beacon paths (tests/bench/beacons.lua).
# Then nginx-light (one worker, access log off) answering 204 for the same
# URLs. Reports req/s, p50, p99 and the ratio; target (issue #5): ratio >=
# 0.5 with group commit. A miss is reported, never a failed command. Every
# acknowledged beacon is durable (answered after its group's fdatasync)
# and the drain keeps writing to PostgreSQL during the run. About 2 minutes.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd -P)
cd "$ROOT"
# shellcheck source=tests/bench/lib.sh
. tests/bench/lib.sh

bench_setup
export ADSERVERD_PER_IP_LIMIT=256
CAMPAIGN=00000000-0000-4000-8000-00000000c001
CREATIVE=00000000-0000-4000-8000-00000000d001
psql "$DATABASE_URL" -X -q -v ON_ERROR_STOP=1 >/dev/null <<SQL
INSERT INTO users (id, email, password_hash, name) VALUES
  ('00000000-0000-4000-8000-00000000b001', 'bench@example.com', 'x', 'Bench');
INSERT INTO campaigns (id, name, status, budget_total, start_date, end_date, created_by, pricing_model, cpm_rate)
VALUES ('$CAMPAIGN', 'bench', 'active', 9999999999, now() - interval '1 day', now() + interval '30 days',
        '00000000-0000-4000-8000-00000000b001', 'cpm', 5);
INSERT INTO creatives (id, campaign_id, name, video_url, duration, uploaded_by)
VALUES ('$CREATIVE', '$CAMPAIGN', 'bench', 'https://cdn.example.com/b.mp4', 15,
        '00000000-0000-4000-8000-00000000b001');
SQL
export BEACON_PATHS=$VAR/paths.txt
node tests/bench/beacon_paths.mjs 100000 "$CAMPAIGN" "$CREATIVE" "$JWT_SECRET" >"$BEACON_PATHS"
LUA=$ROOT/tests/bench/beacons.lua
FIRST=$(head -1 "$BEACON_PATHS")

# Start adserverd with the given fsync policy on a fresh spool; sets DPID.
start_daemon() {
    PORT=$(bench_freeport)
    AD_PORT=$(bench_freeport)
    rm -rf "$VAR/data"
    mkdir -p "$VAR/data"
    ADSERVERD_DATA_DIR=$VAR/data ADSERVERD_SPOOL_FSYNC=$1 "$BIN" >"$VAR/adserverd.log" 2>&1 &
    DPID=$!
    for _ in $(seq 200); do
        if curl -fsS -o /dev/null "http://127.0.0.1:$AD_PORT/health" 2>/dev/null; then return 0; fi
        sleep 0.05
    done
    echo "bench: adserverd did not start (see $VAR/adserverd.log)" >&2
    return 1
}

metric() {
    curl -fsS "http://127.0.0.1:$PORT/metrics" | awk -v n="$1" '$1 == n { print $2 }'
}

start_daemon "${BENCH_SPOOL_FSYNC:-2}"
code=$(curl -g -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$AD_PORT$FIRST")
[ "$code" = 204 ] || { echo "bench: a signed beacon got $code, not 204" >&2; exit 1; }
read -r G_RPS G_P50 G_P99 <<<"$(bench_wrk "http://127.0.0.1:$AD_PORT" "$LUA")"
G_SYNCS=$(metric adserverd_spool_fsyncs_total)
G_APPENDED=$(metric adserverd_spool_appended_total)
bench_daemon_stop

start_daemon always
read -r A_RPS A_P50 A_P99 <<<"$(bench_wrk "http://127.0.0.1:$AD_PORT" "$LUA")"
bench_daemon_stop

# nginx: 204 for every /t/ URL, the same paths
NGINX_PORT=$(bench_freeport)
mkdir -p "$VAR/nginx/tmp"
cat >"$VAR/nginx/nginx.conf" <<CONF
$( [ "$(id -u)" = 0 ] && echo "user root;" )
daemon off;
worker_processes 1;
pid $VAR/nginx/nginx.pid;
error_log $VAR/nginx/error.log warn;
events { worker_connections 1024; }
http {
    access_log off;
    client_body_temp_path $VAR/nginx/tmp/body;
    proxy_temp_path $VAR/nginx/tmp/proxy;
    fastcgi_temp_path $VAR/nginx/tmp/fastcgi;
    uwsgi_temp_path $VAR/nginx/tmp/uwsgi;
    scgi_temp_path $VAR/nginx/tmp/scgi;
    keepalive_requests 1000000;
    server {
        listen 127.0.0.1:$NGINX_PORT;
        location /t/ { return 204; }
    }
}
CONF
nginx -c "$VAR/nginx/nginx.conf" -p "$VAR/nginx" -e "$VAR/nginx/error.log" &
NGINX_PID=$!
for _ in $(seq 100); do
    if curl -g -fsS -o /dev/null "http://127.0.0.1:$NGINX_PORT$FIRST" 2>/dev/null; then break; fi
    sleep 0.05
done
read -r N_RPS N_P50 N_P99 <<<"$(bench_wrk "http://127.0.0.1:$NGINX_PORT" "$LUA")"
bench_nginx_stop

RATIO=$(bench_ratio "$G_RPS" "$N_RPS")
RATIO_A=$(bench_ratio "$A_RPS" "$N_RPS")
printf 'signed impression beacons, wrk -t2 -c50 -d%s, median of %s (req/s, p50 ms, p99 ms)\n' \
    "$BENCH_DURATION" "$BENCH_RUNS"
printf '  adserverd group commit %-3s   %8s  %7s  %7s  ratio %s (target >= 0.5)\n' \
    "${BENCH_SPOOL_FSYNC:-2}ms" "$G_RPS" "$G_P50" "$G_P99" "$RATIO"
printf '  adserverd fsync always       %8s  %7s  %7s  ratio %s\n' "$A_RPS" "$A_P50" "$A_P99" "$RATIO_A"
printf '  nginx 204                    %8s  %7s  %7s\n' "$N_RPS" "$N_P50" "$N_P99"
printf '  group commit: %s records in %s fdatasync calls\n' "$G_APPENDED" "$G_SYNCS"
if awk -v r="$RATIO" 'BEGIN { exit !(r + 0 >= 0.5) }'; then
    echo "  target met"
else
    echo "  target missed: ratio $RATIO < 0.5"
fi
