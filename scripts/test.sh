#!/usr/bin/env bash
# Runs every test suite, in this order, and stops at the first stage that fails:
#
#   1. native      cargo test on the host (scalar kernels), all targets and doc tests
#   2. wasm-node   cargo test --target wasm32-unknown-unknown in Node (simd128 kernels)
#   3. wasm-chrome tests/wasm_browser.rs and tests/kernels.rs in headless Chromium through
#                  ChromeDriver, built with the relaxed-simd feature so that the fused
#                  products are checked there
#   4. build       trunk build --release --offline
#   5. e2e         node --test tests/e2e/ against dist/ (each spec serves it itself)
#
# Always ends with a summary and one line `N passed, M failed`; exits non-zero on any failure.
# A stage that fails before reporting tests (a compile error, say) counts as one failure.
#
#   bash scripts/test.sh           # everything: what CI runs and what the README promises
#   bash scripts/test.sh --quick   # stages 1 and 2 only, for a fast loop while developing
#
# Logs of every stage are kept in target/test-logs/.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export PATH="$HOME/.cargo/bin:$PATH"
cd "$ROOT"

quick=0
for arg in "$@"; do
  case "$arg" in
    --quick) quick=1 ;;
    *) echo "usage: $0 [--quick]" >&2; exit 2 ;;
  esac
done

if [[ "$quick" == 1 ]]; then
  bash scripts/ensure-tools.sh
else
  bash scripts/ensure-tools.sh --browser
fi

LOGS="$ROOT/target/test-logs"
mkdir -p "$LOGS"
rm -f "$LOGS"/*.log "$LOGS"/*.tap

total_passed=0
total_failed=0
stopped=""
summary=()

# Prints "passed failed" for a stage from cargo's and the wasm runner's `test result:` lines
# and from node's TAP totals (cancelled tests count as failed).
count_results() {
  cat "$@" 2>/dev/null | awk '
    /^test result: / {
      for (i = 2; i <= NF; i++) {
        if ($i == "passed;") passed += $(i - 1)
        if ($i == "failed;") failed += $(i - 1)
      }
    }
    /^# pass / { passed += $3 }
    /^# (fail|cancelled) / { failed += $3 }
    END { print passed + 0, failed + 0 }'
}

# run_stage SLUG TITLE COMMAND...: runs COMMAND (a function below) with its output teed to
# target/test-logs/SLUG.log, unless an earlier stage failed.
run_stage() {
  local slug="$1" title="$2"
  shift 2
  if [[ -n "$stopped" ]]; then
    summary+=("$(printf '%-12s %-44s skipped' "$slug" "$title")")
    return
  fi

  echo
  echo "==> $slug: $title"
  local start=$SECONDS status
  set +e
  "$@" 2>&1 | tee "$LOGS/$slug.log"
  status=${PIPESTATUS[0]}
  set -e
  local seconds=$((SECONDS - start))

  local passed failed
  read -r passed failed < <(count_results "$LOGS/$slug.log" "$LOGS/$slug.tap")
  if [[ "$status" != 0 && "$failed" == 0 ]]; then
    failed=1
  fi
  total_passed=$((total_passed + passed))
  total_failed=$((total_failed + failed))

  local verdict=ok
  if [[ "$status" != 0 ]]; then
    verdict="FAILED (exit $status, log target/test-logs/$slug.log)"
    stopped="$slug"
  fi
  summary+=("$(printf '%-12s %-44s %4d passed %3d failed %5ds  %s' \
    "$slug" "$title" "$passed" "$failed" "$seconds" "$verdict")")
}

native() {
  cargo test --all-targets --no-fail-fast && cargo test --doc
}

# The lib and every integration test. tests/wasm_browser.rs is configured to run in a browser,
# and WASM_BINDGEN_TEST_ONLY_NODE makes the runner skip it here (it prints why).
wasm_node() {
  WASM_BINDGEN_TEST_ONLY_NODE=1 \
    cargo test --target wasm32-unknown-unknown --no-fail-fast --lib --test '*'
}

# The runner starts ChromeDriver itself; scripts/webdriver.json names Debian's Chromium and
# the flags it needs as root on a closed network (the runner adds headless and no-sandbox).
#
# Built with the relaxed-simd feature, so the products under test are the fused ones (the
# worker_relaxed build's). tests/kernels.rs, which sets no runner, runs here in Chromium too
# (WASM_BINDGEN_USE_BROWSER): it checks them against its f64 reference, as wasm-node checks
# the simd128 ones. Node is not used for them: it has relaxed SIMD only behind a flag.
wasm_chrome() {
  CHROMEDRIVER=/usr/bin/chromedriver \
    WASM_BINDGEN_TEST_WEBDRIVER_JSON="$ROOT/scripts/webdriver.json" \
    WASM_BINDGEN_TEST_TIMEOUT=300 \
    WASM_BINDGEN_USE_BROWSER=1 \
    cargo test --target wasm32-unknown-unknown --features relaxed-simd --no-fail-fast \
      --test wasm_browser --test kernels
}

build() {
  trunk build --release --offline
}

# Files run one at a time: the two cores are shared between the browser and the worker.
e2e() {
  node --test --test-concurrency=1 --test-timeout=180000 \
    --test-reporter=spec --test-reporter-destination=stdout \
    --test-reporter=tap --test-reporter-destination="$LOGS/e2e.tap" \
    tests/e2e/
}

run_stage native "cargo test (host, scalar kernels)" native
run_stage wasm-node "cargo test --target wasm32 (Node, simd128)" wasm_node
if [[ "$quick" == 0 ]]; then
  run_stage wasm-chrome "wasm_browser.rs and kernels.rs (Chromium)" wasm_chrome
  run_stage build "trunk build --release --offline" build
  run_stage e2e "node --test tests/e2e/ (Chromium)" e2e
fi

echo
echo "==> summary"
printf '%s\n' "${summary[@]}"
if [[ "$quick" == 1 ]]; then
  echo "(--quick: the browser stages were not run)"
fi
echo "$total_passed passed, $total_failed failed"

if [[ -n "$stopped" || "$total_failed" != 0 ]]; then
  exit 1
fi
