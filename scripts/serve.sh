#!/usr/bin/env bash
# Builds the app for release and serves it on http://127.0.0.1:$PORT/ (default 8080).
#
#   bash scripts/serve.sh
#   PORT=9000 bash scripts/serve.sh
#
# Installs what is missing first (scripts/ensure-tools.sh: the wasm32 target,
# wasm-bindgen-cli and trunk). dist/ is plain static files; any server that sends .wasm as
# application/wasm and .js as text/javascript will do, which is what the one below makes sure.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export PATH="$HOME/.cargo/bin:$PATH"
PORT="${PORT:-8080}"
cd "$ROOT"

bash scripts/ensure-tools.sh
trunk build --release --offline

echo "Serving on http://127.0.0.1:$PORT/"
exec python3 - "$ROOT/dist" "$PORT" <<'PY'
import functools
import http.server
import sys

root, port = sys.argv[1], int(sys.argv[2])


class Handler(http.server.SimpleHTTPRequestHandler):
    # Explicit, so that a machine's /etc/mime.types cannot change what the browser gets.
    extensions_map = {
        **http.server.SimpleHTTPRequestHandler.extensions_map,
        ".wasm": "application/wasm",
        ".js": "text/javascript",
        ".mjs": "text/javascript",
    }

    def end_headers(self):
        # Every rebuild changes the files; never let the browser mix old and new ones.
        self.send_header("Cache-Control", "no-store")
        super().end_headers()


handler = functools.partial(Handler, directory=root)
with http.server.ThreadingHTTPServer(("127.0.0.1", port), handler) as server:
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
PY
