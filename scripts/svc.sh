#!/usr/bin/env bash
# scripts/svc.sh — private PostgreSQL 15, Redis and s3rver for `make run` and
# `make test`, each on a free port on 127.0.0.1, all state under one folder.
#
#   svc.sh start [--test] DIR [pg] [redis] [s3]   (none named: all three)
#   svc.sh stop   DIR [pg] [redis] [s3]           (none named: all three)
#   svc.sh env    DIR      print the exports (same text as DIR/env.sh)
#   svc.sh status DIR      one line per service
#   svc.sh clean  DIR      stop, then delete the services' data
#
# `start` writes DIR/env.sh, to be sourced: DATABASE_URL, PGHOST, PGPORT,
# PGUSER, PGDATABASE, REDIS_URL, REDIS_HOST, REDIS_PORT, S3_ENDPOINT, S3_PORT,
# S3_BUCKET_NAME, AWS_REGION, AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, for the
# services of DIR that are running. It is idempotent: a service that DIR
# already runs (pid alive and its port answering) is reused with its port;
# a stale pid file is removed and the service started again, on its previous
# port when that is still free. Two folders give two independent sets.
# `stop` stops only what DIR started, by pid. --test (or SVC_TEST=1) trades
# durability for speed: PostgreSQL without fsync, Redis without snapshots.
# One svc.sh at a time per DIR (flock on DIR/.svc.lock). Needs what
# scripts/deps.sh installs (s3rver from this tree's node_modules).
#
# Layout: DIR/pg/{port,pid,cluster/} with cluster/data (PGDATA),
# cluster/postgres.log and the Unix socket in cluster/; DIR/redis/{port,
# redis.pid,redis.conf,redis.log,data}; DIR/s3/{port,pid,s3rver.log,data/}.
#
# PostgreSQL and root. PostgreSQL refuses to run as root, so as root the
# cluster is created and run by Debian's `postgres` user (via runuser), which
# must be able to reach the cluster folder. A checkout under /root (mode
# 0700) is out of its reach: then the cluster lives in
# /var/tmp/adserver-pg-<12 hex of sha256 of DIR's absolute path>/, owned by
# postgres, mode 0700, and DIR/pg/cluster is a symlink to it (DIR/pg/LOCATION
# says so). `svc.sh clean DIR` deletes it too; a DIR deleted by hand leaves it
# behind in /var/tmp (harmless; delete it by hand). As any other user,
# everything runs as that user inside DIR/pg/.
#
# Database: superuser `adserver`, trust authentication, TCP on 127.0.0.1 only;
# database `adserver` with the uuid-ossp extension created.
# Credentials for s3rver: test/test (the admin API's documented defaults) and
# S3RVER/S3RVER both work; bucket ctv-ad-server-creatives exists.
#
# Environment: SVC_TIMEOUT (seconds to wait for readiness, default 60),
# SVC_TEST=1 (same as --test).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)
PGBIN=/usr/lib/postgresql/15/bin
PATH=$PATH:/usr/local/sbin:/usr/sbin:/sbin   # runuser, ss for ordinary users
BUCKET=ctv-ad-server-creatives
DBNAME=adserver
DBUSER=adserver
S3_KEY='test'
S3_SECRET='test'
TIMEOUT=${SVC_TIMEOUT:-60}
TEST=${SVC_TEST:-0}
ALL_SERVICES=(pg redis s3)

say() { printf 'svc: %s\n' "$*"; }
warn() { printf 'svc: %s\n' "$*" >&2; }
die() { printf 'svc: error: %s\n' "$*" >&2; exit 1; }
is_root() { [ "$EUID" -eq 0 ]; }

usage() {
    sed -n '2,9p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2
    exit 2
}

# ------------------------------------------------------------- helpers ----
# pid_is PID PATTERN: process PID exists and its command line matches PATTERN
# (builtins only: this machine's process start-up is not free)
pid_is() {
    local pid=$1 pat=$2 parts=()
    [[ $pid =~ ^[0-9]+$ ]] || return 1
    [ -r "/proc/$pid/cmdline" ] || return 1
    mapfile -d '' -t parts <"/proc/$pid/cmdline" 2>/dev/null || return 1
    [[ "${parts[*]}" == *$pat* ]]
}

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# read1 FILE: the digits of FILE's first line ("" when there is no file)
read1() {
    local line=''
    [ -f "$1" ] && { IFS= read -r line <"$1" || true; } 2>/dev/null
    printf '%s' "${line//[^0-9]/}"
}

