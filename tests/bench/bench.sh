#!/usr/bin/env bash
# tests/bench/bench.sh: `make bench`, the whole benchmark matrix in one run,
# one table, against nginx-light serving the same bytes.
#
# What it does, on 127.0.0.1 only, with the release build and the daemon's
# production defaults (no limit is raised for the daemon; wrk's own
# descriptor limit is raised for the 1,000-connection runs):
#   1. A private, throw-away PostgreSQL and Redis (scripts/svc.sh).
#   2. For catalogs of 10, 1,000 and 10,000 active campaigns, loaded with
#      SQL in seconds, each once with targeting rules that a few hundred
#      campaigns match ("few": 300 of them; at 10 campaigns that is all,
#      so that variant is skipped) and once where every campaign matches
#      ("all"): a fresh daemon; single-ad VAST, 4-ad pod and VMAP uncapped,
#      then a frequency cap on every campaign and the same three capped
#      (a fresh IFA per request, so each makes its one Redis reservation);
#      VmRSS/VmHWM of the daemon. nginx serves the very documents the
#      daemon answered, fetched first and written to files.
#   3. At 10,000 campaigns: a perf profile of the single-ad VAST path (when
#      perf works), and catalog rebuilds forced by NOTIFY every 300 ms while
#      wrk runs, with their build times from the daemon's debug log
#      (switched on by SIGHUP for that phase only) and the serving p99.
#   4. Beacons: signed impression beacons with group commit (the default
#      spool_fsync) at 50 and 1,000 connections and with interval:1000 at
#      50, against nginx answering 204.
# One wrk -t2 run of BENCH_SECONDS (default 5) per cell after a BENCH_WARMUP
# (default 1 s) warm-up, not a median: about 8-10 minutes on an idle 2-core
# machine. The targets get one MET/MISSED line each; a miss never fails the
# command. It exits non-zero only when something is broken: a server that
# does not start or dies, a non-2xx answer, a document without ads.
set -uo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd -P)
cd "$ROOT" || exit 1
# shellcheck source=tests/bench/lib.sh
. tests/bench/lib.sh

T0=$(date +%s)
CATALOGS=${BENCH_CATALOGS:-"10 1000 10000"}
BIG=${BENCH_BIG_CONNS:-1000}
FEW=300
BROKEN=0
broken() {
    echo "bench: BROKEN: $*" >&2
    BROKEN=1
}
die() {
    echo "bench: $*" >&2
    exit 1
}

for tool in wrk nginx curl psql redis-cli node; do
    command -v "$tool" >/dev/null || die "$tool is missing (scripts/deps.sh installs it)"
done
# wrk at 1,000 connections needs more descriptors than a default shell has
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true

bench_setup || die "set-up failed"
export ADSERVERD_DATA_DIR=$VAR/data ADSERVERD_CATALOG_REFRESH_S=3600
mkdir -p "$VAR/data"
# log_level comes from a file so that SIGHUP can switch it (env would win over the file)
echo "log_level = info" >"$VAR/adserverd.conf"
DAEMON_ARGS=(-c "$VAR/adserverd.conf")
unset LOG_LEVEL

OWNER=00000000-0000-4000-8000-00000000b001
psql "$DATABASE_URL" -X -q -v ON_ERROR_STOP=1 >/dev/null <<SQL || die "cannot create the bench user"
INSERT INTO users (id, email, password_hash, name, role, status)
VALUES ('$OWNER', 'bench@example.com', 'x', 'Bench', 'advertiser', 'active');
INSERT INTO iab_category_exclusions VALUES ('IAB2', 'IAB2'), ('IAB7', 'IAB8');
SQL

