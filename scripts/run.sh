#!/usr/bin/env bash
# Serve Zhiwang under gunicorn on 127.0.0.1:PORT, with a private PostGIS under var/ unless
# DATABASE_URL is set. Migrates and seeds the demo data (both idempotent) first; without a
# base map configured, serves the demo's synthetic one from var/demo-basemap.mbtiles.
set -euo pipefail
cd "$(dirname "$0")/.."
port=${1:-8000} pg_port=${2:-54329}
mkdir -p var
if [ -z "${DATABASE_URL:-}" ]; then
  DATABASE_URL=$(scripts/cluster.sh start var/pg "$pg_port")
  export DATABASE_URL
fi
if [ -z "${ZHIWANG_JWT_KEYS:-}" ]; then
  scripts/secrets.sh var/secrets.env
  # shellcheck disable=SC1091
  source var/secrets.env
fi
export FLASK_APP=wsgi
.venv/bin/flask db upgrade
.venv/bin/flask demo seed
if [ -z "${ZHIWANG_BASEMAP:-}" ] && [ -z "${ZHIWANG_TILE_PACKAGE:-}" ]; then
  .venv/bin/flask demo basemap var/demo-basemap.mbtiles
  export ZHIWANG_TILE_PACKAGE=$PWD/var/demo-basemap.mbtiles
fi
# One job worker beside the web server (exports, imports, deliveries); more can run anywhere
# with `flask jobs work` on the same database.
.venv/bin/flask jobs work &
worker=$!
trap 'kill "$worker" 2>/dev/null' EXIT
echo "Zhiwang on http://127.0.0.1:$port  (API docs: /api/docs; demo password: ${ZHIWANG_DEMO_PASSWORD:-zhiwang-demo})"
.venv/bin/gunicorn --config gunicorn.conf.py --bind "127.0.0.1:$port" --workers "${WEB_CONCURRENCY:-3}" \
  --threads "${GUNICORN_THREADS:-4}" --access-logfile - --forwarded-allow-ips 127.0.0.1 wsgi:app
