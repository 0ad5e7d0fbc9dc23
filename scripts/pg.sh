# Sourced by scripts/test.sh and scripts/loadgen-table.sh: a private PostgreSQL from Debian's
# package (postgresql), in a temporary directory, on a Unix socket there (no port to clash),
# run as the unprivileged postgres user when the caller is root. pg_start [SETTING=VALUE…]
# sets PG_URL (the maintenance database, superuser infomat) and stops the server on exit.
pg_start() {
  pg_bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
  pg_dir=$(mktemp -d)
  pg_as=()
  if [ "$(id -u)" -eq 0 ]; then chown postgres: "$pg_dir"; pg_as=(runuser -u postgres --); fi
  "${pg_as[@]}" "$pg_bin/initdb" -D "$pg_dir/data" -U infomat -A trust -E UTF8 --locale=C.UTF-8 --no-sync >/dev/null
  local opts="-c listen_addresses='' -c unix_socket_directories='$pg_dir' -c max_connections=300"
  for s in "$@"; do opts="$opts -c $s"; done
  "${pg_as[@]}" "$pg_bin/pg_ctl" -D "$pg_dir/data" -l "$pg_dir/log" -w -s -o "$opts" start
  trap pg_stop EXIT
  PG_URL="postgres://infomat@/postgres?host=$pg_dir"
}

pg_stop() {
  "${pg_as[@]}" "$pg_bin/pg_ctl" -D "$pg_dir/data" -m fast -w -s stop || true
  rm -rf "$pg_dir"
}