# wait_for SECONDS CMD...: poll CMD every 0.1 s until it succeeds
wait_for() {
    local limit=$(( $1 * 10 )) i=0
    shift
    while ! "$@"; do
        i=$((i + 1))
        [ "$i" -ge "$limit" ] && return 1
        sleep 0.1
    done
}

log_tail() {
    local f=$1
    if [ -r "$f" ]; then
        warn "last lines of $f:"
        tail -n 20 "$f" | sed 's/^/    /' >&2
    elif is_root && [ -e "$f" ]; then
        tail -n 20 "$f" | sed 's/^/    /' >&2
    fi
}

addr_in_use() { [ -r "$1" ] && grep -qiE 'address already in use|EADDRINUSE|could not bind' "$1"; }

pick_port() {
    # pick_port PREVIOUS: the previous port when it is still free, else a new one
    local prev=${1:-}
    if [ -n "$prev" ] && ! port_open "$prev" &&
       { ! command -v ss >/dev/null 2>&1 || [ -z "$(ss -Htln "sport = :$prev" 2>/dev/null)" ]; }; then
        echo "$prev"
    else
        FREEPORT_EXCLUDE=$FAILED_PORTS "$ROOT/scripts/freeport.sh"
    fi
}
FAILED_PORTS=''   # ports whose bind failed in this run

# ------------------------------------------------------------ postgres ----
PGMETA='' PGCL='' PGDATA_DIR='' PGLOG=''

pg_as() {
    # Run a PostgreSQL server command as the cluster's owner, from a folder
    # that owner can enter (initdb and pg_ctl need a readable cwd).
    if is_root; then
        (cd / && runuser -u postgres -- "$@")
    else
        "$@"
    fi
}

pg_locate() {
    PGMETA=$DIR/pg
    [ -d "$PGMETA" ] || install -d -m 0755 "$PGMETA"
    if [ -L "$PGMETA/cluster" ]; then
        PGCL=$(readlink "$PGMETA/cluster")
    elif [ -d "$PGMETA/cluster" ]; then
        PGCL=$PGMETA/cluster
    elif ! is_root; then
        PGCL=$PGMETA/cluster
        mkdir -m 0700 "$PGCL"
    else
        getent passwd postgres >/dev/null ||
            die "user 'postgres' does not exist: run scripts/deps.sh (installs postgresql-15)"
        if runuser -u postgres -- test -x "$PGMETA" 2>/dev/null; then
            PGCL=$PGMETA/cluster
            install -d -o postgres -g postgres -m 0700 "$PGCL"
        else
            local hash
            hash=$(printf '%s' "$DIR" | sha256sum | cut -c1-12)
            PGCL=/var/tmp/adserver-pg-$hash
            if [ -e "$PGCL" ] || [ -L "$PGCL" ]; then
                if [ ! -d "$PGCL" ] || [ -L "$PGCL" ] || [ "$(stat -c %U "$PGCL")" != postgres ]; then
                    die "$PGCL exists but is not a folder owned by postgres: remove it and retry"
                fi
            else
                install -d -o postgres -g postgres -m 0700 "$PGCL"
            fi
            ln -sfn "$PGCL" "$PGMETA/cluster"
            cat >"$PGMETA/LOCATION" <<EOF
The PostgreSQL cluster of $DIR is in $PGCL
(symlink: $PGMETA/cluster), because the 'postgres' user, which runs it when
scripts/svc.sh is run as root, cannot reach $DIR.
'scripts/svc.sh clean $DIR' stops it and deletes that folder.
EOF
        fi
    fi
    PGDATA_DIR=$PGCL/data
    PGLOG=$PGCL/postgres.log
}

pg_running() {
    # Sets PG_PID/PG_PORT; true when our postmaster is alive and answers.
    PG_PID=$(read1 "$PGMETA/pid")
    PG_PORT=$(read1 "$PGMETA/port")
    [ -n "$PG_PID" ] && [ -n "$PG_PORT" ] || return 1
    pid_is "$PG_PID" postgres || return 1
    "$PGBIN/pg_isready" -q -h 127.0.0.1 -p "$PG_PORT" -t 2 >/dev/null 2>&1
}

