#!/usr/bin/env bash
# tests/bench/media.sh: `make bench-media` (apart from `make bench`: it
# transcodes for minutes). What the rendition ladder costs on this machine,
# with the defaults an operator gets.
#
# A private, throw-away PostgreSQL and Redis (scripts/svc.sh) and the release
# adserverd on 127.0.0.1. A 15 s 1080p30 source is made with ffmpeg's
# testsrc2 (nothing downloaded) and uploaded through the admin API; the daemon
# makes the default ladder (1080p, 720p, 480p, 360p) in its fenced ffmpeg
# children, and each rung's encode time (encode_ms, measured by the daemon
# around the encode) gives the transcoding speed as seconds of work per second
# of video. Meanwhile wrk measures the ad listener (single-ad VAST of an
# active campaign, -t2 -c50, median of runs) and the same is measured before
# the upload, idle: the difference is what a running transcode costs serving.
# Bounded: wrk runs are timed, the ladder wait stops after 20 minutes.
# Environment: as tests/bench/lib.sh (BENCH_DURATION, BENCH_RUNS).
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd -P)
cd "$ROOT"
# shellcheck source=tests/bench/lib.sh
. tests/bench/lib.sh

for t in ffmpeg ffprobe wrk curl node psql; do
    command -v "$t" >/dev/null || { echo "bench-media: $t is missing (scripts/deps.sh)" >&2; exit 1; }
done
bench_setup
export ADSERVERD_DATA_DIR=$VAR/data ADSERVERD_PUBLIC_URL=http://127.0.0.1:$AD_PORT
export ADSERVERD_PER_IP_LIMIT=256
mkdir -p "$VAR/data"

OWNER=00000000-0000-4000-8000-00000000b002
CAMPAIGN=00000000-0000-4000-8000-00000000c002
psql "$DATABASE_URL" -X -q -v ON_ERROR_STOP=1 >/dev/null <<SQL
INSERT INTO users (id, email, password_hash, name, role, status)
VALUES ('$OWNER', 'bench-media@example.com', 'x', 'Bench', 'advertiser', 'active');
INSERT INTO campaigns (id, name, status, budget_total, budget_spent, start_date, end_date, created_by,
                       pricing_model, cpm_rate)
VALUES ('$CAMPAIGN', 'Bench media', 'draft', 100000, 0, now() - interval '1 day',
        now() + interval '30 days', '$OWNER', 'cpm', 10);
INSERT INTO creatives (campaign_id, name, video_url, duration, width, height, format, status, uploaded_by)
VALUES ('$CAMPAIGN', 'Served while transcoding', 'https://cdn.example.com/bench/a.mp4', 15, 1920, 1080,
        'mp4', 'active', '$OWNER');
UPDATE campaigns SET status = 'active' WHERE id = '$CAMPAIGN';
SQL

# An HS256 token for the owner (what /auth/login would give).
TOKEN=$(OWNER=$OWNER node -e '
const { createHmac } = require("node:crypto");
const b = (o) => Buffer.from(JSON.stringify(o)).toString("base64url");
const now = Math.floor(Date.now() / 1000);
const h = b({ alg: "HS256", typ: "JWT" }), p = b({ id: process.env.OWNER, email: "bench-media@example.com", role: "advertiser", iat: now, exp: now + 7200 });
process.stdout.write(`${h}.${p}.${createHmac("sha256", process.env.JWT_SECRET).update(`${h}.${p}`).digest("base64url")}`);')

echo "making a 15 s 1080p30 source with ffmpeg (testsrc2, AAC tone)"
SRC=$VAR/source-1080p.mp4
timeout 300 ffmpeg -hide_banner -loglevel error -nostdin -y \
    -f lavfi -i testsrc2=size=1920x1080:rate=30:duration=15 \
    -f lavfi -i sine=frequency=440:sample_rate=48000:duration=15 \
    -c:v libx264 -preset ultrafast -crf 18 -pix_fmt yuv420p -c:a aac -b:a 128k "$SRC"

"$BIN" >"$VAR/adserverd.log" 2>&1 &
DPID=$!
ADMIN=http://127.0.0.1:$PORT
AD=http://127.0.0.1:$AD_PORT
VAST="$AD/vast?campaign_id=$CAMPAIGN&ifa=6D92078A-8246-4BA4-AE5B-76104861E7DC"
for _ in $(seq 200); do
    if curl -fsS -D "$VAR/h" -o /dev/null "$VAST" 2>/dev/null && ! grep -qi '^x-adserverd-no-fill' "$VAR/h"; then
        break
    fi
    sleep 0.05
done

read -r idle_rps idle_p50 idle_p99 < <(bench_wrk "$VAST")
echo "ad listener idle:          $idle_rps req/s, p50 $idle_p50 ms, p99 $idle_p99 ms"

CID=$(curl -fsS -H "Authorization: Bearer $TOKEN" \
    -F "video=@$SRC;type=video/mp4;filename=bench-1080p.mp4" -F "name=Bench ladder" \
    "$ADMIN/api/v1/campaigns/$CAMPAIGN/creatives" | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>process.stdout.write(JSON.parse(s).creative.id))')
media() {
    curl -fsS -H "Authorization: Bearer $TOKEN" "$ADMIN/api/v1/creatives/$CID/media"
}
# wait until the first rung is being encoded, then load the ad listener
for _ in $(seq 600); do
    if media | grep -q '"state":"running"'; then break; fi
    sleep 0.1
done
read -r busy_rps busy_p50 busy_p99 < <(bench_wrk "$VAST")
still=$(media | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{const m=JSON.parse(s).media;process.stdout.write(String(m.renditions.filter(r=>r.state==="pending"||r.state==="running").length))})')
echo "ad listener transcoding:   $busy_rps req/s, p50 $busy_p50 ms, p99 $busy_p99 ms (p99 x$(bench_ratio "$busy_p99" "$idle_p99"); $still rungs still open at the end of the runs)"

deadline=$(( $(date +%s) + 1200 ))
until media | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{const r=JSON.parse(s).media.renditions;process.exit(r.length&&r.every(x=>x.state==="ready"||x.state==="failed")?0:1)})'; do
    if [ "$(date +%s)" -ge "$deadline" ]; then
        echo "bench-media: the ladder did not finish in 20 minutes" >&2
        exit 1
    fi
    sleep 1
done
echo "transcoding speed (15 s source, preset $(printf %s "${ADSERVERD_MEDIA_PRESET:-veryfast}"), one core per rung, $(nproc) cores):"
media | node -e '
let s = ""; process.stdin.on("data", (d) => s += d).on("end", () => {
  const m = JSON.parse(s).media;
  const dur = Number(m.duration_ms) / 1000;
  for (const r of m.renditions) {
    if (r.state !== "ready") { console.log(`  ${r.rung.padEnd(6)} ${r.state}: ${r.failure_reason}`); continue; }
    const enc = Number(r.encode_ms) / 1000;
    console.log(`  ${r.rung.padEnd(6)} ${String(r.width + "x" + r.height).padEnd(10)} ${String(r.bitrate_kbps).padStart(5)} kbit/s  encode ${enc.toFixed(1)} s = ${(enc / dur).toFixed(2)} s of work per s of video`);
  }
});'
echo "adserverd RSS after the ladder (VmRSS VmHWM MiB): $(bench_rss_mib "$DPID")"
