#!/usr/bin/env bash
# Browser smoke test of the public pages: builds `stockscanner`, serves it on a free
# local port with a throw-away data directory, runs tests/browser/smoke.mjs against it
# in Debian's Chromium, and stops the server whatever happens.
#
# Needs node/npm and chromium (`apt-get install -y chromium nodejs npm`).
# SMOKE_PROFILE=release reuses a release build (as CI has one already); default debug.
# SCREENSHOT_DIR, if set, receives screenshots of every page (see smoke.mjs).
set -euo pipefail
cd "$(dirname "$0")/.."

export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-/var/tmp/stockscanner-target}"
profile="${SMOKE_PROFILE:-debug}"
chromium="${CHROMIUM:-/usr/bin/chromium}"

if [[ ! -x "$chromium" ]]; then
  echo "browser_smoke: $chromium not found; install it with: apt-get install -y chromium" >&2
  exit 1
fi

if [[ "$profile" == release ]]; then
  cargo build --locked --release -p stockscanner
else
  cargo build --locked -p stockscanner
fi
binary="$(realpath -m "$CARGO_TARGET_DIR/$profile/stockscanner")"

# The exact versions in package-lock.json, installed once per checkout.
if [[ ! -d tests/browser/node_modules/playwright-core ]]; then
  (cd tests/browser && npm ci --no-audit --no-fund)
fi

data_dir="$(mktemp -d)"
port="$(node -e 'const s = require("net").createServer().listen(0, "127.0.0.1", () => { console.log(s.address().port); s.close(); });')"
base="http://127.0.0.1:$port"
server_pid=""

cleanup() {
  if [[ -n "$server_pid" ]] && kill -0 "$server_pid" 2>/dev/null; then
    kill "$server_pid"
    wait "$server_pid" 2>/dev/null || true
  fi
  rm -rf "$data_dir"
}
trap cleanup EXIT

# Started from the data directory so a developer's .env in the checkout is not read.
(cd "$data_dir" && ENVIRONMENT=test DATA_DIR="$data_dir" RUST_LOG="${RUST_LOG:-warn}" \
  exec "$binary" serve --bind "127.0.0.1:$port") &
server_pid=$!

ready=""
for _ in $(seq 1 100); do
  if node -e 'fetch(process.argv[1]).then(r => process.exit(r.ok ? 0 : 1), () => process.exit(1))' "$base/healthz"; then
    ready=yes
    break
  fi
  if ! kill -0 "$server_pid" 2>/dev/null; then
    echo "browser_smoke: the server exited before it was ready" >&2
    exit 1
  fi
  sleep 0.1
done
if [[ -z "$ready" ]]; then
  echo "browser_smoke: the server did not answer $base/healthz within 10 s" >&2
  exit 1
fi

CHROMIUM="$chromium" node tests/browser/smoke.mjs "$base"
