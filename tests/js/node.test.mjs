// EchangeClient in Node 20, through the npm-installed package (the `node` export condition),
// against the fake server.
import { test, before } from "node:test";
import assert from "node:assert/strict";
import { createRequire } from "node:module";
import * as passerelle from "passerelle";
import {
  USER, fakeUrl, reset, requestsTo, rawListing, expectedEntries, comparable, assertNoSecrets, basic,
} from "./helpers.mjs";

const { EchangeClient, PasserelleError } = passerelle;
const TOKEN_PATH = "/api/v2/user/token";
const DIRS_PATH = "/api/v2/user/dirs";
const FOLDER = "Relevés/Déc 2025";
let base;

before(async () => {
  base = await fakeUrl();
});

const client = (over = {}) => new EchangeClient({ baseUrl: base, ...USER, ...over });

test("the package exports EchangeClient and PasserelleError (an Error subclass)", () => {
  assert.equal(typeof EchangeClient, "function");
  assert.equal(typeof PasserelleError, "function");
  assert.ok(PasserelleError.prototype instanceof Error);
});

test("require(\"passerelle\") (CommonJS, require(esm)) gives the same classes as import", () => {
  const required = createRequire(import.meta.url)("passerelle");
  assert.equal(required.EchangeClient, EchangeClient);
  assert.equal(required.PasserelleError, PasserelleError);
});

test("token() returns { access_token, expires_at } and caches it", async () => {
  await reset();
  const c = client();
  const t1 = await c.token();
  assert.equal(typeof t1.access_token, "string");
  assert.ok(t1.access_token.length > 20, "a JWT-sized token");
  assert.equal(typeof t1.expires_at, "string");
  const exp = Date.parse(t1.expires_at);
  assert.ok(Number.isFinite(exp), `expires_at parses: ${t1.expires_at}`);
  assert.ok(exp > Date.now(), "expires in the future");
  const t2 = await c.token();
  assert.equal(t2.access_token, t1.access_token, "same token on the second call");
  const sent = await requestsTo(TOKEN_PATH);
  assert.equal(sent.length, 1, "one token request for two token() calls");
  assert.equal(sent[0].method, "GET");
  assert.equal(sent[0].headers.authorization, basic(USER.username, USER.password),
    "Basic auth with the UTF-8 password containing ':'");
});

test("concurrent token() calls share one request", async () => {
  await reset();
  const c = client();
  const tokens = await Promise.all([c.token(), c.token(), c.token(), c.token()]);
  assert.equal(new Set(tokens.map((t) => t.access_token)).size, 1);
  assert.equal((await requestsTo(TOKEN_PATH)).length, 1);
});

test(`listDir("${FOLDER}") returns the server's entries with type and path`, async () => {
  await reset();
  const expected = expectedEntries(FOLDER, await rawListing(FOLDER));
  assert.ok(expected.length >= 3, "the fixture folder holds several files");
  await reset();
  const c = client();
  const entries = await c.listDir(FOLDER);
  assert.ok(Array.isArray(entries));
  assert.deepEqual(comparable(entries), comparable(expected));
  assert.ok(entries.some((e) => /\s/.test(e.name) && /[^\x00-\x7f]/.test(e.name)),
    "names with spaces and accents survive");
  const { access_token } = await c.token();
  const listings = await requestsTo(DIRS_PATH);
  assert.equal(listings.length, 1);
  assert.equal(listings[0].headers.authorization, `Bearer ${access_token}`);
  assert.equal((await requestsTo(TOKEN_PATH)).length, 1, "the listing reused the cached token");
});

test("listDir() with no path lists the home folder (dirs, files and the symlink)", async () => {
  await reset();
  const expected = expectedEntries("", await rawListing("/"));
  const entries = await client().listDir();
  assert.deepEqual(comparable(entries), comparable(expected));
  const byName = Object.fromEntries(entries.map((e) => [e.name, e]));
  assert.equal(byName["Relevés"]?.type, "dir");
  assert.equal(byName["lisez-moi.txt"]?.type, "file");
  assert.equal(byName["lien.csv"]?.type, "symlink");
  assert.equal(byName["Relevés"]?.path, "/Relevés");
});

test("listDir of a missing folder rejects with a not_found PasserelleError", async () => {
  await reset();
  const c = client();
  const { access_token } = await c.token();
  const err = await c.listDir("Relevés/Nulle part").then(
    () => assert.fail("listDir resolved"),
    (e) => e,
  );
  assert.ok(err instanceof PasserelleError, `instanceof PasserelleError: ${err}`);
  assert.ok(err instanceof Error);
  assert.equal(err.name, "PasserelleError");
  assert.equal(err.code, "not_found");
  assert.equal(err.status, 404);
  assert.equal(err.serverMessage, "Unable to get directory lister");
  assert.equal(err.serverError, "file does not exist");
  assert.match(err.message, /listDir|list/i, "the message names the operation");
  assertNoSecrets(err, [USER.password, access_token, basic(USER.username, USER.password).slice(6)]);
});

test("a wrong password rejects with unauthorized and leaks no credential", async () => {
  await reset();
  const password = "mauvais-Mot:de-passe";
  const c = client({ password });
  for (const call of [() => c.token(), () => c.listDir(FOLDER)]) {
    const err = await call().then(() => assert.fail("resolved"), (e) => e);
    assert.ok(err instanceof PasserelleError, `instanceof PasserelleError: ${err}`);
    assert.equal(err.name, "PasserelleError");
    assert.equal(err.code, "unauthorized");
    assert.equal(err.status, 401);
    assertNoSecrets(err, [password, basic(USER.username, password).slice(6)]);
  }
  assert.equal((await requestsTo(DIRS_PATH)).length, 0, "no listing without a token");
});
