#!/usr/bin/env bash
# Installs what building and testing the app need, and only what is missing.
#
#   bash scripts/ensure-tools.sh             # wasm32 target, wasm-bindgen-cli, trunk
#   bash scripts/ensure-tools.sh --browser   # also Chromium, ChromeDriver and tests/e2e's npm packages
#
# Every check is a version probe, so a second run with everything present takes about a second.
# Nothing is downloaded outside crates.io, Debian's packages and the npm registry: Trunk builds
# with --offline and finds the wasm-bindgen installed here; the browser is Debian's Chromium.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export PATH="$HOME/.cargo/bin:$PATH"

# Must match the `wasm-bindgen = "=…"` pin in Cargo.toml: the CLI refuses other schema versions.
WASM_BINDGEN_VERSION=0.2.130
TRUNK_VERSION=0.21.14

browser=0
for arg in "$@"; do
  case "$arg" in
    --browser) browser=1 ;;
    *) echo "usage: $0 [--browser]" >&2; exit 2 ;;
  esac
done

say() { echo "ensure-tools: $*"; }

# Prints the version a command reports (its second word), or nothing when it is missing.
version_of() {
  command -v "$1" >/dev/null 2>&1 || return 0
  "$1" --version 2>/dev/null | awk 'NR == 1 { print $2 }'
}

cd "$ROOT"

# rustup reads rust-toolchain.toml here; an already-installed toolchain does not gain the
# file's targets by itself, so add the one we need explicitly.
if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  say "installing the wasm32-unknown-unknown target"
  rustup target add wasm32-unknown-unknown
fi

if [[ "$(version_of wasm-bindgen)" != "$WASM_BINDGEN_VERSION" ]] \
  || ! command -v wasm-bindgen-test-runner >/dev/null 2>&1; then
  # Without --locked: that is the combination checked to build with this toolchain.
  say "installing wasm-bindgen-cli $WASM_BINDGEN_VERSION (about 3 minutes)"
  cargo install --force wasm-bindgen-cli --version "$WASM_BINDGEN_VERSION"
fi

if [[ "$(version_of trunk)" != "$TRUNK_VERSION" ]]; then
  say "installing trunk $TRUNK_VERSION (about 7 minutes)"
  cargo install --force --locked trunk --version "$TRUNK_VERSION"
fi

if [[ "$browser" == 1 ]]; then
  apt_updated=0
  apt_install() {
    if [[ "$apt_updated" == 0 ]]; then
      say "apt-get update"
      apt-get update -qq
      apt_updated=1
    fi
    say "installing $* from Debian"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
  }

  if [[ ! -x /usr/bin/chromium || ! -x /usr/bin/chromedriver ]]; then
    apt_install chromium chromium-driver
  fi
  if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
    apt_install nodejs npm
  fi

  # npm ci only when the lock file changed since the last install (or there was none).
  e2e="$ROOT/tests/e2e"
  lock_hash="$(sha256sum "$e2e/package-lock.json" | cut -d' ' -f1)"
  stamp="$e2e/node_modules/.package-lock.sha256"
  if [[ ! -f "$stamp" || "$(cat "$stamp")" != "$lock_hash" ]]; then
    say "installing tests/e2e's npm packages (npm ci)"
    (cd "$e2e" && npm ci --no-audit --no-fund --loglevel=error)
    echo "$lock_hash" >"$stamp"
  fi
fi

say "ok: $(rustc --version | awk '{ print $1, $2 }'), wasm-bindgen $(version_of wasm-bindgen)," \
  "trunk $(version_of trunk)$([[ "$browser" == 1 ]] && echo ", $(chromium --version 2>/dev/null | awk '{ print $1, $2 }'), node $(node --version)")"
