#!/usr/bin/env bash
# A throwaway PostgreSQL cluster for the tests.
#
#   eval "$(.ci/pg.sh start)"   # prints export NEWSHOUND_TEST_PG=... and PGTEST_DIR=...
#   .ci/pg.sh stop              # stops it and removes its directory (uses $PGTEST_DIR)
#
# initdb refuses to run as root, and CI may run as root: the cluster then
# belongs to the unprivileged "postgres" user (created by Debian's package)
# or, failing that, "nobody", in a temporary directory that user owns. It
# listens only on a loopback port with trust authentication, so it needs
# no password and nothing outside this machine can reach it.
set -euo pipefail

bindir() {
  if command -v pg_ctl >/dev/null 2>&1; then dirname "$(command -v pg_ctl)"; return; fi
  local d
  d=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
  [ -n "$d" ] || { echo "pg.sh: no PostgreSQL found (apt-get install postgresql)" >&2; exit 1; }
  echo "$d"
}

as_user() {
  if [ "$(id -u)" != 0 ]; then "$@"; return; fi
  local u=postgres
  id "$u" >/dev/null 2>&1 || u=nobody
  runuser -u "$u" -- "$@"
}

case "${1:-}" in
start)
  bin=$(bindir)
  dir=$(mktemp -d /tmp/newshound-pg.XXXXXX)
  chmod 755 "$dir"
  if [ "$(id -u)" = 0 ]; then
    u=postgres; id "$u" >/dev/null 2>&1 || u=nobody
    chown "$u" "$dir"
  fi
  # A free loopback port: ask the kernel for one.
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])' 2>/dev/null || echo $((20000 + RANDOM % 20000)))
  as_user "$bin/initdb" -D "$dir/data" -U newshound --auth=trust -E UTF8 --locale=C >"$dir/initdb.log" 2>&1 \
    || { cat "$dir/initdb.log" >&2; exit 1; }
  # Durability off: a test cluster is thrown away, and fsyncs on a shared
  # two-core machine would make the suite slow, not more correct.
  as_user "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
    -o "-c listen_addresses=127.0.0.1 -p $port -k $dir -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=300" \
    start >/dev/null || { cat "$dir/server.log" >&2; exit 1; }
  echo "export PGTEST_DIR=$dir"
  echo "export NEWSHOUND_TEST_PG='postgres://newshound@127.0.0.1:$port/postgres?sslmode=disable'"
  ;;
stop)
  dir=${PGTEST_DIR:?pg.sh stop: PGTEST_DIR is not set}
  bin=$(bindir)
  as_user "$bin/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null 2>&1 || true
  rm -rf "$dir"
  ;;
*)
  echo "usage: pg.sh start|stop" >&2; exit 1 ;;
esac
