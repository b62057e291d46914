#!/bin/sh
# Makes an Odoo database with a million contacts for `rd-bench ... real` (bench/README.md):
# copies an existing Odoo 17 database (its modules, users and API keys come along), sets the
# company's country to China and adds N bulk partners with mixed Chinese and US number formats
# (bench/real-odoo-load.sql says exactly what they look like). Plain SQL: 1,000,000 partners take
# about 2 minutes on 2 cores, where creating them over RPC would take hours.
#
#   sh bench/real-odoo-load.sh [--from DB] [--db DB] [--contacts N] [--replace]
#
#   --from DB      database to copy (default ringdesk, the one `real-odoo setup` made); it stays
#                  untouched and may be in use (the copy is a pg_dump, not CREATE DATABASE ... TEMPLATE,
#                  which needs the template idle)
#   --db DB        database to create (default ringdesk1m)
#   --contacts N   bulk partners to add (default 1000000)
#   --replace      drop DB first if it exists
#
# PostgreSQL is reached through libpq's environment (PGHOST, PGPORT, PGUSER, PGPASSWORD); for the
# server that `real-odoo` runs: PGHOST=127.0.0.1 PGUSER=odoo PGPASSWORD=odoo. The role must be
# allowed to create databases. The Odoo server serves the new database as it is (JSON-RPC names
# the database in every call; --db-filter only applies to the web client). Its filestore is copied
# too when found ($ODOO_DATA_DIR, default ~/.local/share/Odoo), so the web client works on it.
set -eu
cd "$(dirname "$0")"

from=ringdesk
db=ringdesk1m
contacts=1000000
replace=no
while [ $# -gt 0 ]; do
  case "$1" in
    --from) from=$2; shift ;;
    --db) db=$2; shift ;;
    --contacts) contacts=$2; shift ;;
    --replace) replace=yes ;;
    *) sed -n '2,22p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2 ;;
  esac
  shift
done
case "$contacts" in ''|*[!0-9]*) echo "--contacts takes a number" >&2; exit 2 ;; esac

exists() { [ "$(psql -d postgres -Atc "select 1 from pg_database where datname = '$1'")" = 1 ]; }
exists "$from" || { echo "real-odoo-load: no database $from" >&2; exit 1; }
if exists "$db"; then
  [ "$replace" = yes ] || { echo "real-odoo-load: $db exists (use --replace to drop it)" >&2; exit 1; }
  dropdb --force "$db"   # Odoo keeps connections to every database it served
fi

start=$(date +%s)
echo "copying $from to $db" >&2
createdb -T template0 -E UTF8 --lc-collate=C "$db"
pg_dump --no-owner -d "$from" | psql -q -d "$db" >/dev/null

cn=$(psql -d "$db" -Atc "select id from res_country where code = 'CN'")
us=$(psql -d "$db" -Atc "select id from res_country where code = 'US'")
psql -q -d "$db" -c "update res_partner set country_id = $cn
                     where id in (select partner_id from res_company order by id limit 1)"

echo "adding $contacts partners" >&2
psql -q -d "$db" -v ON_ERROR_STOP=1 -v contacts="$contacts" -v cn="$cn" -v us="$us" -f real-odoo-load.sql

store=${ODOO_DATA_DIR:-$HOME/.local/share/Odoo}/filestore
if [ -d "$store/$from" ] && [ ! -e "$store/$db" ]; then
  cp -a "$store/$from" "$store/$db"
fi
echo "real-odoo-load: $db ready in $(( $(date +%s) - start )) s" >&2