# load_catalog N MATCH: replace every campaign by N active ones. MATCH few:
# campaigns 1..300 target the bench request, the others other countries,
# devices and OSes; all: every campaign's rules match the request.
load_catalog() {
    local n=$1 match=$2 few
    if [ "$match" = few ]; then few=$FEW; else few=$n; fi
    psql "$DATABASE_URL" -X -q -v ON_ERROR_STOP=1 -v n="$n" -v few="$few" -v owner="$OWNER" \
        >/dev/null <<'SQL'
BEGIN;
DELETE FROM campaigns WHERE created_by = :'owner';
INSERT INTO campaigns (id, name, status, budget_total, budget_spent, start_date, end_date, created_by,
                       pricing_model, cpm_rate)
SELECT md5('c' || i)::uuid, 'Bench campaign ' || i, 'draft', 100000, 0, now() - interval '1 day',
       now() + interval '30 days', :'owner', 'cpm', 5 + i % 20
FROM generate_series(1, :n) AS i;
INSERT INTO creatives (id, campaign_id, name, video_url, duration, width, height, format, status, uploaded_by)
SELECT md5('cr' || i || '-' || k)::uuid, md5('c' || i)::uuid, 'Bench creative ' || i || '-' || k,
       'https://cdn.example.com/bench/' || i || '-' || k || '.mp4', (ARRAY[15, 30, 15, 20])[1 + (i + k) % 4],
       1920, 1080, 'mp4', 'active', :'owner'
FROM generate_series(1, :n) AS i, generate_series(1, 1 + i % 3) AS k;
INSERT INTO campaign_serving (campaign_id, priority, weight, pacing_mode, time_zone, advertiser_domain,
                              iab_categories, click_through_url)
SELECT md5('c' || i)::uuid, 1 + i % 10, 1 + (i * 37) % 1000, (ARRAY['even', 'asap'])[1 + i % 2],
       (ARRAY['UTC', 'America/New_York', 'Europe/Paris', 'Asia/Tokyo'])[1 + i % 4],
       'adv' || (i % 300) || '.example.com', ARRAY['IAB' || (1 + i % 26)],
       'https://adv' || (i % 300) || '.example.com/landing?ifa=[IFA]&cb=[CACHEBUSTING]'
FROM generate_series(1, :n) AS i;
INSERT INTO campaign_targeting (campaign_id, countries, device_types, os, content_genres, dayparts)
SELECT md5('c' || i)::uuid,
       CASE WHEN i <= :few THEN (ARRAY['{US}', '{US,CA}', '{}'])[1 + i % 3]
            ELSE (ARRAY['{GB,FR}', '{DE}', '{CA,MX}', '{JP}'])[1 + i % 4] END::text[],
       CASE WHEN i <= :few THEN (ARRAY['{ctv}', '{ctv,stb}'])[1 + i % 2]
            ELSE (ARRAY['{ctv}', '{ctv,stb}', '{mobile}'])[1 + i % 3] END::text[],
       CASE WHEN i <= :few THEN (ARRAY['{roku,tvos}', '{}', '{roku}'])[1 + i % 3]
            ELSE (ARRAY['{roku,tvos}', '{}', '{tizen}', '{android}'])[1 + i % 4] END::text[],
       CASE WHEN i <= :few THEN (ARRAY['{}', '{sports}', '{sports,news}'])[1 + i % 3]
            ELSE (ARRAY['{}', '{news,drama}', '{sports}'])[1 + i % 3] END::text[],
       '{0,0,0,0,0,0,0}'::int[]
FROM generate_series(1, :n) AS i;
UPDATE campaigns SET status = 'active' WHERE created_by = :'owner';
COMMIT;
SQL
}

cap_catalog() {
    psql "$DATABASE_URL" -X -q -v ON_ERROR_STOP=1 -v owner="$OWNER" >/dev/null <<'SQL'
INSERT INTO campaign_caps (campaign_id, per_hour, per_day, per_week)
SELECT id, 1000, 10000, 100000 FROM campaigns WHERE created_by = :'owner';
SQL
}

matching() {
    psql "$DATABASE_URL" -XAtq -c "
      SELECT count(*) FROM campaign_targeting t JOIN campaigns c ON c.id = t.campaign_id
      WHERE c.created_by = '$OWNER' AND (t.countries = '{}' OR 'US' = ANY(t.countries))
        AND (t.device_types = '{}' OR 'ctv' = ANY(t.device_types))
        AND (t.os = '{}' OR 'roku' = ANY(t.os))
        AND (t.content_genres = '{}' OR 'sports' = ANY(t.content_genres))"
}

evalsha_calls() {
    redis-cli -u "$REDIS_URL" INFO commandstats |
        sed -n 's/^cmdstat_evalsha:calls=\([0-9]*\).*/\1/p' | awk '{ print $1 + 0 } END { if (NR == 0) print 0 }'
}

