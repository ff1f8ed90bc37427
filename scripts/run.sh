#!/usr/bin/env bash
# scripts/run.sh BIN: the `make run` sequence after the build.
#
# Starts (or reuses) the private PostgreSQL and Redis under ./var, applies
# migrations, loads the demo, prints where everything is, then runs adserverd
# in the foreground; Ctrl-C stops it cleanly. `make stop` stops the servers.
# The JWT secret is made once and kept in var/secrets.env
# (mode 0600), so tokens survive restarts.
#
# Environment: PORT (admin, default 3000), AD_PORT (ads, default 8080); when
# the default is taken, a free port is used instead.
set -euo pipefail

BIN=${1:?usage: scripts/run.sh path/to/adserverd}
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)
cd "$ROOT"
VAR="$ROOT/var"
mkdir -p "$VAR/data"

bash scripts/svc.sh start "$VAR" pg redis
# shellcheck disable=SC1091
. "$VAR/env.sh"

if [ ! -s "$VAR/secrets.env" ]; then
    umask 077
    {
        echo "export JWT_SECRET=$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')"
    } >"$VAR/secrets.env"
    umask 022
fi
# shellcheck disable=SC1091
. "$VAR/secrets.env"

port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
pick_port() {
    local want=$1
    if port_free "$want"; then echo "$want"; else bash scripts/freeport.sh; fi
}
export PORT=${PORT:-$(pick_port 3000)}
export AD_PORT=${AD_PORT:-$(pick_port 8080)}
export ADSERVERD_ADMIN_BIND=${ADSERVERD_ADMIN_BIND:-127.0.0.1}
export ADSERVERD_AD_BIND=${ADSERVERD_AD_BIND:-127.0.0.1}
export ADSERVERD_DATA_DIR="$VAR/data"
export ADSERVERD_PUBLIC_URL=${ADSERVERD_PUBLIC_URL:-http://127.0.0.1:$AD_PORT}
export NODE_ENV=${NODE_ENV:-development}

"$BIN" migrate
"$BIN" seed-demo "$ROOT/tests/fixtures/media/ctv-demo-15s-1280x720.mp4"

cat <<BANNER

  adserverd is starting (Ctrl-C stops it; 'make stop' stops PostgreSQL and Redis)

  admin API   http://127.0.0.1:$PORT/            (health: /health, metrics: /metrics)
  demo login  demo@example.com / demo-password
              curl -s -X POST http://127.0.0.1:$PORT/api/v1/auth/login \\
                   -H 'Content-Type: application/json' \\
                   -d '{"email":"demo@example.com","password":"demo-password"}'
  VAST        http://127.0.0.1:$AD_PORT/vast?ifa=6D92078A-8246-4BA4-AE5B-76104861E7DC&country=US
              curl -s 'http://127.0.0.1:$AD_PORT/vast?ifa=6D92078A-8246-4BA4-AE5B-76104861E7DC&country=US'
  VAST pod    http://127.0.0.1:$AD_PORT/vast?pod_max_ads=4&pod_duration=60
  VMAP        http://127.0.0.1:$AD_PORT/vmap?midrolls=300&content_duration=600
              curl -s 'http://127.0.0.1:$AD_PORT/vmap?midrolls=300&content_duration=600'
  data        $VAR  (PostgreSQL: $DATABASE_URL, Redis: $REDIS_URL)

BANNER
exec "$BIN"
