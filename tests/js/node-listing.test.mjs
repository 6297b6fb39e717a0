// listDir's entries, field by field, against listings written here: served through the client's
// `fetch` option (no server), in chunks of every small size, so that names and dates cut
// anywhere (inside escapes and multi-byte characters), batches of every kind (many entries,
// long names) and a retried attempt are all checked against JSON.parse of the same body.
import { test } from "node:test";
import assert from "node:assert/strict";
import { EchangeClient } from "passerelle";
import { typeFromMode } from "./helpers.mjs";

const DIR_MODE = 2147484141;

/** What listDir(folder) must return for `body`: the DirEntry fields, in their order. */
function expected(folder, body) {
  const prefix = folder === "/" ? "/" : `${folder}/`;
  return JSON.parse(body).map((e) => {
    const o = { name: e.name };
    if (e.size !== undefined && e.size !== null) o.size = e.size;
    Object.assign(o, { mode: e.mode, last_modified: e.last_modified, type: typeFromMode(e.mode), path: prefix + e.name });
    return o;
  });
}

/** The body as a stream of `step`-byte chunks; with `failAfter`, it errors after that many bytes. */
function chunks(bytes, step, failAfter) {
  let at = 0;
  return new ReadableStream({
    pull(ctl) {
      if (failAfter !== undefined && at >= failAfter) {
        ctl.error(new TypeError("connection reset"));
        return;
      }
      const n = Math.min(step, bytes.length - at);
      if (n <= 0) {
        ctl.close();
        return;
      }
      ctl.enqueue(bytes.slice(at, at + n));
      at += n;
    },
  });
}

/** A client whose fetch answers the token and then `listings()` in turn (one per listing request). */
function clientServing(listings, options = {}) {
  const served = [];
  const fakeFetch = async (input) => {
    const url = new URL(typeof input === "string" ? input : input.url);
    if (url.pathname.endsWith("/token")) {
      return new Response(JSON.stringify({ access_token: "t", expires_at: "2099-01-01T00:00:00Z" }), {
        headers: { "content-type": "application/json" },
      });
    }
    const next = listings.shift();
    served.push(url.searchParams.get("path"));
    return new Response(next(), { headers: { "content-type": "application/json" } });
  };
  const client = new EchangeClient({
    baseUrl: "http://listing.invalid",
    username: "u",
    password: "p",
    fetch: fakeFetch,
    ...options,
  });
  return { client, served };
}

const MODES = [420, 2147484141, 134218239, 2 ** 26 + 0o644, 0, 4294967295];

/** A listing of `n` entries whose names and dates use escapes, non-ASCII and astral characters. */
function oddListing(n, seed = 7) {
  let s = seed;
  const rnd = (k) => {
    s = (s * 1103515245 + 12345) % 2 ** 31;
    return s % k;
  };
  const pieces = ["a", "é", "\\u00e9", "😀", "\\ud83d\\ude00", "\\n", "\\\"", "\\\\", " ", "€", "\\u0000", "x.csv"];
  const items = [];
  for (let i = 0; i < n; i++) {
    // The first name starts with a byte-order mark (kept, not eaten by a decoder).
    let name = i === 0 ? "\ufeffn0" : `n${i}`;
    for (let k = rnd(8); k > 0; k--) name += pieces[rnd(pieces.length)];
    const fields = [`"name":"${name}"`, `"mode":${MODES[rnd(MODES.length)]}`, `"last_modified":"2026-0${1 + rnd(9)}-01T00:00:0${rnd(10)}Z${["", "é😀", "\\/", "\\u00e9\\\""][rnd(4)]}"`];
    const size = rnd(5);
    if (size === 1) fields.push(`"size":null`);
    else if (size === 2) fields.push(`"size":${rnd(1 << 30)}`);
    else if (size === 3) fields.push(`"size":${["0", "9007199254740993", "18446744073709551615"][rnd(3)]}`);
    if (rnd(3) === 0) fields.push(`"uid":1000,"extra":{"a":[1,"]}",null]}`);
    fields.push(fields.splice(rnd(fields.length), 1)[0]);
    items.push(`{${fields.join(",")}}`);
  }
  return `[${items.join(",\n")}]`;
}

test("listDir gives every field of every entry as JSON.parse reads it, whatever the chunking", async () => {
  const body = oddListing(300);
  const bytes = new TextEncoder().encode(body);
  for (const [folder, step] of [["/", 1], ["/Relevés/Déc 2025", 2], ["/a", 3], ["/", 5], ["/b/c", 7], ["/", 4096]]) {
    const { client } = clientServing([() => chunks(bytes, step)]);
    const got = await client.listDir(folder);
    const want = expected(folder, body);
    assert.deepStrictEqual(got, want, `${folder} in chunks of ${step}`);
    for (let i = 0; i < got.length; i++) {
      assert.deepStrictEqual(Object.keys(got[i]), Object.keys(want[i]), "the fields, in DirEntry's order");
    }
  }
});

test("listDir of many entries and of long names (several batches) keeps every entry, in order", async () => {
  const short = Array.from({ length: 5000 }, (_, i) =>
    `{"last_modified":"2026-07-21T18:26:40Z","mode":420,"name":"releve-${i}.csv","size":${100 + i}}`);
  const long = Array.from({ length: 700 }, (_, i) =>
    `{"name":"${"é".repeat(1000 + i)}😀${i}","mode":2147484141,"last_modified":"${"ü".repeat(i)}"}`);
  for (const body of [`[${short.join(",")}]`, `[${long.join(",")}]`, `[${[...long, ...short].join(",")}]`]) {
    const bytes = new TextEncoder().encode(body);
    const { client } = clientServing([() => chunks(bytes, 16384)]);
    const got = await client.listDir("/Liste");
    assert.deepStrictEqual(got, expected("/Liste", body));
  }
});

test("a listing cut short and retried is listed once, from the retried body", async () => {
  const body = oddListing(4000, 11);
  const bytes = new TextEncoder().encode(body);
  const { client, served } = clientServing([() => chunks(bytes, 1000, bytes.length - 10), () => chunks(bytes, 777)], { retries: 1 });
  const got = await client.listDir("/r");
  assert.equal(served.length, 2, "the listing was requested twice");
  assert.deepStrictEqual(got, expected("/r", body));
});

test("walk gives the same fields as listDir, sorted by path", async () => {
  const body = oddListing(200, 3).replaceAll(`${DIR_MODE}`, "420").replaceAll("4294967295", "420");
  const sub = `[{"name":"z","mode":420,"last_modified":"x","size":1}]`;
  const top = `[{"name":"d","mode":${DIR_MODE},"last_modified":"y"},${body.slice(1)}`;
  const { client } = clientServing([() => top, () => sub]);
  const got = await client.walk("/w");
  const want = [...expected("/w", top), ...expected("/w/d", sub)];
  const byteOrder = (a, b) => Buffer.compare(Buffer.from(a.path), Buffer.from(b.path));
  assert.deepStrictEqual(got, want.sort(byteOrder));
});
