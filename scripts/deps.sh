#!/usr/bin/env bash
# scripts/deps.sh — install what adserverd needs to build, run and test, on
# Debian 12 (bookworm), and nothing that is already there.
#
#   1. Checks each tool by command, each library by `pkg-config --exists`,
#      data files by path, and maps what is missing to Debian 12 packages.
#   2. If anything is missing: `apt-get update` once, then
#      `apt-get install -y --no-install-recommends` (DEBIAN_FRONTEND=
#      noninteractive), as root directly or through sudo (`sudo -n` first,
#      then `sudo -v` once so a person can type a password; without sudo
#      rights it stops and prints the apt-get command for an administrator).
#      The packages' own system services (postgresql on 5432, redis on 6379,
#      nginx on 80) are kept from starting during the install (a temporary
#      /usr/sbin/policy-rc.d): scripts/svc.sh runs private servers on free
#      ports instead.
#   3. Installs the Node.js test tools (s3rver, the reference VAST/VMAP
#      parsers) into ./node_modules from package-lock.json with `npm ci`,
#      never globally; skipped while node_modules matches the lock file.
#
# Node.js: Debian's `nodejs npm` are installed only when there is no `node`
# at all (and Debian's npm alone when Debian's own nodejs lacks it). A
# machine whose Node comes from elsewhere (e.g. NodeSource, which bundles npm
# and conflicts with Debian's npm package) is left alone; if such a node has
# no npm, this script stops and says so. Node 18 (Debian 12's) and 20 work.
#
# ffmpeg (its ffprobe): adserverd measures uploaded creatives with it, as a
# child process; the tests run it too.
#
# To add a dependency: a `command:package` pair to the tool list, a
# `pkg-config-name:package` pair to the library list, or a path test, in
# check_apt below.
#
# Quiet when there is nothing to do; one line per action otherwise.
# Environment: DEPS_SKIP_APT=1 skips steps 1-2, DEPS_SKIP_NPM=1 skips step 3.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)
PGBIN=/usr/lib/postgresql/15/bin
# nginx, runuser and friends live in /usr/sbin, which ordinary users'
# PATH lacks on Debian.
PATH=$PATH:/usr/local/sbin:/usr/sbin:/sbin

say() { printf 'deps: %s\n' "$*"; }
die() { printf 'deps: error: %s\n' "$*" >&2; exit 1; }
have() { command -v "$1" >/dev/null 2>&1; }

missing=()     # Debian packages to install
why=()         # what each was for, for the message
need() { missing+=("$1"); why+=("$2"); }

# ---------------------------------------------------------------- checks ----
check_apt() {
    local t pc arch
    # tool-command:package
    for t in gcc:gcc make:make pkg-config:pkg-config curl:curl \
             redis-server:redis-server redis-cli:redis-tools \
             tmux:tmux wrk:wrk nginx:nginx-light xmllint:libxml2-utils \
             valgrind:valgrind clang:clang \
             ps:procps pgrep:procps ss:iproute2 \
             runuser:util-linux setpriv:util-linux script:bsdutils \
             zsh:zsh fish:fish ffmpeg:ffmpeg ffprobe:ffmpeg; do
        have "${t%%:*}" || need "${t#*:}" "${t%%:*}"
    done
    if [ ! -x "$PGBIN/pg_ctl" ] || [ ! -x "$PGBIN/initdb" ] || [ ! -x "$PGBIN/postgres" ]; then
        need postgresql-15 "$PGBIN/pg_ctl"
    fi
    have psql || need postgresql-client-15 psql
    # library-pkg-config-name:package (no pkg-config: all count as missing)
    local libs=(libmicrohttpd:libmicrohttpd-dev jansson:libjansson-dev
                libjwt:libjwt-dev hiredis:libhiredis-dev libpq:libpq-dev
                libxml-2.0:libxml2-dev libcurl:libcurl4-openssl-dev
                ncursesw:libncurses-dev cmocka:libcmocka-dev
                libcrypt:libcrypt-dev libssl:libssl-dev libcrypto:libssl-dev)
    # one call when all are there (the usual case), one per library otherwise
    if ! have pkg-config || ! pkg-config --exists "${libs[@]%%:*}" 2>/dev/null; then
        for pc in "${libs[@]}"; do
            if ! have pkg-config || ! pkg-config --exists "${pc%%:*}" 2>/dev/null; then
                need "${pc#*:}" "${pc%%:*}.pc"
            fi
        done
    fi
    [ -f /usr/share/publicsuffix/public_suffix_list.dat ] ||
        need publicsuffix public_suffix_list.dat
    [ -f /etc/ssl/certs/ca-certificates.crt ] || need ca-certificates ca-certificates.crt
    # clang's libFuzzer and sanitizer runtimes (-fsanitize=fuzzer,address).
    arch=$(uname -m)
    if ! compgen -G "/usr/lib/llvm-14/lib/clang/*/lib/linux/libclang_rt.fuzzer-$arch.a" >/dev/null; then
        need libclang-rt-14-dev "libclang_rt.fuzzer-$arch.a"
    fi
    if ! have node; then
        need nodejs node
        have npm || need npm npm
    elif ! have npm && debian_node; then
        need npm npm        # Debian's own nodejs without its npm: safe to add
    fi
}

