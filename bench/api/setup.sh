#!/usr/bin/env bash
# What bench/api/load-bench needs on Debian 12, installed idempotently, and a throw-away
# PostgreSQL cluster for the peer stack (fastify + node-postgres + PostgreSQL).
#
#   bench/api/setup.sh install            apt: wrk, nghttp2-client (h2load), postgresql (15 on Debian 12)
#   bench/api/setup.sh start-pg DIR PORT  initdb DIR as the postgres user (if empty) and start it on
#                                         127.0.0.1:PORT with its socket in DIR; prints the version
#   bench/api/setup.sh stop-pg DIR        stop the cluster (fast shutdown); the caller removes DIR
#
# The runner (dist/bench/api/load-bench.js) calls start-pg/stop-pg itself; run `install` once
# (as root). npm devDependencies (fastify, pg) come from `npm install`.
set -euo pipefail

PG_BIN="${PG_BIN:-}"
find_pg_bin() {
  if [[ -z "$PG_BIN" ]]; then
    local v
    v=$(ls /usr/lib/postgresql 2>/dev/null | sort -n | tail -1 || true)
    [[ -n "$v" ]] || { echo "setup.sh: PostgreSQL is not installed (run: $0 install)" >&2; exit 1; }
    PG_BIN="/usr/lib/postgresql/$v/bin"
  fi
}

as_postgres() {
  if [[ "$(id -un)" == "postgres" ]]; then "$@"; else runuser -u postgres -- "$@"; fi
}

cmd="${1:-install}"
case "$cmd" in
  install)
    need=()
    command -v wrk >/dev/null || need+=(wrk)
    command -v h2load >/dev/null || need+=(nghttp2-client)
    ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1 || need+=(postgresql)
    if ((${#need[@]})); then
      apt-get update -qq
      DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}"
    fi
    # Debian's package starts a default cluster on 5432: the bench never uses it.
    echo "wrk: $(wrk -v 2>&1 | head -1)"
    echo "h2load: $(h2load --version)"
    find_pg_bin
    echo "postgres: $("$PG_BIN/postgres" --version)"
    ;;
  start-pg)
    dir="${2:?start-pg DIR PORT}"
    port="${3:?start-pg DIR PORT}"
    find_pg_bin
    mkdir -p "$dir"
    chown postgres:postgres "$dir"
    chmod 700 "$dir"
    if [[ ! -f "$dir/PG_VERSION" ]]; then
      as_postgres "$PG_BIN/initdb" -D "$dir" -U postgres --auth=trust -E UTF8 --locale=C >/dev/null
    fi
    # Durable commits as shipped (fsync, synchronous_commit on); enough connections for the pool.
    as_postgres "$PG_BIN/pg_ctl" -D "$dir" -l "$dir/server.log" -w \
      -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c max_connections=50" start >/dev/null
    "$PG_BIN/postgres" --version
    ;;
  stop-pg)
    dir="${2:?stop-pg DIR}"
    find_pg_bin
    if [[ -f "$dir/postmaster.pid" ]]; then
      as_postgres "$PG_BIN/pg_ctl" -D "$dir" -m fast -w stop >/dev/null
    fi
    ;;
  *)
    echo "usage: $0 install | start-pg DIR PORT | stop-pg DIR" >&2
    exit 2
    ;;
esac