pg_postmaster_pid() {
    # pid of a live postmaster of our data folder, from its lock file
    local pid
    pid=$(read1 "$PGDATA_DIR/postmaster.pid")
    if [ -n "$pid" ] && pid_is "$pid" "$PGDATA_DIR"; then echo "$pid"; fi
}

pg_clear_stale_locks() {
    # No postmaster of ours runs: lock files left behind (postmaster.pid and
    # the socket's .lock) are stale. PostgreSQL itself refuses to start while
    # the pid they name exists (a dying or zombie postmaster, or any process
    # that got the pid after a reboot): wait a little for it to go, then
    # delete them.
    local f pid
    for f in "$PGDATA_DIR/postmaster.pid" "$PGCL"/.s.PGSQL.*.lock; do
        [ -f "$f" ] || continue
        pid=$(read1 "$f")
        if [ -n "$pid" ] && { pid_is "$pid" postgres ||
                { [ -r "/proc/$pid/stat" ] && [ "$(sed 's/.*) //; s/ .*//' "/proc/$pid/stat")" = Z ]; }; }; then
            wait_for 10 test ! -e "/proc/$pid" || true
        fi
        pg_as rm -f "$f"
    done
}

pg_conf() {
    local port=$1 sock=$PGCL q
    # Unix socket paths are limited to 107 bytes: go without one if too long.
    [ "${#sock}" -gt 90 ] && sock=''
    q=${sock//\'/\'\'}
    {
        echo "# written by scripts/svc.sh at every start"
        echo "listen_addresses = '127.0.0.1'"
        echo "port = $port"
        echo "unix_socket_directories = '$q'"
        echo "max_connections = 100"
        echo "log_min_messages = warning"
        echo "log_line_prefix = '%m [%p] '"
        if [ "$TEST" = 1 ]; then
            echo "fsync = off"
            echo "synchronous_commit = off"
            echo "full_page_writes = off"
        fi
    } | pg_as tee "$PGDATA_DIR/adserverd.conf" >/dev/null
}

pg_initdb() {
    [ -x "$PGBIN/initdb" ] || die "$PGBIN/initdb not found: run scripts/deps.sh (installs postgresql-15)"
    local loc=(--no-locale)
    if locale -a 2>/dev/null | grep -qiE '^c\.utf-?8$'; then loc=(--locale=C.UTF-8); fi
    if ! pg_as "$PGBIN/initdb" -D "$PGDATA_DIR" -U "$DBUSER" -A trust -E UTF8 "${loc[@]}" \
            --no-instructions >"$PGMETA/initdb.log" 2>&1; then
        log_tail "$PGMETA/initdb.log"
        die "initdb failed for $PGDATA_DIR"
    fi
    printf "\ninclude_if_exists = 'adserverd.conf'\n" | pg_as tee -a "$PGDATA_DIR/postgresql.conf" >/dev/null
}

pg_try_start() {
    local port=$1 pid
    pg_conf "$port"
    if ! pg_as "$PGBIN/pg_ctl" -D "$PGDATA_DIR" -l "$PGLOG" -w -t "$TIMEOUT" -s start 9>&- >/dev/null 2>&1; then
        return 1
    fi
    wait_for "$TIMEOUT" "$PGBIN/pg_isready" -q -h 127.0.0.1 -p "$port" -t 1 || return 1
    pid=$(pg_postmaster_pid)
    [ -n "$pid" ] || return 1
    echo "$pid" >"$PGMETA/pid"
    echo "$port" >"$PGMETA/port"
}

pg_psql() { "$PGBIN/psql" -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$PG_PORT" -U "$DBUSER" "$@"; }

pg_ensure_db() {
    if [ -z "$(pg_psql -d postgres -Atc "SELECT 1 FROM pg_database WHERE datname = '$DBNAME'")" ]; then
        pg_psql -d postgres -c "CREATE DATABASE $DBNAME" >/dev/null
    fi
    pg_psql -d "$DBNAME" -c 'CREATE EXTENSION IF NOT EXISTS "uuid-ossp"' >/dev/null 2>&1 ||
        die "database $DBNAME: could not create extension uuid-ossp"
}

start_pg() {
    pg_locate
    if pg_running; then
        say "pg: already running on 127.0.0.1:$PG_PORT (pid $PG_PID)"
        UP_pg=1
        return 0
    fi
    rm -f "$PGMETA/pid"
    if [ ! -f "$PGDATA_DIR/PG_VERSION" ]; then
        pg_initdb
    else
        local live
        live=$(pg_postmaster_pid)
        if [ -n "$live" ]; then
            # Our postmaster, but not answering where we thought: stop it.
            warn "pg: postmaster $live of $PGDATA_DIR does not answer; restarting it"
            pg_as "$PGBIN/pg_ctl" -D "$PGDATA_DIR" -m fast -w -t "$TIMEOUT" -s stop >/dev/null 2>&1 || true
        fi
        pg_clear_stale_locks
    fi
    local port prev
    prev=$(read1 "$PGMETA/port")
    for _ in 1 2 3 4 5; do
        port=$(pick_port "$prev")
        prev=
        # shellcheck disable=SC2016
        pg_as sh -c ': > "$1"' _ "$PGLOG" 2>/dev/null || true
        if pg_try_start "$port"; then
            PG_PORT=$port
            PG_PID=$(read1 "$PGMETA/pid")
            pg_ensure_db
            say "pg: started on 127.0.0.1:$PG_PORT (pid $PG_PID, data $PGDATA_DIR)"
            UP_pg=1
            return 0
        fi
        if pg_as cat "$PGLOG" 2>/dev/null | grep -qiE 'address already in use|could not bind|could not create any TCP'; then
            warn "pg: port $port taken meanwhile, trying another"
            FAILED_PORTS+=" $port"
            pg_as "$PGBIN/pg_ctl" -D "$PGDATA_DIR" -m immediate -w -s stop >/dev/null 2>&1 || true
            continue
        fi
        if pg_as cat "$PGLOG" 2>/dev/null | grep -qiE 'lock file .* already exists|shared memory block is still in use'; then
            # processes of a killed postmaster of ours are still ending
            warn "pg: previous server still shutting down, retrying"
            sleep 2
            pg_clear_stale_locks
            prev=$port
            continue
        fi
        break
    done
    pg_as "$PGBIN/pg_ctl" -D "$PGDATA_DIR" -m immediate -w -s stop >/dev/null 2>&1 || true
    warn "pg: did not start; last lines of $PGLOG:"
    pg_as tail -n 20 "$PGLOG" 2>/dev/null | sed 's/^/    /' >&2 || true
    die "pg: could not start PostgreSQL in $PGDATA_DIR"
}

stop_pg() {
    [ -e "$DIR/pg/cluster" ] || { rm -f "$DIR/pg/pid"; return 0; }
    pg_locate
    local pid
    pid=$(pg_postmaster_pid)
    if [ -n "$pid" ]; then
        if ! pg_as "$PGBIN/pg_ctl" -D "$PGDATA_DIR" -m fast -w -t "$TIMEOUT" -s stop >/dev/null 2>&1; then
            kill -INT "$pid" 2>/dev/null || true
            wait_for 10 eval "! kill -0 $pid 2>/dev/null" || kill -KILL "$pid" 2>/dev/null || true
        fi
        say "pg: stopped (pid $pid)"
    fi
    UP_pg=0
    rm -f "$PGMETA/pid"
}

# --------------------------------------------------------------- redis ----
redis_ping() {
    (
        exec 3<>"/dev/tcp/127.0.0.1/$1" || exit 1
        printf 'PING\r\n' >&3
        IFS= read -r -t 2 reply <&3 || exit 1
        [[ $reply == +PONG* ]]
    ) 2>/dev/null
}

redis_up_or_failed() {
    redis_ping "$1" ||
        grep -qE 'aborting|already in use|FATAL|Fatal|Bad directive|CONFIG FILE' "$DIR/redis/redis.log" 2>/dev/null
}

redis_running() {
    RD_PID=$(read1 "$DIR/redis/redis.pid")
    RD_PORT=$(read1 "$DIR/redis/port")
    [ -n "$RD_PID" ] && [ -n "$RD_PORT" ] || return 1
    pid_is "$RD_PID" redis-server || return 1
    redis_ping "$RD_PORT"
}

redis_conf() {
    local port=$1 d=$DIR/redis
    cat >"$d/redis.conf" <<EOF
# written by scripts/svc.sh at every start
bind 127.0.0.1
protected-mode yes
port $port
daemonize yes
supervised no
pidfile "$d/redis.pid"
logfile "$d/redis.log"
dir "$d/data"
appendonly no
EOF
    if [ "$TEST" = 1 ]; then
        echo 'save ""' >>"$d/redis.conf"
    else
        echo 'save 3600 1 300 100 60 10000' >>"$d/redis.conf"
    fi
}

start_redis() {
    local d=$DIR/redis
    [ -d "$d/data" ] || mkdir -p "$d/data"
    if redis_running; then
        say "redis: already running on 127.0.0.1:$RD_PORT (pid $RD_PID)"
        UP_redis=1
        return 0
    fi
    command -v redis-server >/dev/null || die "redis-server not found: run scripts/deps.sh"
    if [ -n "$RD_PID" ] && pid_is "$RD_PID" redis-server; then
        warn "redis: pid $RD_PID does not answer; stopping it"
        kill -TERM "$RD_PID" 2>/dev/null || true
        wait_for 10 eval "! kill -0 $RD_PID 2>/dev/null" || kill -KILL "$RD_PID" 2>/dev/null || true
    fi
    rm -f "$d/redis.pid"
    local port prev pid
    prev=$(read1 "$d/port")
    for _ in 1 2 3 4 5; do
        port=$(pick_port "$prev")
        prev=
        redis_conf "$port"
        : >"$d/redis.log"
        # redis-server returns once it has forked; the child then binds
        # (and writes its pid file) or logs why it could not and exits.
        if redis-server "$d/redis.conf" 9>&- >"$d/start.log" 2>&1 &&
           wait_for "$TIMEOUT" redis_up_or_failed "$port" && redis_ping "$port"; then
            wait_for 5 test -s "$d/redis.pid" || true
            pid=$(read1 "$d/redis.pid")
            if [ -n "$pid" ] && pid_is "$pid" redis-server; then
                echo "$port" >"$d/port"
                RD_PORT=$port RD_PID=$pid UP_redis=1
                say "redis: started on 127.0.0.1:$port (pid $pid)"
                return 0
            fi
        fi
        if addr_in_use "$d/redis.log"; then
            warn "redis: port $port taken meanwhile, trying another"
            FAILED_PORTS+=" $port"
            continue
        fi
        break
    done
    pid=$(read1 "$d/redis.pid")
    [ -n "$pid" ] && pid_is "$pid" redis-server && kill -KILL "$pid" 2>/dev/null
    rm -f "$d/redis.pid"
    log_tail "$d/start.log"
    log_tail "$d/redis.log"
    die "redis: could not start redis-server"
}

stop_redis() {
    local d=$DIR/redis pid port
    [ -d "$d" ] || return 0
    pid=$(read1 "$d/redis.pid")
    port=$(read1 "$d/port")
    if [ -n "$pid" ] && pid_is "$pid" redis-server; then
        if [ -n "$port" ]; then
            ( exec 3<>"/dev/tcp/127.0.0.1/$port" && printf 'SHUTDOWN NOSAVE\r\n' >&3 && read -r -t 2 _ <&3 ) 2>/dev/null || true
        fi
        if ! wait_for 5 eval "! kill -0 $pid 2>/dev/null"; then
            kill -TERM "$pid" 2>/dev/null || true
            wait_for 5 eval "! kill -0 $pid 2>/dev/null" || kill -KILL "$pid" 2>/dev/null || true
        fi
        say "redis: stopped (pid $pid)"
    fi
    UP_redis=0
    rm -f "$d/redis.pid"
}

# ------------------------------------------------------------- s3rver ----
s3_answers() {
    local code
    code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 "http://127.0.0.1:$1/" 2>/dev/null) || true
    [ -n "$code" ] && [ "$code" != 000 ]
}

s3_running() {
    S3_PID=$(read1 "$DIR/s3/pid")
    S3_PORT=$(read1 "$DIR/s3/port")
    [ -n "$S3_PID" ] && [ -n "$S3_PORT" ] || return 1
    pid_is "$S3_PID" s3rver || return 1
    s3_answers "$S3_PORT"
}

start_s3() {
    local d=$DIR/s3
    [ -d "$d/data" ] || mkdir -p "$d/data"
    if s3_running; then
        say "s3: already running on 127.0.0.1:$S3_PORT (pid $S3_PID)"
        UP_s3=1
        return 0
    fi
    command -v node >/dev/null || die "node not found: run scripts/deps.sh"
    command -v curl >/dev/null || die "curl not found: run scripts/deps.sh"
    [ -f "$ROOT/node_modules/s3rver/package.json" ] ||
        die "s3rver is not installed in $ROOT/node_modules: run scripts/deps.sh"
    if [ -n "$S3_PID" ] && pid_is "$S3_PID" s3rver; then
        warn "s3: pid $S3_PID does not answer; stopping it"
        kill -KILL "$S3_PID" 2>/dev/null || true
    fi
    rm -f "$d/pid"
    local port prev pid
    prev=$(read1 "$d/port")
    for _ in 1 2 3 4 5; do
        port=$(pick_port "$prev")
        prev=
        rm -f "$d/pid"
        AWS_ACCESS_KEY_ID=$S3_KEY AWS_SECRET_ACCESS_KEY=$S3_SECRET \
            nohup setsid node "$ROOT/scripts/s3rver.cjs" --address 127.0.0.1 --port "$port" \
            --directory "$d/data" --bucket "$BUCKET" --pidfile "$d/pid" \
            </dev/null >"$d/s3rver.log" 2>&1 9>&- &
        # wait for the pid file, then for an HTTP answer while that pid lives
        if wait_for 10 test -s "$d/pid"; then
            pid=$(read1 "$d/pid")
            if wait_for "$TIMEOUT" eval "s3_answers $port || ! kill -0 $pid 2>/dev/null" &&
               kill -0 "$pid" 2>/dev/null && s3_answers "$port"; then
                echo "$port" >"$d/port"
                S3_PORT=$port S3_PID=$pid UP_s3=1
                say "s3: started on 127.0.0.1:$port (pid $pid, bucket $BUCKET)"
                return 0
            fi
            kill -KILL "$pid" 2>/dev/null || true
        fi
        if addr_in_use "$d/s3rver.log"; then
            warn "s3: port $port taken meanwhile, trying another"
            FAILED_PORTS+=" $port"
            continue
        fi
        break
    done
    rm -f "$d/pid"
    log_tail "$d/s3rver.log"
    die "s3: could not start s3rver"
}

stop_s3() {
    local d=$DIR/s3 pid
    [ -d "$d" ] || return 0
    pid=$(read1 "$d/pid")
    if [ -n "$pid" ] && pid_is "$pid" s3rver; then
        kill -TERM "$pid" 2>/dev/null || true
        wait_for 5 eval "! kill -0 $pid 2>/dev/null" || kill -KILL "$pid" 2>/dev/null || true
        say "s3: stopped (pid $pid)"
    fi
    UP_s3=0
    rm -f "$d/pid"
}

# ----------------------------------------------------------------- env ----
# UP_<svc>: 1 = known running (just started or checked), 0 = known stopped,
# empty = not checked yet in this run.
UP_pg='' UP_redis='' UP_s3=''

env_text() {
    local any=0
    echo "# Services of $DIR, written by scripts/svc.sh; source this file."
    if [ -z "$UP_pg" ]; then
        UP_pg=0
        if [ -f "$DIR/pg/pid" ]; then PGMETA=$DIR/pg; pg_running && UP_pg=1; fi
    fi
    if [ "$UP_pg" = 1 ]; then
        any=1
        cat <<EOF
export DATABASE_URL='postgres://$DBUSER@127.0.0.1:$PG_PORT/$DBNAME'
export PGHOST=127.0.0.1 PGPORT=$PG_PORT PGUSER=$DBUSER PGDATABASE=$DBNAME
EOF
    fi
    if [ -z "$UP_redis" ]; then UP_redis=0; redis_running && UP_redis=1; fi
    if [ "$UP_redis" = 1 ]; then
        any=1
        cat <<EOF
export REDIS_URL='redis://127.0.0.1:$RD_PORT' REDIS_HOST=127.0.0.1 REDIS_PORT=$RD_PORT
EOF
    fi
    if [ -z "$UP_s3" ]; then UP_s3=0; s3_running && UP_s3=1; fi
    if [ "$UP_s3" = 1 ]; then
        any=1
        cat <<EOF
export S3_ENDPOINT='http://127.0.0.1:$S3_PORT' S3_PORT=$S3_PORT S3_BUCKET_NAME=$BUCKET
export AWS_REGION=us-east-1 AWS_ACCESS_KEY_ID=$S3_KEY AWS_SECRET_ACCESS_KEY=$S3_SECRET
EOF
    fi
    [ "$any" = 1 ] || echo "# (no service running)"
}

write_env() {
    local tmp=$DIR/.env.sh.$$
    env_text >"$tmp"
    mv -f "$tmp" "$DIR/env.sh"
}

# ---------------------------------------------------------------- main ----
[ $# -ge 2 ] || usage
cmd=$1
shift
args=()
for a in "$@"; do
    case $a in
        --test) TEST=1 ;;
        -h|--help) usage ;;
        -*) die "unknown option $a" ;;
        *) args+=("$a") ;;
    esac
