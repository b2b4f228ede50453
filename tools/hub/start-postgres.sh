#!/usr/bin/env bash
# Starts a throwaway PostgreSQL cluster (Debian's postgresql package, 15 on bookworm) on 127.0.0.1
# for the hub's scale-out tests and benchmark, and prints its connection URL on the last line:
#   postgres://hub@127.0.0.1:PORT/hub
# Needs: apt-get install -y --no-install-recommends postgresql
# Usage: tools/hub/start-postgres.sh [DIR [PORT]]   (DIR: a new temp dir; PORT: a free port)
#        tools/hub/start-postgres.sh --stop DIR
# As root the server runs as the 'postgres' user (PostgreSQL refuses to run as root). The cluster
# trusts local connections and runs with fsync off: test data only, never production.
set -euo pipefail
BIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1 || true)
[ -n "$BIN" ] && [ -x "$BIN/initdb" ] || { echo "start-postgres: PostgreSQL server binaries not found (apt-get install postgresql)" >&2; exit 2; }
as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }

if [ "${1:-}" = "--stop" ]; then
  DIR=${2:?usage: start-postgres.sh --stop DIR}
  [ -f "$DIR/data/postmaster.pid" ] && as_pg "$BIN/pg_ctl" -D "$DIR/data" -m immediate -w stop >/dev/null 2>&1 || true
  rm -rf "$DIR"
  exit 0
fi

DIR=${1:-$(mktemp -d /tmp/kindling-pg-XXXXXX)}
PORT=${2:-$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])' 2>/dev/null \
  || node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})')}
mkdir -p "$DIR/sock"
[ "$(id -u)" = 0 ] && chown -R postgres: "$DIR"
as_pg "$BIN/initdb" -D "$DIR/data" -U hub -A trust -E UTF8 --locale=C.UTF-8 --no-sync >"$DIR/initdb.log" 2>&1 \
  || { cat "$DIR/initdb.log" >&2; exit 1; }
as_pg "$BIN/pg_ctl" -D "$DIR/data" -l "$DIR/server.log" -w -t 60 \
  -o "-c listen_addresses=127.0.0.1 -p $PORT -k $DIR/sock -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200" \
  start >/dev/null || { cat "$DIR/server.log" >&2; exit 1; }
as_pg "$BIN/createdb" -h 127.0.0.1 -p "$PORT" -U hub hub
echo "postgres://hub@127.0.0.1:$PORT/hub"
