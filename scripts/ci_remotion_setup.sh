#!/usr/bin/env bash
# CI: what tests/test_remotion.py needs: Debian's chromium and the npm packages of
# examples/remotion (from package-lock.json). Idempotent; quick when both are in place.
# Nothing here downloads a browser: Remotion renders with /usr/bin/chromium.
set -euo pipefail
cd "$(dirname "$0")/../examples/remotion"

if [ ! -x /usr/bin/chromium ]; then
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends chromium
fi

if ! command -v npm >/dev/null; then
  echo "ci_remotion_setup: npm not found; install Node.js 18 or newer" >&2
  exit 1
fi

# npm ci always deletes node_modules; skip it while the lock file is the one installed.
stamp=node_modules/.ci-package-lock.sha256
if [ -f "$stamp" ] && sha256sum --check --status "$stamp" 2>/dev/null; then
  exit 0
fi
npm ci --no-audit --no-fund --loglevel=error
sha256sum package-lock.json >"$stamp"
