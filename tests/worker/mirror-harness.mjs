// Node-side helpers of the workerd mirror suites (tests/js/workerd-mirror*.test.mjs): the fake's
// own view of a tree (raw listings, independent of the package), the downloads it served (from
// its request log, per user), and uploads that add or change files.
import assert from "node:assert/strict";
import { USER, basic, fakeUrl, rawListing, typeFromMode } from "../js/helpers.mjs";
import { userOf } from "./gate-proxy.mjs";

/** The fake's seed users used by the suites (both have their own copy of the fixture tree). */
export const USERS = {
  fournisseur: USER,
  lecteur: { username: "lecteur", password: "lecteur-pw" },
};

/** Every regular file under `dir` for `user`: `{ path, size, last_modified }`, sorted by path. */
export async function fakeTree(dir, user = USER) {
  const out = [];
  for (const e of await rawListing(dir, user)) {
    const path = dir === "/" ? `/${e.name}` : `${dir}/${e.name}`;
    const type = typeFromMode(e.mode);
    if (type === "dir") out.push(...(await fakeTree(path, user)));
    else if (type === "file") out.push({ path, size: e.size, last_modified: e.last_modified });
  }
  return out.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

/** Files under several folders. */
export async function fakeTrees(dirs, user = USER) {
  const all = [];
  for (const d of dirs) all.push(...(await fakeTree(d, user)));
  return all.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

/**
 * Remote paths of the file downloads the fake served since its last reset, in order; only
 * `username`'s when given (the user is read from the request's bearer token).
 */
export async function downloads(fake, username) {
  return (await fake.requestsTo("/api/v2/user/files", "GET"))
    .filter((r) => username === undefined || userOf(r.headers.authorization) === username)
    .map((r) => new URLSearchParams(r.query).get("path"));
}

/** Uploads `text` to `path` as `user` with the remote modification time `mtimeMs`. */
export async function upload(path, text, mtimeMs, user = USER) {
  const base = await fakeUrl();
  const tok = await fetch(`${base}/api/v2/user/token`, { headers: { authorization: basic(user.username, user.password) } });
  const { access_token } = await tok.json();
  const res = await fetch(`${base}/api/v2/user/files/upload?path=${encodeURIComponent(path)}`, {
    method: "POST",
    headers: { authorization: `Bearer ${access_token}`, "x-sftpgo-mtime": String(mtimeMs) },
    body: text,
  });
  assert.equal(res.status, 201, `upload of ${path}`);
}

/** Asserts that every path appears once in `list`, and the list holds nothing else. */
export function assertEachOnce(list, paths, what) {
  const counts = new Map();
  for (const p of list) counts.set(p, (counts.get(p) ?? 0) + 1);
  const twice = [...counts].filter(([, n]) => n > 1).map(([p]) => p);
  assert.deepEqual(twice, [], `${what}: no file downloaded twice`);
  assert.deepEqual([...counts.keys()].sort(), [...paths].sort(), `${what}: every file once, none other`);
}