alive() {
    kill -0 "$DPID" 2>/dev/null || { broken "adserverd died (see $1)"; return 1; }
}

Q="country=US&device_type=ctv&os=roku&content_genre=sports&app_bundle=com.example.tv&ua=Roku%2F9&ip=203.0.113.7"
declare -A PATHQ=(
    [single]="/vast?$Q"
    [pod]="/vast?$Q&pod_max_ads=4&pod_duration=120"
    [vmap]="/vmap?$Q&pod_max_ads=2&midrolls=600,1200&content_duration=1800"
)
FIXED_IFA="&ifa=6D92078A-8246-4BA4-AE5B-76104861E7DC"
cat >"$VAR/ifa.lua" <<'LUA'
-- a fresh IFA per request, so each capped decision makes its reservation
local n = 0
request = function()
  n = n + 1
  local ifa = string.format("%08x-0000-4000-8000-%012x", math.random(0, 0x7fffffff), n)
  return wrk.format("GET", wrk.path .. "&ifa=" .. ifa)
end
LUA

declare -A R          # R[key] = "rps p50 p99 non2xx sockerr"
declare -A DOC        # DOC[key] = file nginx serves for that row
declare -A RSS        # RSS[n/match] = "rss hwm"
declare -A MATCHED    # MATCHED[n/match] = campaigns the request matches

# run_cell KEY CONNS URL [LUA]: one wrk run into R[KEY]; status and liveness checked
run_cell() {
    local key=$1 conns=$2 url=$3 lua=${4:-} out
    out=$(bench_wrk "$conns" "$url" "$lua")
    R[$key]=$out
    read -r _ _ _ bad serr detail <<<"$out"
    if [ "${bad:-0}" != 0 ]; then broken "$key: $bad non-2xx answers"; fi
    if [ "${serr:-0}" != 0 ]; then echo "bench: $key: $serr socket errors ($detail)" >&2; fi
}

