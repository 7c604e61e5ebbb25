# Start and stop a throwaway PostgreSQL cluster (sourced by scripts/test.sh and benchmarks).
#
# pg_start: installs Debian's server if it is missing, creates a cluster in a temporary folder,
# starts it on a free loopback port and exports PG_URL (a superuser URL), PG_WORK and PG_BIN.
# pg_stop: stops it and removes the folder.

pg_bin() { ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1; }

pg_as_owner() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

pg_start() {
  PG_BIN=$(pg_bin)
  if [ -z "$PG_BIN" ]; then
    echo "installing postgresql with apt-get"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
    PG_BIN=$(pg_bin)
  fi
  PG_WORK=$(mktemp -d /tmp/hotline-pg.XXXXXX)
  chmod 755 "$PG_WORK"
  mkdir "$PG_WORK/data"
  [ "$(id -u)" = 0 ] && chown postgres "$PG_WORK/data"
  local port
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  pg_as_owner "$PG_BIN/initdb" -D "$PG_WORK/data" -U postgres -A trust -E UTF8 --no-sync >/dev/null
  # Durability is not what these tests measure: fsync off keeps a throwaway cluster fast.
  pg_as_owner "$PG_BIN/pg_ctl" -D "$PG_WORK/data" -l "$PG_WORK/data/server.log" -w start \
    -o "-p $port -k $PG_WORK/data -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200" >/dev/null
  export PG_URL="postgres://postgres@127.0.0.1:$port/postgres" PG_WORK PG_BIN
  echo "PostgreSQL $("$PG_BIN/postgres" --version | awk '{print $3}') on port $port"
}

pg_stop() {
  [ -n "${PG_WORK:-}" ] || return 0
  pg_as_owner "$PG_BIN/pg_ctl" -D "$PG_WORK/data" -m immediate stop >/dev/null 2>&1 || true
  rm -rf "$PG_WORK"
}
