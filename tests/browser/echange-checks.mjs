// Node-side checks of the Échange scenarios (tests/worker/echange-scenarios.mjs) run inside
// another runtime. `run(name, params)` runs a scenario there and resolves with its result;
// `fake` holds the fake's controls. Shared by the workerd and Chromium suites.
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { DEC, ODD_NAMES, USER } from "../worker/echange-scenarios.mjs";

const API = "/api/v2/user";

function assertDescribed(e, want, secrets) {
  assert.equal(e.resolved, undefined, `rejected (${JSON.stringify(want)})`);
  assert.equal(e.instanceOf, true, `instanceof PasserelleError: ${e.string}`);
  assert.equal(e.isError, true);
  assert.equal(e.name, "PasserelleError");
  for (const [k, v] of Object.entries(want)) assert.equal(e[k], v, `${k} of ${e.json}`);
  for (const text of [e.message, e.string, e.json, e.stack]) {
    for (const s of [USER.password, ...secrets]) {
      assert.ok(s && !text.includes(s), `a secret leaks: ${text}`);
    }
  }
}

/** The files a folder holds, through the fake's sha256 control. */
async function serverSha(fake, path) {
  return fake.sha256(path);
}

export const checks = {
  "concurrent token() share one request; odd names (space, accents, + ; % # ? &) round-trip": async (run, fake) => {
    await fake.reset();
    const r = await run("tokenAndPaths");
    assert.equal(r.sameToken, true);
    assert.deepEqual(r.top, [...ODD_NAMES].sort());
    for (const name of ODD_NAMES) {
      assert.deepEqual(r.listings[name], [[`${name}.txt`, `/Bizarre/${name}/${name}.txt`, "file", Buffer.byteLength(name)]]);
    }
    assert.equal((await fake.requestsTo(`${API}/token`)).length, 1);
    const listed = (await fake.requestsTo(`${API}/dirs`, "GET")).map((q) => new URLSearchParams(q.query).get("path"));
    for (const name of ODD_NAMES) assert.ok(listed.includes(`/Bizarre/${name}`), `server saw /Bizarre/${name}`);
  },

  "OTP callback: asked for each token, again for the 401 replay; logout": async (run, fake) => {
    await fake.reset();
    const r = await run("otp");
    assert.ok(r.first > 3 && r.second === r.first);
    assert.equal(r.codes.length, 2, "the replay after the IP change asked the callback again");
    const tokens = await fake.requestsTo(`${API}/token`);
    assert.deepEqual(tokens.map((t) => t.headers["x-sftpgo-otp"]), r.codes);
    const dead = await fetch(`${fake.base}${API}/dirs`, { headers: { authorization: `Bearer ${r.token}` } });
    assert.equal(dead.status, 401, "logout invalidated the token");
  },

  "downloadZip + unzip: entries match the listing, byte-exact, progress reaches the total": async (run, fake) => {
    await fake.reset();
    const r = await run("zip");
    assert.equal(r.lastProgress.loaded, r.zipBytes);
    assert.equal(r.lastProgress.total, undefined);
    const files = r.entries.filter((e) => !e.is_dir);
    assert.ok(files.length >= 9);
    assert.ok(r.entries.some((e) => e.name === "Archives/Vide/" && e.is_dir));
    assert.ok(files.some((e) => e.name === "Relevés/Déc 2025/Relevé n°1 (copie).csv"));
    for (const f of files) assert.deepEqual({ sha256: f.sha256, size: f.size }, await serverSha(fake, `/${f.name}`), f.name);
    assert.deepEqual(r.direct, r.entries.filter((e) => e.name.startsWith("Relevés/")));
  },

  "downloadFile: byte-exact, offset resume (206), 416": async (run, fake) => {
    await fake.reset();
    const path = "/Volumineux/gros-8MiB.bin";
    const r = await run("file", { path, offset: 123_457 });
    assert.deepEqual({ sha256: r.sha256, size: r.size }, await fake.sha256(path));
    assert.deepEqual(r.lastProgress, { loaded: r.size, total: r.size });
    assert.equal(r.tailSha256, r.expectedTailSha256);
    const ranges = (await fake.requestsTo(`${API}/files`)).map((q) => q.headers.range);
    assert.deepEqual(ranges, [undefined, "bytes=123457-", `bytes=${r.size + 5}-`]);
    assertDescribed(r.range416, { code: "http", status: 416, serverMessage: "Requested Range Not Satisfiable" }, [r.token]);
  },

  "uploadFile: Uint8Array, Blob, ReadableStream; mtime; mkdirParents; lecteur forbidden": async (run, fake) => {
    await fake.reset();
    const mtimeMs = Date.parse("2024-03-01T12:34:56Z");
    const r = await run("upload", { mtimeMs });
    for (const name of ["u8.bin", "blob.bin", "stream.bin"]) {
      assert.deepEqual(await fake.sha256(`/Dépôt/été/${name}`), { sha256: r.sha256, size: 200_001 }, name);
    }
    assert.deepEqual(r.listing, ["blob.bin", "stream.bin", "u8.bin"].map((n) => [n, 200_001, "2024-03-01T12:34:56Z"]));
    const ups = await fake.requestsTo(`${API}/files/upload`, "POST");
    assert.deepEqual(ups.slice(0, 3).map((q) => q.headers["x-sftpgo-mtime"]), Array(3).fill(String(mtimeMs)));
    assert.equal(new URLSearchParams(ups[0].query).get("mkdir_parents"), "true");
    assertDescribed(r.forbidden, { code: "forbidden", status: 403, serverMessage: "Forbidden", serverError: undefined }, ["lecteur-pw"]);
  },

  "error classes: not_found, server (mkdir exists), bad_request, network (file listed), unauthorized, invalid_input; writes work": async (run, fake) => {
    await fake.reset();
    const r = await run("errors");
    const s = [r.token];
    assertDescribed(r.notFound, { code: "not_found", status: 404, serverMessage: "Unable to get directory lister", serverError: "file does not exist" }, s);
    assertDescribed(r.mkdirExists, { code: "server", status: 500, serverMessage: 'Unable to create directory "/Archives"', serverError: "failure" }, s);
    assertDescribed(r.deleteDirAsFile, { code: "bad_request", status: 400, serverMessage: 'Unable delete "/Archives", it is not a file/symlink', serverError: undefined }, s);
    assertDescribed(r.moveSame, { code: "bad_request", status: 400, serverError: "the rename source and target cannot be the same: operation unsupported" }, s);
    assertDescribed(r.copyMissing, { code: "not_found", status: 404, serverMessage: 'Unable to copy "/absent" => "/b"' }, s);
    assertDescribed(r.downloadDir, { code: "bad_request", status: 400, serverMessage: 'Please set the path to a valid file, "/Relevés" is a directory' }, s);
    assertDescribed(r.listFile, { code: "network", status: undefined }, s);
    assertDescribed(r.badPassword, { code: "unauthorized", status: 401, serverMessage: "Unauthorized", serverError: "invalid credentials" }, ["mauvais-Mot:de-passe"]);
    assertDescribed(r.invalidInput, { code: "invalid_input" }, s);
    assert.ok(r.after.includes("/relu.txt") && r.after.includes("/Archives/2024.csv"));
    assert.ok(!r.after.includes("/lisez-moi.txt") && !r.after.includes("/Archives/lu.txt") && !r.after.includes("/Relevés/Nov 2025"));
    assert.ok(!r.after.some((p) => p.split("/").length > 3), "maxDepth 2");
    // lecteur's independent copy of the seed still holds the original lisez-moi.txt.
    assert.deepEqual(await fake.sha256("/relu.txt"), await fake.sha256("/lisez-moi.txt", "lecteur"));
  },

  "faults: 503 + Retry-After and drop retried for reads; slow → timeout; invalid_json; html": async (run, fake) => {
    await fake.reset();
    await fake.fault({ method: "GET", path: `${API}/dirs`, kind: "status", status: 503, retry_after: 1 });
    assert.ok((await run("listOnce", { path: DEC })).count > 3);
    assert.equal((await fake.requestsTo(`${API}/dirs`)).length, 2);
    await fake.fault({ method: "GET", path: `${API}/dirs`, kind: "drop" });
    assert.ok((await run("listOnce", { path: DEC })).count > 3);
    await fake.fault({ method: "GET", path: `${API}/dirs`, kind: "status", status: 429, retry_after: 1, times: 2,
      body: '{"error":"rate limit exceed","message":"Too Many Requests"}' });
    const limited = await run("listOnce", { path: DEC, retries: 1 });
    assertDescribed(limited.error, { code: "rate_limited", status: 429, retryAfter: 1, serverMessage: "Too Many Requests", serverError: "rate limit exceed" }, [limited.token]);
    await fake.fault({ method: "GET", path: `${API}/dirs`, kind: "slow", delay_ms: 1500, times: 2 });
    const slow = await run("listOnce", { path: DEC, timeoutMs: 300, retries: 1 });
    assertDescribed(slow.error, { code: "timeout", status: undefined }, [slow.token]);
    await fake.fault({ method: "GET", path: `${API}/dirs`, kind: "invalid_json" });
    const bad = await run("listOnce", { path: DEC, retries: 0 });
    assertDescribed(bad.error, { code: "invalid_response" }, [bad.token]);
    await fake.fault({ method: "GET", path: `${API}/dirs`, kind: "html", status: 502 });
    const html = await run("listOnce", { path: DEC, retries: 0 });
    assertDescribed(html.error, { code: "server", status: 502, serverMessage: undefined }, [html.token]);
  },

  "non-idempotent mkdir is sent once (503 and drop)": async (run, fake, env = {}) => {
    for (const fault of [{ kind: "status", status: 503 }, { kind: "drop" }]) {
      await fake.reset();
      await fake.fault({ method: "POST", path: `${API}/dirs`, times: 3, ...fault });
      const r = await run("mkdirOnce", { path: "/Nouveau" });
      assertDescribed(r.error, fault.kind === "drop" ? { code: "network" } : { code: "server", status: 503 }, [r.token]);
      const sent = (await fake.requestsTo(`${API}/dirs`, "POST")).length;
      if (fault.kind === "drop" && env.resendsOnDrop) {
        // Chromium's network stack itself resends a request once when a reused keep-alive
        // connection closes without any response (a raw fetch() POST does the same: 2 requests).
        // The library's own retries (retries: 2) would make it 3 or more.
        assert.ok(sent === 1 || sent === 2, `${fault.kind}: ${sent} requests`);
      } else {
        assert.equal(sent, 1, fault.kind);
      }
    }
  },

  "walk: stable order at every concurrency, maxDepth": async (run, fake) => {
    await fake.reset();
    const one = await run("walk", { path: "/", concurrency: 1 });
    await fake.fault({ method: "GET", path: `${API}/dirs`, kind: "slow", delay_ms: 200, times: 2 });
    const many = await run("walk", { path: "/", concurrency: 16 });
    assert.deepEqual(many.paths, one.paths);
    assert.ok(one.paths.length > 1500);
    const sorted = [...one.paths].sort((a, b) => Buffer.compare(Buffer.from(a[0]), Buffer.from(b[0])));
    assert.deepEqual(one.paths, sorted, "sorted by path");
    const top = await run("walk", { path: "/", maxDepth: 1 });
    // maxDepth 1 = exactly the entries of "/" (compared with the full walk, never vacuous).
    assert.deepEqual(top.paths, one.paths.filter(([p]) => p.split("/").length === 2));
    assert.ok(top.paths.length > 0);
  },

  "zip stream aborted mid-way → aborted; SFTPGo's mid-stream abort → truncated": async (run, fake) => {
    await fake.reset();
    const r = await run("zipFailures", { abortAt: 200_000 });
    assertDescribed(r.aborted, { code: "aborted" }, [r.token]);
    assertDescribed(r.truncated, { code: "truncated" }, [r.token]);
  },

  "unzip: unsafe names → unsafe_path, limits → limit_exceeded, cut → truncated, 1-byte chunks": async (run) => {
    const r = await run("unzipChecks");
    for (const name of ["../evil.txt", "/abs.txt", "a\\b.txt", "C:/x.txt"]) assertDescribed(r[name], { code: "unsafe_path" }, []);
    assert.equal(r.good.length, 1);
    assert.equal(r.good[0].name, "Relevés/Déc 2025/données+spéciales;v2 #1 100%.txt");
    assert.equal(r.good[0].sha256, r.expectedSha);
    assert.equal(r.expectedSha, createHash("sha256").update("é+;%#").digest("hex"));
    assertDescribed(r.limit, { code: "limit_exceeded" }, []);
    assertDescribed(r.truncated, { code: "truncated" }, []);
  },
};
