#!/usr/bin/env bash
# The project-local PostGIS cluster: data in .pgdata/, reached through a Unix socket only,
# so clusters of two clones never fight over a TCP port.
# Usage: scripts/pg.sh start|stop|status|destroy|url [DBNAME]
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
link="$root/.pgdata"
hash=$(printf '%s' "$root" | sha1sum | cut -c1-10)

pg_bin() {
  local v
  for v in $(ls /usr/lib/postgresql 2>/dev/null | sort -V -r); do
    if [ -f "/usr/share/postgresql/$v/extension/postgis.control" ] &&
       [ -f "/usr/lib/postgresql/$v/lib/postgis-3.so" ]; then
      echo "/usr/lib/postgresql/$v/bin"; return
    fi
  done
  return 1
}

# PostgreSQL refuses to run as root: as root, the cluster runs as the postgres user.
as_owner() {
  if [ "$(id -u)" -eq 0 ]; then (cd / && runuser -u postgres -- "$@"); else "$@"; fi
}

data_dir() {
  # The cluster's owner must be able to reach the folder; a clone under a private
  # folder (mktemp -d) is not reachable by postgres, so its data lives elsewhere.
  if [ -L "$link" ] || [ -d "$link" ]; then readlink -f "$link"; return; fi
  if [ "$(id -u)" -ne 0 ] || runuser -u postgres -- test -x "$root"; then
    echo "$link"
  else
    echo "/var/tmp/safe-havens-pg/$hash"
  fi
}

sock_dir() {
  local d; d="$(data_dir)/sock"
  # Unix socket paths are limited to ~107 bytes.
  if [ ${#d} -gt 80 ]; then d="/tmp/safe-havens-pg-$hash"; fi
  echo "$d"
}

init_cluster() {
  local data="$1" sock="$2" bin="$3"
  mkdir -p "$data" "$sock"
  [ "$data" != "$link" ] && ln -sfn "$data" "$link"
  if [ "$(id -u)" -eq 0 ]; then chown postgres "$data" "$sock"; chmod 700 "$data"; fi
  if [ ! -f "$data/db/PG_VERSION" ]; then
    echo "Creating the local PostGIS cluster in .pgdata/"
    as_owner "$bin/initdb" -D "$data/db" -U safehavens --auth=trust --encoding=UTF8 \
      --locale=C.UTF-8 >/dev/null
    cat >>"$data/db/postgresql.conf" <<CONF
listen_addresses = ''
unix_socket_directories = '$sock'
unix_socket_permissions = 0700
max_connections = 60
shared_buffers = 256MB
work_mem = 32MB
maintenance_work_mem = 256MB
CONF
  fi
}

cmd=${1:-status}
case "$cmd" in
  start)
    bin=$(pg_bin) || { "$root/scripts/system-deps.sh" postgis; bin=$(pg_bin); }
    data=$(data_dir); sock=$(sock_dir)
    init_cluster "$data" "$sock" "$bin"
    mkdir -p "$sock"; [ "$(id -u)" -eq 0 ] && chown postgres "$sock"
    if ! as_owner "$bin/pg_ctl" -D "$data/db" status >/dev/null 2>&1; then
      as_owner "$bin/pg_ctl" -D "$data/db" -l "$data/db/server.log" -w -t 60 start >/dev/null
      echo "Local PostGIS cluster started (socket $sock)"
    fi
    db=${2:-}
    if [ -n "$db" ]; then
      exists=$("$bin/psql" -h "$sock" -U safehavens -d postgres -tAc \
        "select 1 from pg_database where datname = '$db'")
      [ "$exists" = 1 ] || "$bin/createdb" -h "$sock" -U safehavens "$db"
    fi ;;
  stop)
    bin=$(pg_bin) || exit 0
    data=$(data_dir)
    if [ -f "$data/db/PG_VERSION" ] && as_owner "$bin/pg_ctl" -D "$data/db" status >/dev/null 2>&1; then
      as_owner "$bin/pg_ctl" -D "$data/db" -m fast -w stop >/dev/null
      echo "Local PostGIS cluster stopped"
    fi ;;
  status)
    bin=$(pg_bin) || { echo "PostGIS not installed"; exit 3; }
    as_owner "$bin/pg_ctl" -D "$(data_dir)/db" status ;;
  destroy)
    "$0" stop
    data=$(data_dir)
    rm -rf "$data" "$link" "/tmp/safe-havens-pg-$hash"
    echo "Local PostGIS cluster deleted" ;;
  url)
    echo "postgresql+psycopg://safehavens@/${2:-safehavens}?host=$(sock_dir)" ;;
  *) echo "usage: $0 start|stop|status|destroy|url [DBNAME]" >&2; exit 2 ;;
esac
