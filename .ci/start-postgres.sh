#!/usr/bin/env bash
# Start a throwaway PostgreSQL cluster on 127.0.0.1:${PGPORT:-55432} for the test suite.
# Prints the URL to use as DISTRIBUTOR_TEST_POSTGRES_URL. Needs Debian's postgresql package.
set -euo pipefail
port="${PGPORT:-55432}"
dir="${PGDATA_DIR:-/tmp/distributor-pg}"
bin="$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)"
if ! "$bin/pg_isready" -q -h 127.0.0.1 -p "$port" 2>/dev/null; then
  rm -rf "$dir" && mkdir -p "$dir" && chown postgres:postgres "$dir"
  runuser -u postgres -- "$bin/initdb" -D "$dir/data" -A trust -U postgres >/dev/null
  runuser -u postgres -- "$bin/pg_ctl" -D "$dir/data" -l "$dir/log" -w \
    -o "-h 127.0.0.1 -p $port -k $dir -c max_connections=200 -c fsync=off -c synchronous_commit=off" start >/dev/null
fi
"$bin/psql" -h 127.0.0.1 -p "$port" -U postgres -tAc "SELECT 1 FROM pg_database WHERE datname='distributor_test'" | grep -q 1 \
  || "$bin/createdb" -h 127.0.0.1 -p "$port" -U postgres distributor_test
echo "postgresql://postgres@127.0.0.1:$port/distributor_test"