done
[ "${#args[@]}" -ge 1 ] || usage
dir_arg=${args[0]}
services=("${args[@]:1}")
[ "${#services[@]}" -gt 0 ] || services=("${ALL_SERVICES[@]}")
for s in "${services[@]}"; do
    case $s in pg|redis|s3) ;; *) die "unknown service '$s' (pg, redis, s3)" ;; esac
done
case $dir_arg in
    *$'\n'*|*\"*|*\\*) die "folder names with newlines, quotes or backslashes are not supported" ;;
esac

case $cmd in
    start|stop|env|status|clean) ;;
    *) usage ;;
esac

if [ "$cmd" = start ] || [ "$cmd" = clean ]; then
    [ -d "$dir_arg" ] || mkdir -p "$dir_arg"
fi
if [ ! -d "$dir_arg" ]; then
    # stop/env/status of a folder that never existed: nothing runs there
    case $cmd in
        env) echo "# (no service running)"; exit 0 ;;
        status) for s in "${services[@]}"; do echo "$s: stopped"; done; exit 0 ;;
        *) exit 0 ;;
    esac
fi
DIR=$(cd "$dir_arg" && pwd -P)

# One svc.sh at a time per folder (fd 9 is closed for the servers we start).
exec 9>"$DIR/.svc.lock"
flock -w "$TIMEOUT" 9 || die "another svc.sh holds $DIR/.svc.lock"

