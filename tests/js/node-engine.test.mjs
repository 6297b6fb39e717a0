// The shared engine as JavaScript users meet it: waiting calls honour their own abort at once,
// nothing stays scheduled after a call settles (a Node script exits right away), validation
// returns issues for any object, network errors carry their cause, messages say what happened.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { EchangeClient, PreEtatDateClient, validateOrder, PasserelleError } from "passerelle";
import { fakeUrl, reset, requests, USER } from "./helpers.mjs";
import { ACCOUNT, fault, clearFaults, fullOrder } from "./node-ped-helpers.mjs";

async function ped() {
  return new PreEtatDateClient({
    baseUrl: await fakeUrl(), apiKey: ACCOUNT.apiKey, email: ACCOUNT.email, password: ACCOUNT.password,
  });
}

const rejection = (p) => p.then((v) => assert.fail(`expected a rejection, got ${JSON.stringify(v)}`), (e) => e);

test("PRE-ETAT.DATE: a call waiting for another call's login rejects as soon as its own signal aborts", async () => {
  await reset();
  await fault({ method: "POST", path: "/account/auth", kind: "slow", delay_ms: 3000, times: 1 });
  const c = await ped();
  const settled = [];
  const leader = c.createOrder(fullOrder({ external_id: "leader" })).then(
    (t) => settled.push(["leader", t.orderid]),
    (e) => settled.push(["leader", e.code]),
  );
  // Let the leader's login start, then a second call joins it and is aborted while waiting.
  while ((await requests()).filter((r) => r.path === "/account/auth").length === 0) {
    await new Promise((ok) => setTimeout(ok, 10));
  }
  const ctl = new AbortController();
  const waiter = rejection(c.createOrder(fullOrder({ external_id: "waiter" }), { signal: ctl.signal }))
    .then((e) => settled.push(["waiter", e.code]));
  setTimeout(() => ctl.abort(), 100);
  await waiter;
  assert.deepEqual(settled, [["waiter", "aborted"]], "the waiter settled before the 3 s login ended");
  await leader;
  assert.equal(settled[1][0], "leader");
  assert.match(settled[1][1], /^[A-Z0-9]+$/, "the leader's order went through");
  const logins = (await requests()).filter((r) => r.path === "/account/auth").length;
  assert.equal(logins, 1, "the waiter never logged in itself");
  await clearFaults();
});

test("Échange: an aborted leader hands the login over; the waiter succeeds with one more token request", async () => {
  await reset();
  const base = await fakeUrl();
  await fault({ method: "GET", path: "/api/v2/user/token", kind: "slow", delay_ms: 2000, times: 1 });
  const c = new EchangeClient({ baseUrl: base, ...USER });
  const ctl = new AbortController();
  const leader = rejection(c.listDir("/", { signal: ctl.signal }));
  while ((await requests()).filter((r) => r.path === "/api/v2/user/token").length === 0) {
    await new Promise((ok) => setTimeout(ok, 10));
  }
  const waiter = c.listDir("/");
  ctl.abort();
  assert.equal((await leader).code, "aborted");
  assert.ok((await waiter).length > 0);
  assert.equal((await requests()).filter((r) => r.path === "/api/v2/user/token").length, 2);
  await clearFaults();
});

/** Runs `body` in a fresh Node process; resolves with what it printed and whether it exited. */
function child(body, timeoutMs = 20_000) {
  const src = `import { EchangeClient, PreEtatDateClient } from "passerelle";
    const base = process.env.PASSERELLE_FAKE_URL;
    const log = (o) => console.log(JSON.stringify(o));
    ${body}
    // What is still scheduled once the call has settled (a timer would keep Node alive).
    setImmediate(() => log({ timers: process.getActiveResourcesInfo().filter((r) => r === "Timeout").length }));`;
  return new Promise((resolve) => {
    const p = spawn(process.execPath, ["--input-type=module", "-e", src], {
      cwd: process.cwd(),
      env: { ...process.env, PASSERELLE_FAKE_URL: process.env.PASSERELLE_FAKE_URL },
      stdio: ["ignore", "pipe", "inherit"],
    });
    let out = "";
    p.stdout.on("data", (d) => (out += d));
    const kill = setTimeout(() => p.kill("SIGKILL"), timeoutMs);
    p.on("exit", (code, signal) => {
      clearTimeout(kill);
      resolve({ code, signal, lines: out.trim().split("\n").filter(Boolean).map((l) => JSON.parse(l)) });
    });
  });
}