debian_node() {
    # node is Debian's nodejs package (not NodeSource's, whose version says so)
    local v
    [ "$(command -v node)" = /usr/bin/node ] || return 1
    v=$(dpkg-query -W -f='${Version}' nodejs 2>/dev/null) || return 1
    [ -n "$v" ] && [[ $v != *nodesource* ]]
}

# ------------------------------------------------------------ privileges ----
SUDO=()
get_root() {
    # get_root PACKAGES: make sure as_root works, asking sudo once up front.
    if [ "$EUID" -eq 0 ]; then
        SUDO=()
        return 0
    fi
    local cmd="apt-get install -y --no-install-recommends $*"
    have sudo || die "not root and no sudo: ask an administrator to run: $cmd"
    if sudo -n true 2>/dev/null; then
        SUDO=(sudo -n)
        return 0
    fi
    say "root is needed to install packages; sudo may ask for your password"
    sudo -v || die "could not become root with sudo: ask an administrator to run: $cmd"
    SUDO=(sudo)
}

as_root() { "${SUDO[@]}" "$@"; }

apt_install() {
    local log rc=0 pkgs
    pkgs=$(printf '%s\n' "$@" | sort -u | tr '\n' ' ')
    get_root "$pkgs"
    log=$(mktemp "${TMPDIR:-/tmp}/adserverd-deps.XXXXXX.log")
    # Keep Debian's service start-ups (postgresql, redis-server, nginx) from
    # running during this install, unless a policy is already in place.
    local policy=/usr/sbin/policy-rc.d ours=0
    if [ ! -e "$policy" ]; then
        if as_root sh -c "printf '#!/bin/sh\n# temporary, from adserverd scripts/deps.sh\nexit 101\n' > $policy && chmod 755 $policy"; then
            ours=1
        fi
    fi
    say "apt-get update (log: $log)"
    as_root env DEBIAN_FRONTEND=noninteractive apt-get update -q >>"$log" 2>&1 || rc=$?
    if [ "$rc" -eq 0 ]; then
        say "apt-get install: $pkgs"
        # shellcheck disable=SC2086
        as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
            --no-install-recommends -o Dpkg::Options::=--force-confdef \
            -o Dpkg::Options::=--force-confold $pkgs >>"$log" 2>&1 || rc=$?
    fi
    if [ "$ours" -eq 1 ]; then
        as_root rm -f "$policy" || true
    fi
    if [ "$rc" -ne 0 ]; then
        tail -n 25 "$log" >&2
        die "apt-get failed (exit $rc); full log: $log"
    fi
    rm -f "$log"
}

# ------------------------------------------------------------------ main ----
if [ "${DEPS_SKIP_APT:-0}" != 1 ]; then
    check_apt
    if [ "${#missing[@]}" -gt 0 ]; then
        say "missing: $(printf '%s\n' "${why[@]}" | sort -u | tr '\n' ' ')"
        apt_install "${missing[@]}"
        missing=(); why=()
        check_apt
        if [ "${#missing[@]}" -gt 0 ]; then
            die "still missing after install: $(printf '%s ' "${why[@]}")"
        fi
    fi
fi

[ "${DEPS_SKIP_NPM:-0}" = 1 ] && exit 0

have node || die "node is not installed"
if ! have npm; then
    die "node $(node --version 2>/dev/null) is at $(command -v node) but npm is not. That Node.js \
is not Debian's, so Debian's npm package (which would conflict with it) is not \
installed automatically: install npm from the same source as that node \
(NodeSource's nodejs package bundles it), or remove that node and re-run."
fi
node_version=$(node --version)          # v20.20.2
node_major=${node_version#v}
node_major=${node_major%%.*}
if [ "$node_major" -lt 18 ]; then
    die "node $node_version is too old: 18 or newer is needed"
fi

cd "$ROOT"
[ -f package-lock.json ] || die "$ROOT/package-lock.json is missing"
stamp=node_modules/.adserverd-deps.stamp
want="$(cat package.json package-lock.json .npmrc 2>/dev/null | sha256sum) node$node_major"
if [ -f "$stamp" ] && [ -f node_modules/.package-lock.json ] &&
   [ -e node_modules/s3rver/package.json ] && [ "$(cat "$stamp")" = "$want" ]; then
    exit 0
fi
say "npm ci (test tools into $ROOT/node_modules)"
log=$(mktemp "${TMPDIR:-/tmp}/adserverd-npm.XXXXXX.log")
if ! npm ci --no-audit --no-fund --loglevel=error >"$log" 2>&1; then
    tail -n 25 "$log" >&2
    die "npm ci failed; full log: $log"
fi
rm -f "$log"
printf '%s\n' "$want" >"$stamp"
