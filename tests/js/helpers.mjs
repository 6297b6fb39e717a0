// Shared helpers for the node --test suites. The fake server's URL comes from
// PASSERELLE_FAKE_URL (set by scripts/test); without it, the suites start
// target/debug/passerelle-fakes themselves and stop it when the process exits.
import { spawn } from "node:child_process";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { existsSync } from "node:fs";
import assert from "node:assert/strict";

export const ROOT = fileURLToPath(new URL("../..", import.meta.url));

/** The seed user of the fake (password: UTF-8, contains ":"). */
export const USER = { username: "fournisseur", password: "motdepasse-Été:2025" };
export const CHROMIUM_ARGS = [
  "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
  "--disable-background-networking", "--disable-component-update", "--disable-sync",
  "--no-first-run",
];

let started;
/** Base URL of the fake (no trailing slash). */
export async function fakeUrl() {
  const env = process.env.PASSERELLE_FAKE_URL;
  if (env) return env.replace(/\/+$/, "");
  started ??= startFake();
  return started;
}

async function startFake() {
  const bin = `${ROOT}target/debug/passerelle-fakes`;
  if (!existsSync(bin)) throw new Error(`PASSERELLE_FAKE_URL unset and ${bin} missing (cargo build -p passerelle-fakes)`);
  const child = spawn(bin, [], { stdio: ["ignore", "pipe", "inherit"] });
  process.on("exit", () => child.kill("SIGTERM"));
  const first = await new Promise((ok, ko) => {
    createInterface({ input: child.stdout }).once("line", ok);
    child.once("exit", (c) => ko(new Error(`passerelle-fakes exited (${c}) before printing its URL`)));
  });
  child.unref();
  child.stdout.destroy();
  return first.trim().replace(/\/+$/, "");
}

async function control(method, path, body) {
  const res = await fetch(`${await fakeUrl()}${path}`, {
    method,
    headers: body === undefined ? {} : { "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  assert.ok(res.ok, `${method} ${path} → ${res.status} ${text}`);
  return text ? JSON.parse(text) : null;
}

/** POST /__fake/reset: files, tokens, faults and the request log back to the seed state. */
export const reset = () => control("POST", "/__fake/reset", {});
/** Every request the fake received since the last reset (control routes excluded). */
export const requests = () => control("GET", "/__fake/requests");
/** Requests to one path (as the fake logged it, i.e. decoded path without query). */
export async function requestsTo(path) {
  return (await requests()).filter((r) => r.path === path);
}

/** Basic credentials as SFTPGo reads them: base64 of the UTF-8 bytes of user:password. */
export function basic(username, password) {
  return "Basic " + Buffer.from(`${username}:${password}`, "utf8").toString("base64");
}

/** What the server itself lists for `path` (raw fetch, independent of the package). */
export async function rawListing(path, user = USER) {
  const base = await fakeUrl();
  const tok = await fetch(`${base}/api/v2/user/token`, {
    headers: { authorization: basic(user.username, user.password) },
  });
  assert.equal(tok.status, 200, "raw token request");
  const { access_token } = await tok.json();
  const res = await fetch(`${base}/api/v2/user/dirs?path=${encodeURIComponent(path)}`, {
    headers: { authorization: `Bearer ${access_token}` },
  });
  assert.equal(res.status, 200, "raw listing request");
  return res.json();
}

/** Kind of an entry from its Go FileMode bits. */
export function typeFromMode(mode) {
  const m = mode >>> 0;
  if (m & 0x80000000) return "dir";
  if (m & 0x08000000) return "symlink";
  if ((m & 2401763328) >>> 0 === 0) return "file";
  return "other";
}

/** The entries the client must return for `folder` given the server's raw listing. */
export function expectedEntries(folder, raw) {
  const clean = folder.split("/").filter(Boolean).join("/");
  return raw.map((e) => ({
    ...e,
    type: typeFromMode(e.mode),
    path: clean ? `/${clean}/${e.name}` : `/${e.name}`,
  }));
}

/** Normalises entries for comparison (sorted by name, only the documented fields). */
export function comparable(entries) {
  return entries
    .map(({ name, size, mode, last_modified, type, path }) =>
      size === undefined
        ? { name, mode, last_modified, type, path }
        : { name, size, mode, last_modified, type, path })
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/** Asserts that none of `secrets` appears in any rendering of `err`. */
export function assertNoSecrets(err, secrets) {
  const renderings = {
    "String(err)": String(err),
    "err.message": String(err?.message),
    "JSON.stringify(err)": JSON.stringify(err) ?? "",
    "err.stack": String(err?.stack),
    "own props": JSON.stringify(Object.fromEntries(Object.getOwnPropertyNames(err ?? {}).map((k) => [k, String(err[k])]))),
  };
  for (const secret of secrets) {
    assert.ok(secret && secret.length >= 4, "a secret to look for");
    for (const [where, text] of Object.entries(renderings)) {
      assert.ok(!text.includes(secret), `${where} leaks a secret: ${text}`);
    }
  }
}