for (const [name, body] of [
  [
    "an abort during the first token request",
    `const c = new EchangeClient({ baseUrl: base, username: "fournisseur", password: "motdepasse-Été:2025", timeoutMs: 120000 });
     const ctl = new AbortController();
     setTimeout(() => ctl.abort(), 100);
     await c.listDir("/", { signal: ctl.signal }).then(() => log({ r: "ok" }), (e) => log({ r: e.code }));`,
    "aborted",
  ],
  [
    "a success",
    `const c = new EchangeClient({ baseUrl: base, username: "fournisseur", password: "motdepasse-Été:2025", timeoutMs: 120000 });
     await c.listDir("/").then(() => log({ r: "ok" }), (e) => log({ r: e.code }));`,
    "ok",
  ],
  [
    "an error after a retry delay",
    `const c = new PreEtatDateClient({ baseUrl: "http://127.0.0.1:9", apiKey: "k", email: "a@b.fr", password: "p", timeoutMs: 120000, retries: 1 });
     await c.authenticate().then(() => log({ r: "ok" }), (e) => log({ r: e.code }));`,
    "network",
  ],
  [
    "an abort of a call waiting for another call's login",
    `const c = new PreEtatDateClient({ baseUrl: base, apiKey: "ped-test-key", email: "notaire@example.fr", password: "Secret-Été-2025", timeoutMs: 120000 });
     const first = new AbortController();
     const second = new AbortController();
     const a = c.authenticate({ signal: first.signal }).catch((e) => e.code);
     const b = c.authenticate({ signal: second.signal }).catch((e) => e.code);
     setTimeout(() => { second.abort(); first.abort(); }, 100);
     log({ r: [await a, await b].join(",") });`,
    "aborted,aborted",
  ],
]) {
  test(`a Node script exits as soon as its last call settles: ${name}`, async () => {
    await reset();
    if (name.includes("token request")) {
      await fault({ method: "GET", path: "/api/v2/user/token", kind: "slow", delay_ms: 60_000, times: 1 });
    }
    if (name.includes("waiting")) {
      await fault({ method: "POST", path: "/account/auth", kind: "slow", delay_ms: 60_000, times: 1 });
    }
    const run = await child(body);
    await clearFaults();
    assert.equal(run.signal, null, `the process did not exit by itself (killed after 20 s; timeoutMs is 120 s): ${JSON.stringify(run.lines)}`);
    assert.equal(run.code, 0);
    assert.deepEqual(run.lines, [{ r: body.includes("waiting") ? "aborted,aborted" : run.lines[0].r }, { timers: 0 }]);
  });
}

test("validateOrder returns issues for any object; createOrder rejects the same list and sends nothing", async () => {
  await reset();
  for (const input of [{}, { address: "1 rue", owners: "Dupont" }, { method: "fax", invoice: [] }]) {
    const issues = validateOrder(input);
    assert.ok(Array.isArray(issues) && issues.length > 0, JSON.stringify(issues));
    for (const i of issues) {
      assert.equal(typeof i.path, "string");
      assert.equal(typeof i.code, "string");
      assert.doesNotMatch(i.message, /Dupont|fax/, "messages never quote values");
    }
    const e = await rejection((await ped()).createOrder(input));
    assert.ok(e instanceof PasserelleError);
    assert.equal(e.code, "invalid_input");
    assert.deepEqual(e.issues, issues);
    assert.deepEqual(JSON.parse(JSON.stringify(e)).issues, issues);
  }
  assert.deepEqual(validateOrder(fullOrder()), []);
  assert.equal((await requests()).length, 0, "nothing was sent, not even a login");
});

/** A port on 127.0.0.1 where nothing listens (bound, then closed). */
async function closedPort() {
  const { createServer } = await import("node:net");
  const srv = createServer();
  await new Promise((ok) => srv.listen(0, "127.0.0.1", ok));
  const { port } = srv.address();
  await new Promise((ok) => srv.close(ok));
  return port;
}

test("a network error carries the runtime's error as `cause`", async () => {
  const c = new EchangeClient({ baseUrl: `http://127.0.0.1:${await closedPort()}`, ...USER, retries: 0 });
  const e = await rejection(c.listDir("/"));
  assert.equal(e.code, "network");
  assert.ok(e.cause instanceof Error, "cause is an Error");
  assert.equal(e.cause.code, "ECONNREFUSED");
  assert.match(e.message, /ECONNREFUSED/);
  assert.doesNotMatch(e.message, /SFTPGo does this/, "a refused connection is not explained as a drop");
});

test("messages: one path is '1 path' everywhere; the 2FA message names letters and digits", async () => {
  await reset();
  const c = new EchangeClient({ baseUrl: await fakeUrl(), ...USER, retries: 0 });
  const e = await rejection(c.downloadZip(["/does-not-exist"]));
  assert.match(e.message, /^downloadZip\(1 path\) failed/);
  const o = new EchangeClient({ baseUrl: await fakeUrl(), ...USER, otp: "12 34" });
  const e2 = await rejection(o.token());
  assert.equal(e2.code, "invalid_input");
  assert.match(e2.message, /letters and digits/);
});