echo "bench: release build, defaults; wrk -t2, one ${BENCH_SECONDS} s run per cell after a ${BENCH_WARMUP} s warm-up (not a median); 127.0.0.1; $(nproc) cores" >&2
for n in $CATALOGS; do
    for match in few all; do
        if [ "$match" = few ] && [ "$n" -le "$FEW" ]; then continue; fi
        t=$(date +%s)
        load_catalog "$n" "$match" || die "catalog $n/$match did not load"
        MATCHED[$n/$match]=$(matching)
        echo "bench: catalog $n/$match loaded in $(( $(date +%s) - t )) s (${MATCHED[$n/$match]} match)" >&2
        log=$VAR/adserverd-$n-$match.log
        bench_daemon_start "$log" || die "adserverd did not start"
        AD=http://127.0.0.1:$AD_PORT
        # the first snapshot is built on the catalog thread: wait for a fill
        for _ in $(seq 600); do
            if curl -fsS -D "$VAR/h" -o /dev/null "$AD${PATHQ[single]}$FIXED_IFA" 2>/dev/null &&
                ! grep -qi '^x-adserverd-no-fill' "$VAR/h"; then break; fi
            sleep 0.1
        done
        for s in single pod vmap; do
            f=$VAR/nginx/www/$s-$n-$match.xml
            mkdir -p "$VAR/nginx/www"
            curl -fsS "$AD${PATHQ[$s]}$FIXED_IFA" -o "$f" || broken "$s at $n/$match: fetch failed"
            grep -q '<Ad ' "$f" || broken "$s at $n/$match: no ad in the document"
            DOC[$s/$n/$match]=$f
        done
        for s in single pod vmap; do
            run_cell "$s/$n/$match/uncapped" 50 "$AD${PATHQ[$s]}$FIXED_IFA"
            alive "$log" || break
        done
        if [ "$n" = 10000 ] && [ "$match" = few ] && alive "$log"; then
            if perf stat -e instructions true >/dev/null 2>&1; then
                (bench_wrk 50 "$AD${PATHQ[single]}$FIXED_IFA" >/dev/null) &
                wpid=$!
                sleep "$BENCH_WARMUP"
                timeout 30 perf record -q -g -p "$DPID" -o "$VAR/perf.data" -- sleep 5 >/dev/null 2>&1 ||
                    echo "bench: perf record failed" >&2
                wait "$wpid" 2>/dev/null || true
                perf report -i "$VAR/perf.data" --stdio --no-children -g none --sort symbol 2>/dev/null |
                    grep -E '^ +[0-9.]+%' | sed -E 's/( +-)+ *$//' | head -15 >"$VAR/profile.txt"
            else
                echo "(perf does not work here: perf stat -e instructions true failed)" >"$VAR/profile.txt"
            fi
        fi
        if [ "$n" = 10000 ] && [ "$match" = all ] && alive "$log"; then
            # rebuilds under load: debug log on (SIGHUP), NOTIFY every 300 ms while wrk runs
            echo "log_level = debug" >"$VAR/adserverd.conf"
            kill -HUP "$DPID"
            sleep 0.5
            before=$(grep -c '"catalog published"' "$log" || true)
            ( for _ in $(seq $(( (BENCH_SECONDS + BENCH_WARMUP) * 10 / 3 ))); do
                  echo "SELECT pg_notify('adserverd_catalog', 'bench');"
                  sleep 0.3
              done ) | psql "$DATABASE_URL" -X -q >/dev/null &
            npid=$!
            run_cell "rebuild/$n/$match" 50 "$AD${PATHQ[single]}$FIXED_IFA"
            wait "$npid" 2>/dev/null || true
            sleep 1
            REBUILDS=$(sed -n "$((before + 1)),\$p" <(grep '"catalog published"' "$log") |
                       grep -o '"ms":"\?[0-9]*' | grep -o '[0-9]*$' | sort -n)
            echo "log_level = info" >"$VAR/adserverd.conf"
            kill -HUP "$DPID"
        fi
        cap_catalog || die "caps did not load"
        # the snapshot with caps is live once a decision makes a Redis call
        c0=$(evalsha_calls)
        for _ in $(seq 300); do
            curl -fsS -o /dev/null "$AD${PATHQ[single]}&ifa=00000000-0000-4000-8000-$(printf %012d $RANDOM)" || true
            [ "$(evalsha_calls)" -gt "$c0" ] && break
            sleep 0.1
        done
        [ "$(evalsha_calls)" -gt "$c0" ] || broken "caps at $n/$match never reached the snapshot"
        for s in single pod vmap; do
            run_cell "$s/$n/$match/capped" 50 "$AD${PATHQ[$s]}" "$VAR/ifa.lua"
            alive "$log" || break
        done
        curl -fsS "$AD${PATHQ[single]}&ifa=11111111-0000-4000-8000-000000000001" -o "$VAR/capped.xml"
        grep -q '<Ad ' "$VAR/capped.xml" || broken "capped single at $n/$match: no ad"
        alive "$log" && RSS[$n/$match]=$(bench_rss_mib "$DPID")
        bench_daemon_stop
    done
done

# ---- beacons ---------------------------------------------------------------
CAMPAIGN=$(psql "$DATABASE_URL" -XAtq -c "SELECT md5('c1')::uuid")
CREATIVE=$(psql "$DATABASE_URL" -XAtq -c "SELECT md5('cr1-1')::uuid")
export BEACON_PATHS=$VAR/paths.txt
node tests/bench/beacon_paths.mjs 200000 "$CAMPAIGN" "$CREATIVE" "$JWT_SECRET" >"$BEACON_PATHS" ||
    die "cannot make beacon paths"
LUA=$ROOT/tests/bench/beacons.lua
FIRST=$(head -1 "$BEACON_PATHS")
PER_IP=$("$BIN" "${DAEMON_ARGS[@]}" check-config 2>/dev/null | awk -F' *= *' '$1 == "per_ip_limit" { print $2 }')
BIGC=$BIG
if [ -n "$PER_IP" ] && [ "$PER_IP" -lt "$BIG" ]; then
    BIGC=$PER_IP
    echo "bench: the daemon's per-address connection limit is $PER_IP (default): the $BIG-connection beacon cells run with $BIGC" >&2
