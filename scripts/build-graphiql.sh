#!/usr/bin/env bash
# Rebuild the self-hosted GraphiQL page (no CDN) from graphiql/ into api/static/graphiql/.
#
# The built files (index.html + assets/) are committed, so running the API needs no Node;
# run this only after changing graphiql/src, graphiql/vite.config.js or the npm packages.
# Needs Node >= 20.19 and npm, and reaches only the npm registry. Steps:
#   1. npm ci         installs exactly what graphiql/package-lock.json pins
#   2. npm run build  vite build (base "/graphiql/"), empties and rewrites api/static/graphiql/
#   3. checks that nothing in the output loads from another host (no CSS @import, no
#      remote url(), no <script>/<link> to http(s)); URLs inside JS strings/comments are
#      licence/help links that are never fetched.
# The API serves api/static/graphiql at /graphiql/ (Starlette StaticFiles, html=True).
# To change dependencies: edit graphiql/package.json, run `npm install` in graphiql/,
# then commit package.json, package-lock.json and the rebuilt api/static/graphiql/.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
out="$root/api/static/graphiql"

command -v npm >/dev/null 2>&1 || { echo "build-graphiql: npm not found (need Node >= 20.19)" >&2; exit 1; }

cd "$root/graphiql"
npm ci --no-audit --no-fund
npm run build

# Offline check: nothing in the page may be fetched from another host.
if grep -rEn '@import|url\(["'"'"']?(https?:)?//' "$out" --include='*.css'; then
  echo "build-graphiql: CSS refers to an external resource" >&2; exit 1
fi
if grep -Ein '<(script|link)[^>]+(src|href)="(https?:)?//' "$out/index.html"; then
  echo "build-graphiql: index.html loads from an external host" >&2; exit 1
fi

echo "build-graphiql: wrote $out ($(du -sh "$out" | cut -f1))"
