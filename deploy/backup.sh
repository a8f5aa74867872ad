#!/usr/bin/env bash
# Back up one agency's database: PostgreSQL with pg_dump (custom format), SQLite with the online
# .backup command (consistent while the bot runs). Keeps 30 daily copies.
# Applicants' personal data is sealed in the database: the dump holds ciphertext only. The key
# (GONGKAI_DATA_KEY or the key file, docs/personal-data.md) is deliberately NOT backed up here —
# keep it apart; restoring a dump needs the key(s) in use when it was made.
#   GONGKAI_DATABASE_URL   the agency's database (from its env file)
#   BACKUP_DIR             default /var/backups/gongkai/<agency>
set -euo pipefail
agency="${1:?usage: backup.sh <agency>}"
dir="${BACKUP_DIR:-/var/backups/gongkai/$agency}"
stamp="$(date +%F-%H%M)"
mkdir -p "$dir"
url="${GONGKAI_DATABASE_URL:-sqlite:///data/gongkai.db}"
case "$url" in
  postgresql*|postgres*)
    # pg_dump understands libpq URLs; strip a SQLAlchemy "+driver" suffix if present.
    pg_dump --format=custom --no-owner --file="$dir/$agency-$stamp.dump" "${url/+asyncpg/}"
    pg_restore --list "$dir/$agency-$stamp.dump" > /dev/null   # the dump is readable
    ;;
  sqlite*)
    db="${url#sqlite:///}"
    sqlite3 "$db" ".backup '$dir/$agency-$stamp.db'"
    sqlite3 "$dir/$agency-$stamp.db" "PRAGMA integrity_check;" | grep -qx ok
    gzip -f "$dir/$agency-$stamp.db"
    ;;
  *) echo "unknown database URL scheme" >&2; exit 1 ;;
esac
find "$dir" -name "$agency-*" -mtime +30 -delete