fi
for mode in group interval; do
    if [ "$mode" = group ]; then env=(); else env=(ADSERVERD_SPOOL_FSYNC=interval:1000); fi
    rm -rf "$VAR/data"
    mkdir -p "$VAR/data"
    log=$VAR/adserverd-beacons-$mode.log
    bench_daemon_start "$log" "${env[@]}" || die "adserverd did not start"
    code=$(curl -g -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$AD_PORT$FIRST")
    [ "$code" = 204 ] || broken "a signed beacon got $code, not 204"
    run_cell "beacon/$mode/50" 50 "http://127.0.0.1:$AD_PORT" "$LUA"
    if [ "$mode" = group ]; then
        run_cell "beacon/$mode/$BIG" "$BIGC" "http://127.0.0.1:$AD_PORT" "$LUA"
    fi
    alive "$log"
    curl -fsS "http://127.0.0.1:$PORT/metrics" >"$VAR/metrics-$mode.txt" || true
    bench_daemon_stop
done

# ---- nginx: the same documents, and 204 for beacons ------------------------
bench_nginx_start "$VAR/nginx" || die "nginx did not start"
NG=http://127.0.0.1:$NGINX_PORT
for key in "${!DOC[@]}"; do
    run_cell "nginx/$key" 50 "$NG/$(basename "${DOC[$key]}")"
done
run_cell "nginx/beacon/50" 50 "$NG" "$LUA"
run_cell "nginx/beacon/$BIG" "$BIGC" "$NG" "$LUA"
bench_nginx_stop

# ---- the table -------------------------------------------------------------
field() { awk -v i="$2" '{ print $i }' <<<"${R[$1]:-}"; }
printf '\n%-14s %7s %5s %8s %5s %10s %8s %8s %10s %6s\n' scenario catalog match caps conns \
    "adsrv r/s" "p50 ms" "p99 ms" "nginx r/s" ratio
row() { # row LABEL CATALOG MATCH CAPS CONNS KEY NGINXKEY
    local a=$6 g=$7
    printf '%-14s %7s %5s %8s %5s %10s %8s %8s %10s %6s\n' "$1" "$2" "$3" "$4" "$5" \
        "$(field "$a" 1)" "$(field "$a" 2)" "$(field "$a" 3)" "$(field "$g" 1)" \
        "$(bench_ratio "$(field "$a" 1)" "$(field "$g" 1)")"
}
for n in $CATALOGS; do
    for match in few all; do
        [ -n "${MATCHED[$n/$match]:-}" ] || continue
        for caps in uncapped capped; do
            for s in single pod vmap; do
                label=$s; [ "$s" = single ] && label="vast single"; [ "$s" = pod ] && label="vast pod 4"
                row "$label" "$n" "$match" "$caps" 50 "$s/$n/$match/$caps" "nginx/$s/$n/$match"
            done
        done
    done
done
row "beacon group" - - - 50 beacon/group/50 nginx/beacon/50
row "beacon group" - - - "$BIGC" "beacon/group/$BIG" "nginx/beacon/$BIG"
row "beacon intvl" - - - 50 beacon/interval/50 nginx/beacon/50
echo "(match: campaigns the request matches: $(for k in "${!MATCHED[@]}"; do printf '%s=%s ' "$k" "${MATCHED[$k]}"; done | tr ' ' '\n' | sort -t/ -n | tr '\n' ' ')"
echo "(beacon: signed impressions, spool_fsync default (group commit) or interval:1000; nginx: return 204)"

echo
echo "RSS of the daemon after its uncapped and capped runs (VmRSS / VmHWM, MiB):"
for n in $CATALOGS; do
    for match in few all; do
        [ -n "${RSS[$n/$match]:-}" ] || continue
        read -r r h <<<"${RSS[$n/$match]}"
        printf '  %6s campaigns, match %-4s %7s / %7s\n' "$n" "$match" "$r" "$h"
    done
done

REB_N=$(printf '%s\n' ${REBUILDS:-} | grep -c . || true)
REB_MAX=$(printf '%s\n' ${REBUILDS:-} | tail -1)
REB_MED=$(printf '%s\n' ${REBUILDS:-} | awk '{ v[NR] = $1 } END { if (NR) print v[int((NR + 1) / 2)] }')
echo
if [ -n "${R[rebuild/10000/all]:-}" ]; then
    echo "catalog rebuild at 10,000 campaigns (NOTIFY every 300 ms under wrk -c50 single VAST):"
    echo "  $REB_N rebuilds, build time median ${REB_MED:-?} ms, max ${REB_MAX:-?} ms;" \
         "serving p99 $(field rebuild/10000/all 3) ms during, $(field single/10000/all/uncapped 3) ms without"
fi

echo
echo "profile of the single-ad VAST path at 10,000 campaigns (perf record -g, 5 s, self time, top 15):"
if [ -s "$VAR/profile.txt" ]; then sed 's/^/  /' "$VAR/profile.txt"; else echo "  (not run)"; fi

# ---- targets ---------------------------------------------------------------
verdict() { if awk "BEGIN { exit !($1) }"; then echo MET; else echo MISSED; fi; }
num() { local v; v=$(field "$1" "$2"); echo "${v:-0}"; }
echo
echo "targets:"
if [ -n "${R[single/10000/few/uncapped]:-}" ]; then
    for match in few all; do
        a=$(num "single/10000/$match/uncapped" 1); p=$(num "single/10000/$match/uncapped" 3)
        g=$(num "nginx/single/10000/$match" 1); r=$(bench_ratio "$a" "$g")
        echo "  $(verdict "$r + 0 >= 0.6 && $p <= 5") single-ad VAST at 10,000 ($match) >= 0.6x nginx and p99 <= 5 ms at 50 conns: ratio $r, p99 $p ms"
    done
    a=$(num single/10000/all/uncapped 1); b=$(num single/10/all/uncapped 1); r=$(bench_ratio "$a" "$b")
    echo "  $(verdict "$r + 0 >= 0.8") r/s at 10,000 >= 0.8x r/s at 10 (single, all match): $a vs $b = $r"
    a=$(num single/10000/few/capped 1); g=$(num nginx/single/10000/few 1); r=$(bench_ratio "$a" "$g")
    echo "  $(verdict "$r + 0 >= 0.4") capped single-ad VAST at 10,000 >= 0.4x nginx: ratio $r"
    a=$(num pod/10000/few/uncapped 1); g=$(num nginx/pod/10000/few 1); r=$(bench_ratio "$a" "$g")
    echo "  $(verdict "$r + 0 >= 0.4") 4-ad pod at 10,000 >= 0.4x nginx: ratio $r"
fi
a=$(num beacon/interval/50 1); g=$(num nginx/beacon/50 1); r=$(bench_ratio "$a" "$g")
echo "  $(verdict "$r + 0 >= 0.5") beacons, interval mode at 50 conns >= 0.5x nginx 204: ratio $r"
a=$(num "beacon/group/$BIG" 1); g=$(num "nginx/beacon/$BIG" 1); r=$(bench_ratio "$a" "$g")
echo "  $(verdict "$r + 0 >= 0.5") beacons, group commit at $BIGC conns >= 0.5x nginx 204: ratio $r"
if [ -n "${R[rebuild/10000/all]:-}" ]; then
    p=$(num rebuild/10000/all 3); p0=$(num single/10000/all/uncapped 3)
    echo "  $(verdict "${REB_MAX:-99999} < 1000 && $REB_N > 0 && ($p <= $p0 * 1.25 || $p <= $p0 + 1)") rebuild at 10,000 < 1 s with serving p99 unchanged (within 25% or 1 ms): max ${REB_MAX:-?} ms, p99 $p vs $p0 ms"
fi
if [ -n "${RSS[10000/all]:-}" ]; then
    h=$(awk '{ print $2 }' <<<"${RSS[10000/all]}")
    h2=$(awk '{ print $2 }' <<<"${RSS[10000/few]:-0 0}")
    echo "  $(verdict "$h < 150 && $h2 < 150") RSS < 150 MB at 10,000 campaigns: VmHWM $h MiB (all), $h2 MiB (few)"
fi
echo "bench: $(( $(date +%s) - T0 )) s"
if [ "$BROKEN" != 0 ]; then
    echo "bench: something is broken (see the BROKEN lines above)" >&2
    exit 1
fi
exit 0
