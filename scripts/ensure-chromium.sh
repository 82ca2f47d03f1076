#!/usr/bin/env bash
# The GraphiQL page test drives Debian's headless Chromium. Install it when missing
# (needs root and Debian's package index); otherwise say why the browser test will skip.
set -euo pipefail
if command -v chromium >/dev/null 2>&1 || [ -n "${CHROMIUM_PATH:-}" ]; then
  exit 0
fi
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
  echo "dev: installing Debian's chromium for the GraphiQL browser test" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null
  apt-get install -y -qq --no-install-recommends chromium >/dev/null
else
  echo "dev: chromium not found and cannot be installed here; the browser test will be skipped" >&2
fi
