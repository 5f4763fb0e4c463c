#!/usr/bin/env bash
# npm start: installs and builds what is missing (scripts/setup.sh, then the
# incremental scripts/build.sh), then serves the demo page on 127.0.0.1 with
# COOP/COEP headers and prints its URL. Arguments go to the server, e.g.
#   npm start -- --port 9000        npm start -- --no-isolation
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
bash scripts/build.sh
exec node examples/browser/serve.mjs "$@"