case $cmd in
    start)
        for s in "${services[@]}"; do "start_$s"; done
        write_env
        ;;
    stop)
        for s in "${services[@]}"; do "stop_$s"; done
        write_env
        ;;
    env)
        write_env
        cat "$DIR/env.sh"
        ;;
    status)
        for s in "${services[@]}"; do
            case $s in
                pg) if [ -d "$DIR/pg" ] && { PGMETA=$DIR/pg; pg_running; }; then
                        echo "pg: running on 127.0.0.1:$PG_PORT (pid $PG_PID)"; else echo "pg: stopped"; fi ;;
                redis) if redis_running; then
                        echo "redis: running on 127.0.0.1:$RD_PORT (pid $RD_PID)"; else echo "redis: stopped"; fi ;;
                s3) if s3_running; then
                        echo "s3: running on 127.0.0.1:$S3_PORT (pid $S3_PID)"; else echo "s3: stopped"; fi ;;
            esac
        done
        ;;
    clean)
        for s in "${ALL_SERVICES[@]}"; do "stop_$s"; done
        if [ -L "$DIR/pg/cluster" ]; then
            cl=$(readlink "$DIR/pg/cluster")
            case $cl in
                /var/tmp/adserver-pg-*) rm -rf -- "$cl" ;;
            esac
        fi
        rm -rf -- "$DIR/pg" "$DIR/redis" "$DIR/s3" "$DIR/env.sh"
        say "cleaned $DIR"
        ;;
esac
