// What the workerd tests of examples/worker share: building the example's bundle, and the
// source of an "inspector" Worker that reads the R2 objects the example stored.
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { existsSync, realpathSync } from "node:fs";
import assert from "node:assert/strict";
import { ROOT } from "../js/helpers.mjs";

export const EXAMPLE_DIR = `${ROOT}examples/worker`;
export const QUIET = { ...process.env, WRANGLER_SEND_METRICS: "false", CLOUDFLARE_CF_FETCH_ENABLED: "false", CI: "true" };
const run = promisify(execFile);

/**
 * npm ci in examples/worker when needed, then its build script (wrangler bundle + size check)
 * into `outDir`. Resolves with the build script's output.
 */
export async function buildExample(outDir) {
  assert.ok(existsSync(`${ROOT}pkg/package.json`), "pkg/ is built (scripts/build)");
  if (!existsSync(`${EXAMPLE_DIR}/node_modules/.bin/wrangler`) || !existsSync(`${EXAMPLE_DIR}/node_modules/passerelle`)) {
    try {
      await run("npm", ["ci", "--no-audit", "--no-fund"], { cwd: EXAMPLE_DIR, env: QUIET, timeout: 300_000 });
    } catch {
      await run("npm", ["install", "--no-save", "--no-audit", "--no-fund"], { cwd: EXAMPLE_DIR, env: QUIET, timeout: 300_000 });
    }
  }
  assert.equal(realpathSync(`${EXAMPLE_DIR}/node_modules/passerelle`), realpathSync(`${ROOT}pkg`), "the example uses the built package");
  const { stdout } = await run("node", ["scripts/build.mjs", "--outdir", outDir], {
    cwd: EXAMPLE_DIR, env: QUIET, timeout: 180_000, maxBuffer: 16 * 1024 * 1024,
  });
  return stdout;
}

/**
 * Worker source (module body, before `export default`): `hex(buffer)` and
 * `r2Objects(bucket, prefix)`, a JSON response mapping each key under `prefix` to its size,
 * SHA-256 (hashed inside workerd) and custom metadata.
 */
export const R2_OBJECTS_SOURCE = `
const hex = (buf) => [...new Uint8Array(buf)].map((b) => b.toString(16).padStart(2, "0")).join("");
async function r2Objects(bucket, prefix) {
  const out = {};
  let cursor;
  do {
    const page = await bucket.list({ prefix, cursor, limit: 1000, include: ["customMetadata"] });
    for (const o of page.objects) {
      const obj = await bucket.get(o.key);
      const digest = new crypto.DigestStream("SHA-256");
      await obj.body.pipeTo(digest);
      out[o.key] = { size: obj.size, sha256: hex(await digest.digest), customMetadata: obj.customMetadata };
    }
    cursor = page.truncated ? page.cursor : undefined;
  } while (cursor);
  return Response.json(out);
}
`;
