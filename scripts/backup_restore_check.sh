#!/usr/bin/env bash
# Back up the database with pg_dump -Fc, restore the dump into a scratch database, and compare
# the row count of every table. Exit 0 when every count matches, 1 on any difference, 2 when a
# step fails. The scratch database is dropped at the end either way.
#
#   scripts/backup_restore_check.sh [DATABASE_URL] [BACKUP_FILE]
#
# DATABASE_URL defaults to $DATABASE_URL (postgres://user@host:port/name). The dump is kept in
# BACKUP_FILE (default var/backups/<name>-<UTC timestamp>.dump), so the check also leaves a backup.
set -uo pipefail

url="${1:-${DATABASE_URL:-}}"
if [[ -z "$url" || "$url" != postgres* ]]; then
  echo "usage: $0 postgres://user@host:port/database [backup-file]" >&2
  exit 2
fi
source_db="${url##*/}"
source_db="${source_db%%\?*}"
server_url="${url%/*}"
stamp="$(date -u +%Y%m%dT%H%M%SZ)"
backup="${2:-var/backups/${source_db}-${stamp}.dump}"
scratch="${source_db}_restorecheck_${stamp,,}"
scratch="${scratch//[^a-z0-9_]/_}"
mkdir -p "$(dirname "$backup")"

cleanup() { psql "$server_url/postgres" -qAtc "DROP DATABASE IF EXISTS \"$scratch\"" >/dev/null 2>&1; }
trap cleanup EXIT

counts() {
  # Exact counts (not the planner's estimates), one "table count" line per table, sorted.
  local db_url="$1"
  psql "$db_url" -qAt -F ' ' -c "SELECT table_schema || '.' || table_name FROM information_schema.tables
                                 WHERE table_type = 'BASE TABLE'
                                   AND table_schema NOT IN ('pg_catalog', 'information_schema')
                                 ORDER BY 1" |
  while read -r table; do
    printf '%s %s\n' "$table" "$(psql "$db_url" -qAtc "SELECT count(*) FROM $table")"
  done
}

echo "Backing up $source_db to $backup"
pg_dump -Fc --no-owner --file "$backup" "$url" || { echo "pg_dump failed" >&2; exit 2; }
before="$(counts "$url")" || exit 2

echo "Restoring into scratch database $scratch"
psql "$server_url/postgres" -qAtc "CREATE DATABASE \"$scratch\"" >/dev/null || exit 2
pg_restore --no-owner --exit-on-error --dbname "$server_url/$scratch" "$backup" || {
  echo "pg_restore failed" >&2; exit 2; }
after="$(counts "$server_url/$scratch")" || exit 2

if diff <(printf '%s\n' "$before") <(printf '%s\n' "$after"); then
  echo "OK: $(printf '%s\n' "$before" | wc -l) tables, every row count matches."
  exit 0
fi
echo "DIFFERENCE: the restored database does not match (lines above: < source, > restored)." >&2
exit 1
