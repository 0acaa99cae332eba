#!/usr/bin/env bash
# Installs the servers the integration tests start on loopback: PostgreSQL and Redis
# (Debian packages), and Debian's Chromium for the sandbox page's browser test. The tests
# start throwaway instances in temporary directories; nothing here starts a system-wide
# service. Safe to run again: it installs only what is missing.
set -euo pipefail

need=()
pg_bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
[ -n "$pg_bin" ] && [ -x "$pg_bin/initdb" ] || need+=(postgresql)
command -v redis-server >/dev/null 2>&1 || need+=(redis-server)
# Headless browser for the sandbox page's test (Playwright drives it; it downloads none).
[ -x /usr/bin/chromium ] || need+=(chromium)

if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "install-services: need root to install: ${need[*]}" >&2
    exit 1
  fi
  echo "install-services: installing ${need[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi
# The Debian package starts a cluster and a server of its own; the tests use their own.
if command -v systemctl >/dev/null 2>&1; then
  systemctl stop redis-server postgresql >/dev/null 2>&1 || true
fi
