#!/usr/bin/env bash
# Runs the kernel and training benchmark (src/bin/bench.rs) twice: natively, and as wasm with
# simd128 in headless Chromium. Both print their result lines to stdout.
#
#   bash scripts/bench.sh            # both
#   bash scripts/bench.sh --native   # the host only
#   bash scripts/bench.sh --wasm     # Chromium only
#   bash scripts/bench.sh --code RE  # Chromium, then V8's x64 code for the functions matching
#                                    # RE, in target/wasm-code/ (needs objdump, from binutils)
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export PATH="$HOME/.cargo/bin:$PATH"
cd "$ROOT"

native=1
wasm=1
code=""
case "${1:-}" in
  "") ;;
  --native) wasm=0 ;;
  --wasm) native=0 ;;
  --code) native=0; code="${2:?--code needs a function name pattern}" ;;
  *) echo "usage: $0 [--native|--wasm|--code REGEX]" >&2; exit 2 ;;
esac

if [[ "$native" == 1 ]]; then
  echo "==> native ($(uname -m))"
  cargo run --quiet --release --bin bench
fi

if [[ "$wasm" == 1 ]]; then
  bash scripts/ensure-tools.sh --browser
  out="$ROOT/target/bench-web"

  echo "==> wasm32 + simd128 in $(chromium --version 2>/dev/null)"
  # With relaxed-simd: the bench times the simd128 and the relaxed-madd products side by side.
  cargo build --quiet --release --target wasm32-unknown-unknown --features relaxed-simd --bin bench
  rm -rf "$out"
  wasm-bindgen --target web --out-dir "$out" \
    target/wasm32-unknown-unknown/release/bench.wasm
  # The bench's main runs as wasm-bindgen's start function as soon as init() instantiates it.
  cat >"$out/index.html" <<'HTML'
<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><link rel="icon" href="data:,"><title>bench</title></head>
<body>
<script type="module">
  import init from './bench.js';
  init().catch((error) => console.error(`bench failed to start: ${error}`));
</script>
</body>
</html>
HTML
  if [[ -n "$code" ]]; then
    node tests/e2e/wasm-code.mjs "$out" "$code"
  else
    node tests/e2e/bench-runner.mjs "$out"
  fi
fi
