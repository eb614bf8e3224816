#!/usr/bin/env bash
# Starts the real PostgreSQL and Redis that the tests use, on loopback, if they are not running.
# Prints the environment to export, e.g. `eval "$(scripts/services.sh)"`.
set -euo pipefail
PG_PORT=${PL_PG_PORT:-5432}
REDIS_PORT=${PL_REDIS_PORT:-6379}

ver=$(ls /usr/lib/postgresql | sort -V | tail -1)
if ! pg_lsclusters -h 2>/dev/null | awk -v p="$PG_PORT" '$3==p' | grep -q online; then
  if ! pg_lsclusters -h 2>/dev/null | awk -v p="$PG_PORT" '$3==p' | grep -q .; then
    pg_createcluster "$ver" policyledger -p "$PG_PORT" >/dev/null
  fi
  cluster=$(pg_lsclusters -h | awk -v p="$PG_PORT" '$3==p {print $1" "$2; exit}')
  pg_ctlcluster $cluster start >&2
fi
for _ in $(seq 50); do pg_isready -q -h 127.0.0.1 -p "$PG_PORT" && break; sleep 0.2; done
su postgres -c "psql -q -p $PG_PORT -tAc \"SELECT 1 FROM pg_roles WHERE rolname='policyledger'\"" | grep -q 1 \
  || su postgres -c "psql -q -p $PG_PORT -c \"CREATE ROLE policyledger LOGIN CREATEDB PASSWORD 'policyledger'\"" >&2
su postgres -c "psql -q -p $PG_PORT -tAc \"SELECT 1 FROM pg_database WHERE datname='policyledger'\"" | grep -q 1 \
  || su postgres -c "createdb -p $PG_PORT -O policyledger policyledger" >&2

if ! redis-cli -p "$REDIS_PORT" ping >/dev/null 2>&1; then
  redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --daemonize yes --save '' --appendonly no \
    --logfile /tmp/policyledger-redis.log >&2
  for _ in $(seq 50); do redis-cli -p "$REDIS_PORT" ping >/dev/null 2>&1 && break; sleep 0.1; done
fi

echo "export PL_PG_URL=postgres://policyledger:policyledger@127.0.0.1:$PG_PORT/policyledger"
echo "export PL_REDIS_URL=redis://127.0.0.1:$REDIS_PORT/0"
