// Échange scenarios run *inside* a runtime (a workerd Worker, a Chromium page) with the
// package's exports `lib`; each returns a JSON-safe result that the Node-side test checks
// against the fake (request log, sha256 of server files). Setup that needs no package (reset,
// faults, config) is done by the Node side before calling a scenario.
import {
  fakeControls, describeError, caught, readAll, chunkedStream, storedZip, unzipAll, sha256Hex,
} from "./echange-common.mjs";

export const USER = { username: "fournisseur", password: "motdepasse-Été:2025" };
export const DEC = "/Relevés/Déc 2025";
export const ODD_NAMES = ["Déc 2025 bis", "a+b", "x;y=1", "100% sûr", "n°#1", "quoi?oui", "mé lange +;%#?&="];

const SCENARIOS = {
  /** Concurrent token() share one request; odd folder names survive mkdir/upload/listDir. */
  async tokenAndPaths(lib, fake) {
    const c = new lib.EchangeClient({ baseUrl: fake.base, ...USER });
    const [a, b] = await Promise.all([c.token(), c.token()]);
    await c.mkdir("/Bizarre");
    const listings = {};
    for (const name of ODD_NAMES) {
      await c.mkdir(`/Bizarre/${name}`);
      await c.uploadFile(`/Bizarre/${name}/${name}.txt`, new TextEncoder().encode(name));
      listings[name] = (await c.listDir(`/Bizarre/${name}`)).map((e) => [e.name, e.path, e.type, e.size]);
    }
    const top = (await c.listDir("/Bizarre")).map((e) => e.name).sort();
    return { token: a.access_token, sameToken: a.access_token === b.access_token, top, listings };
  },

  /** OTP callback asked once per token, again on the 401 replay after an IP change. */
  async otp(lib, fake) {
    const codes = [];
    const c = new lib.EchangeClient({
      baseUrl: fake.base, username: "otp-user", password: "otp-Secret-1",
      otp: async () => {
        const code = await fake.otp("otp-user");
        codes.push(code);
        return code;
      },
    });
    const first = (await c.listDir(DEC)).length;
    await fake.ipChange();
    const second = (await c.listDir(DEC)).length;
    const token = (await c.token()).access_token;
    await c.logout();
    return { first, second, codes, token };
  },

  /** downloadZip of a folder → unzip: names, sha256 of every entry, progress. */
  async zip(lib, fake) {
    const c = new lib.EchangeClient({ baseUrl: fake.base, ...USER });
    const progress = [];
    const zip = await readAll(await c.downloadZip([DEC, "/Archives"], { onProgress: (p) => progress.push(p) }));
    const entries = await unzipAll(lib, chunkedStream(zip, 1000));
    // Streamed straight from the response too.
    const direct = await unzipAll(lib, await c.downloadZip([DEC]));
    return { zipBytes: zip.byteLength, lastProgress: progress.at(-1), entries, direct };
  },

  /** downloadFile byte-exact, resumed with an offset, and the 416. */
  async file(lib, fake, { path, offset }) {
    const c = new lib.EchangeClient({ baseUrl: fake.base, ...USER });
    const progress = [];
    const full = await readAll(await c.downloadFile(path, { onProgress: (p) => progress.push(p) }));
    const tail = await readAll(await c.downloadFile(path, { offset }));
    const range416 = await caught(() => c.downloadFile(path, { offset: full.byteLength + 5 }), lib.PasserelleError);
    return {
      sha256: await sha256Hex(full), size: full.byteLength, lastProgress: progress.at(-1),
      tailSha256: await sha256Hex(tail), expectedTailSha256: await sha256Hex(full.slice(offset)),
      range416, token: (await c.token()).access_token,
    };
  },

  /** uploadFile with Uint8Array, Blob and ReadableStream; mtime; mkdirParents; lecteur refused. */
  async upload(lib, fake, { mtimeMs }) {
    const c = new lib.EchangeClient({ baseUrl: fake.base, ...USER });
    const data = new Uint8Array(200_001);
    for (let i = 0; i < data.length; i++) data[i] = (i * 31 + (i >> 8)) & 0xff;
    const mtime = new Date(mtimeMs);
    await c.uploadFile("/Dépôt/été/u8.bin", data, { mkdirParents: true, mtime });
    await c.uploadFile("/Dépôt/été/blob.bin", new Blob([data.slice(0, 1000), data.slice(1000)]), { mtime });
    await c.uploadFile("/Dépôt/été/stream.bin", chunkedStream(data, 16_384), { mtime });
    const listing = (await c.listDir("/Dépôt/été")).map((e) => [e.name, e.size, e.last_modified]).sort();
    const lecteur = new lib.EchangeClient({ baseUrl: fake.base, username: "lecteur", password: "lecteur-pw" });
    const forbidden = await caught(() => lecteur.uploadFile("/x.bin", data), lib.PasserelleError);
    return { sha256: await sha256Hex(data), listing, forbidden, token: (await c.token()).access_token };
  },

  /** Error classes of the spec's model, described. */
  async errors(lib, fake) {
    const c = new lib.EchangeClient({ baseUrl: fake.base, ...USER });
    const E = lib.PasserelleError;
    const out = {
      notFound: await caught(() => c.listDir("/Relevés/Nulle part"), E),
      mkdirExists: await caught(() => c.mkdir("/Archives"), E),
      deleteDirAsFile: await caught(() => c.deleteFile("/Archives"), E),
      moveSame: await caught(() => c.move("/Archives", "/Archives"), E),
      copyMissing: await caught(() => c.copy("/absent", "/b"), E),
      downloadDir: await caught(() => c.downloadFile("/Relevés"), E),
      listFile: await caught(() => new lib.EchangeClient({ baseUrl: fake.base, ...USER, retries: 0 }).listDir("/lisez-moi.txt"), E),
      badPassword: await caught(() => new lib.EchangeClient({ baseUrl: fake.base, username: USER.username, password: "mauvais-Mot:de-passe" }).token(), E),
      invalidInput: await caught(() => c.downloadZip([]), E),
    };
    await c.move("/lisez-moi.txt", "/Archives/lu.txt");
    await c.copy("/Archives/lu.txt", "/relu.txt");
    await c.deleteFile("/Archives/lu.txt");
    await c.deleteDir("/Relevés/Nov 2025");
    out.after = (await c.walk("/", { maxDepth: 2, concurrency: 3 })).map((e) => e.path);
    out.token = (await c.token()).access_token;
    return out;
  },

  /** One listDir (the Node side queued faults first); returns the entry count or the error. */
  async listOnce(lib, fake, { path, timeoutMs, retries }) {
    const c = new lib.EchangeClient({ baseUrl: fake.base, ...USER, ...(timeoutMs ? { timeoutMs } : {}), ...(retries === undefined ? {} : { retries }) });
    const token = (await c.token()).access_token;
    try {
      return { count: (await c.listDir(path)).length, token };
    } catch (err) {
      return { error: describeError(err, lib.PasserelleError), token };
    }
  },

  /** One mkdir (faults queued by the Node side): not retried. */
  async mkdirOnce(lib, fake, { path }) {
    const c = new lib.EchangeClient({ baseUrl: fake.base, ...USER });
    const token = (await c.token()).access_token;
    return { error: await caught(() => c.mkdir(path), lib.PasserelleError), token };
  },

  /** walk with a concurrency and maxDepth: the paths, in the returned order. */
  async walk(lib, fake, { path, concurrency, maxDepth }) {
    const c = new lib.EchangeClient({ baseUrl: fake.base, ...USER });
    const opts = {};
    if (concurrency !== undefined) opts.concurrency = concurrency;
    if (maxDepth !== undefined) opts.maxDepth = maxDepth;
    return { paths: (await c.walk(path, opts)).map((e) => [e.path, e.type]) };
  },

  /** Abort a zip download mid-stream; unzip over SFTPGo's mid-stream abort (config set by Node). */
  async zipFailures(lib, fake, { abortAt }) {
    const c = new lib.EchangeClient({ baseUrl: fake.base, ...USER });
    const E = lib.PasserelleError;
    const ctl = new AbortController();
    const reader = (await c.downloadZip(["/Volumineux/gros-8MiB.bin"], { signal: ctl.signal })).getReader();
    let n = 0;
    while (n < 100_000) n += (await reader.read()).value.byteLength;
    ctl.abort();
    const aborted = await caught(async () => {
      for (;;) if ((await reader.read()).done) return;
    }, E);
    await fake.config({ streamzip_abort_at: abortAt });
    const truncated = await caught(async () => {
      for await (const e of lib.unzip(await c.downloadZip(["/Volumineux"]))) if (!e.is_dir) await e.bytes();
    }, E);
    await fake.config({ streamzip_abort_at: 0 });
    return { aborted, truncated, token: (await c.token()).access_token };
  },

  /** Crafted archives: unsafe names, limits, truncation. */
  async unzipChecks(lib) {
    const E = lib.PasserelleError;
    const out = {};
    for (const name of ["../evil.txt", "/abs.txt", "a\\b.txt", "C:/x.txt"]) {
      out[name] = await caught(() => unzipAll(lib, chunkedStream(storedZip([{ name: "ok.txt", data: "ok" }, { name, data: "x" }]), 7)), E);
    }
    const good = storedZip([{ name: "Relevés/Déc 2025/données+spéciales;v2 #1 100%.txt", data: "é+;%#" }]);
    out.good = await unzipAll(lib, chunkedStream(good, 1));
    out.expectedSha = await sha256Hex(new TextEncoder().encode("é+;%#"));
    out.limit = await caught(() => unzipAll(lib, chunkedStream(good, 3), { maxEntryBytes: 3 }), E);
    out.truncated = await caught(() => unzipAll(lib, chunkedStream(good.slice(0, good.length - 5), 3)), E);
    return out;
  },
};

/** Runs scenario `name` against the fake at `base` with the package exports `lib`. */
export async function runScenario(lib, base, name, params = {}) {
  const fn = SCENARIOS[name];
  if (!fn) throw new Error(`unknown scenario ${name}`);
  return fn(lib, fakeControls(base), params);
}
