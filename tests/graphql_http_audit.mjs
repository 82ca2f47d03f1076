// Runs the GraphQL-over-HTTP audit of the npm package `graphql-http` against a live server
// and prints one JSON array of results: {id, name, status, reason?, httpStatus?, body?}.
//
//   node tests/graphql_http_audit.mjs <folder where graphql-http is installed> <url> <api key>
//
// tests/test_graphql_http.py installs graphql-http@1.23.1 into a temporary folder with
// `npm install --prefix <folder>` and runs this script; every request carries the key.
import { createRequire } from "node:module";
import { join } from "node:path";
import { pathToFileURL } from "node:url";

const [prefix, url, key] = process.argv.slice(2);
if (!prefix || !url || !key) {
  console.error("usage: graphql_http_audit.mjs <install folder> <url> <api key>");
  process.exit(2);
}

const require = createRequire(join(prefix, "package.json"));
const entry = require.resolve("graphql-http");
const { auditServer } = await import(pathToFileURL(entry).href);

const fetchFn = (input, init = {}) =>
  fetch(input, { ...init, headers: { ...(init.headers || {}), "x-api-key": key } });

const results = await auditServer({ url, fetchFn });
const out = [];
for (const result of results) {
  const row = { id: result.id, name: result.name, status: result.status };
  if (result.status !== "ok") {
    row.reason = result.reason;
    row.httpStatus = result.response.status;
    try {
      row.body = await result.response.text();
    } catch {
      row.body = null; // the audit may have read the body already
    }
  }
  out.push(row);
}
console.log(JSON.stringify(out));
