// Mirror runner: keeps a destination (a folder, a bucket, anything implementing the small
// `MirrorDestination` interface of mirror.d.ts) up to date with Échange folders.
//
// The decisions (what to fetch, keep, delete, skip) are made by the Rust planner
// (`planMirror`, `MirrorManifest`); this file only does the I/O around it:
//   walk the remote folders → read the destination's manifest → plan → delete → fetch with
//   bounded concurrency, each file streamed into the destination (which writes it under a
//   temporary name and renames it once complete) → manifest saved after completed files.
// An interrupted run (abort, crash, kill) resumes at the next run: completed files are in the
// manifest, or are found complete by `destination.stat` (same size and mtime) and adopted.
import { EchangeClient, MirrorManifest, planMirror, mirrorError } from "./web/passerelle.js";
import { directoryHandleDestination, isDirectoryHandle } from "./mirror-browser.js";
import { isR2Bucket, r2Destination } from "./mirror-r2.js";

export { r2Destination } from "./mirror-r2.js";

const DEFAULT_CONCURRENCY = 4;
const MAX_CONCURRENCY = 32;
const REQUIRED = ["readManifest", "writeManifest", "write", "remove"];

const isPasserelleError = (e) => e != null && e.name === "PasserelleError" && typeof e.code === "string";

function bad(message) {
  return mirrorError("invalid_input", `mirror(): ${message}`);
}

function abortedError(signal, detail) {
  const err = mirrorError("aborted", `mirror(): aborted${detail ? ` (${detail})` : ""}`);
  if (signal?.reason !== undefined) err.cause = signal.reason;
  return err;
}

function checkArgs(client, remotePaths, destination, options) {
  if (!client || typeof client.walk !== "function" || typeof client.downloadFile !== "function") {
    throw bad("the first argument must be an EchangeClient");
  }
  const roots = typeof remotePaths === "string" ? [remotePaths] : remotePaths;
  if (!Array.isArray(roots) || roots.length === 0 || !roots.every((r) => typeof r === "string")) {
    throw bad("`remotePaths` must be a folder path or a non-empty array of folder paths");
  }
  if (typeof destination === "string") {
    throw bad("a directory path works in Node only; in a browser pass a FileSystemDirectoryHandle");
  }
  if (!destination || typeof destination !== "object") throw bad("`destination` must be a MirrorDestination object");
  for (const m of REQUIRED) {
    if (typeof destination[m] !== "function") throw bad(`the destination has no ${m}() method`);
  }
  const o = options ?? {};
  if (typeof o !== "object") throw bad("`options` must be an object");
  const concurrency = o.concurrency ?? DEFAULT_CONCURRENCY;
  if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > MAX_CONCURRENCY) {
    throw bad(`option \`concurrency\` must be a whole number between 1 and ${MAX_CONCURRENCY}`);
  }
  for (const f of ["onProgress", "onPlan", "onFile"]) {
    if (o[f] !== undefined && typeof o[f] !== "function") throw bad(`option \`${f}\` must be a function`);
  }
  return { roots, concurrency, o };
}

/** Calls a user callback; a throwing callback must not break the run. */
function notify(fn, value) {
  if (!fn) return;
  try {
    fn(value);
  } catch (_) {
    // ignored on purpose
  }
}

/** Whole seconds of an RFC 3339 time or a Date/number of milliseconds; NaN when unknown. */
const seconds = (t) => Math.floor((t instanceof Date ? t.getTime() : typeof t === "number" ? t : Date.parse(t)) / 1000);

/** `destination.stat(item.local)`, or null when it has none or fails. */
async function statOf(destination, item) {
  try {
    return (await destination.stat(item.local)) ?? null;
  } catch (_) {
    return null;
  }
}

/** A file the manifest lists is still there when the destination has it at that size. */
const stillThere = (st, item) => !!st && st.size === item.size;

/**
 * A file written by an interrupted run that never reached the manifest is complete when its
 * size and modification time (to the second) are the remote ones: the destination sets the
 * mtime only after the last byte. Destinations that cannot set mtimes never match.
 */
const completeCopy = (st, item) => stillThere(st, item) && seconds(st.mtime) === seconds(item.mtime);

/**
 * Saves the manifest after completed files: one write at a time, at most one every
 * `MANIFEST_SAVE_MS` while files keep completing (each write serialises the whole manifest, so
 * a write per file would cost time quadratic in the number of files), and at once on `flush`.
 * An interrupted run loses at most that interval of records, and the files those records
 * describe are recognised at the next run by their size and modification time.
 */
const MANIFEST_SAVE_MS = 1000;

function manifestSaver(destination, manifest, intervalMs = MANIFEST_SAVE_MS) {
  let dirty = false;
  let running = null;
  let failure = null;
  let pause = null; // { timer, resume } while waiting before the next write
  const loop = async () => {
    while (dirty) {
      dirty = false;
      try {
        await destination.writeManifest(manifest.stringify());
      } catch (e) {
        failure ??= e;
      }
      if (dirty) {
        await new Promise((resume) => {
          pause = { timer: setTimeout(resume, intervalMs), resume };
        });
        pause = null;
      }
    }
    running = null;
  };
  return {
    save() {
      dirty = true;
      running ??= loop();
    },
    async flush() {
      if (pause) {
        clearTimeout(pause.timer);
        pause.resume();
      }
      if (running) await running;
      if (failure) throw failure;
    },
  };
}

/**
 * Mirrors the remote folders `remotePaths` into `destination`.
 * @returns {Promise<import("./mirror.d.ts").MirrorSummary>}
 */
export async function mirror(client, remotePaths, destination, options) {
  if (isDirectoryHandle(destination)) destination = await directoryHandleDestination(destination);
  else if (isR2Bucket(destination)) destination = r2Destination(destination);
  const { roots, concurrency, o } = checkArgs(client, remotePaths, destination, options);
  const signal = o.signal;
  if (signal?.aborted) throw abortedError(signal);

  // 1. One run at a time per destination, when it can lock (a dry run only reads).
  const release = !o.dryRun && typeof destination.lock === "function" ? await destination.lock() : null;
  try {
    // 2. The remote tree (walk sorts it; the planner dedups overlapping folders).
    const entries = [];
    for (const root of roots) {
      const found = await client.walk(root, signal ? { signal } : {});
      for (const e of found) entries.push(e);
    }
    return await withManifest(client, roots, entries, destination, concurrency, o);
  } finally {
    if (typeof release === "function") await release();
  }
}

/** Reads the destination's manifest, then plans and runs; the manifest's memory is released after. */
async function withManifest(client, roots, entries, destination, concurrency, o) {
  // 3. What the destination holds.
  const text = await destination.readManifest();
  if (text != null && typeof text !== "string") throw bad("readManifest() must resolve to a string or null");
  const manifest = text == null ? new MirrorManifest() : MirrorManifest.parse(text);
  try {
    return await planAndRun(client, roots, entries, manifest, destination, concurrency, o);
  } finally {
    manifest.free(); // the manifest's WebAssembly memory, released when the run ends
  }
}

/** Plans, then deletes and fetches; `manifest` is updated (and saved) as files complete. */
async function planAndRun(client, roots, entries, manifest, destination, concurrency, o) {
  const signal = o.signal;
  // 4. The plan.
  const plan = planMirror(entries, manifest, {
    roots,
    delete: !!o.delete,
    caseInsensitive: !!(o.caseInsensitive ?? destination.caseInsensitive),
    windowsNames: !!(o.windowsNames ?? destination.windowsNames),
    reserved: Array.isArray(destination.reservedNames) ? destination.reservedNames : [],
    reservedSuffix: typeof destination.partialSuffix === "string" ? destination.partialSuffix : undefined,
  });

  // Files the manifest lists but the destination lost are fetched again; files written by an
  // interrupted run that never reached the manifest are adopted (checked with stat).
  const byPath = new Map();
  for (const e of entries) if (e.type === "file") byPath.set(e.path, e);
  const unchanged = [];
  const fetch = [...plan.fetch];
  let adoptedCount = 0;
  const lost = [];
  if (typeof destination.stat === "function") {
    await pool(plan.unchanged, concurrency, signal, async (path) => {
      const e = byPath.get(path);
      const item = { path, local: path.slice(1), size: e.size, mtime: e.last_modified, reason: "missing" };
      if (stillThere(await statOf(destination, item), item)) unchanged.push(path);
      else lost.push(item);
    });
    const adopted = new Set();
    await pool(plan.fetch, concurrency, signal, async (item) => {
      if (completeCopy(await statOf(destination, item), item)) adopted.add(item.path);
    });
    fetch.length = 0;
    adoptedCount = adopted.size;
    for (const f of plan.fetch) {
      if (adopted.has(f.path)) {
        unchanged.push(f.path);
        manifest.record({ path: f.path, size: f.size, mtime: f.mtime });
      } else {
        fetch.push(f);
      }
    }
    fetch.push(...lost);
    fetch.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
    unchanged.sort();
  } else {
    unchanged.push(...plan.unchanged);
  }
  if (signal?.aborted) throw abortedError(signal);
  const bytesTotal = fetch.reduce((n, f) => n + f.size, 0);
  notify(o.onPlan, {
    fetch,
    unchanged,
    delete: plan.delete,
    forget: plan.forget,
    skipped: plan.skipped,
    bytesToFetch: bytesTotal,
  });

  const summary = {
    dryRun: !!o.dryRun,
    fetched: [],
    unchanged: unchanged.length,
    deleted: [],
    skipped: plan.skipped,
    failed: [],
    bytesFetched: 0,
  };
  if (o.dryRun) {
    summary.fetched = fetch.map((f) => f.path);
    summary.deleted = plan.delete.map((d) => d.path);
    return summary;
  }

  const saver = manifestSaver(destination, manifest);
  if (adoptedCount > 0) saver.save();
  const progress = { filesDone: 0, filesTotal: fetch.length, bytesDone: 0, bytesTotal, current: undefined };
  const emit = () => notify(o.onProgress, { ...progress });
  emit();

  // 5. Deletions first: on a case-insensitive destination a new file may take an old name.
  for (const path of plan.forget) manifest.remove(path);
  if (plan.forget.length > 0) saver.save();
  for (const d of plan.delete) {
    if (signal?.aborted) break;
    try {
      await destination.remove(d.local);
      manifest.remove(d.path);
      summary.deleted.push(d.path);
      notify(o.onFile, { path: d.path, action: "deleted" });
    } catch (error) {
      summary.failed.push({ path: d.path, error });
      notify(o.onFile, { path: d.path, action: "failed", error });
    }
    saver.save();
  }

  // 6. Fetches, `concurrency` at a time, in path order.
  await pool(fetch, concurrency, signal, async (item) => {
    progress.current = item.path;
    emit();
    let written = 0;
    try {
      const body = await client.downloadFile(item.path, signal ? { signal } : {});
      const counted = body.pipeThrough(new TransformStream({
        transform(chunk, controller) {
          written += chunk.byteLength;
          progress.bytesDone += chunk.byteLength;
          emit();
          controller.enqueue(chunk);
        },
        // A body of another size than the listing's is not written (the destination sees the
        // error before committing): the file changed during the run, or a cache answered.
        flush() {
          if (written !== item.size) {
            throw mirrorError(written < item.size ? "truncated" : "invalid_response",
              `mirror: received ${written} bytes for ${item.path} where the listing says ${item.size} ` +
              "(changed during the run, or answered from a cache); not written, the next run fetches it again");
          }
        },
      }));
      const result = await destination.write(item.local, counted, {
        size: item.size,
        mtime: new Date(item.mtime),
        signal,
      });
      const sha256 = result && typeof result.sha256 === "string" ? result.sha256 : undefined;
      manifest.record(sha256 ? { path: item.path, size: item.size, mtime: item.mtime, sha256 }
        : { path: item.path, size: item.size, mtime: item.mtime });
      saver.save();
      summary.fetched.push(item.path);
      summary.bytesFetched += written;
      notify(o.onFile, { path: item.path, action: "fetched", bytes: written });
    } catch (error) {
      if (signal?.aborted) return;
      summary.failed.push({ path: item.path, error });
      notify(o.onFile, { path: item.path, action: "failed", error });
    } finally {
      progress.filesDone += 1;
      if (progress.current === item.path) progress.current = undefined;
      emit();
    }
  });

  await saver.flush();
  if (signal?.aborted) {
    throw abortedError(signal, `${summary.fetched.length} of ${fetch.length} files fetched; the next run resumes`);
  }
  summary.fetched.sort();
  summary.failed.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  for (const f of summary.failed) {
    if (!isPasserelleError(f.error) && !(f.error instanceof Error)) f.error = new Error(String(f.error));
  }
  return summary;
}

/** Runs `task` over `items`, at most `n` at a time; stops taking new items once aborted. */
async function pool(items, n, signal, task) {
  let next = 0;
  const worker = async () => {
    while (next < items.length && !signal?.aborted) {
      const item = items[next++];
      await task(item);
    }
  };
  await Promise.all(Array.from({ length: Math.min(n, items.length) }, worker));
}

EchangeClient.prototype.mirror = function (remotePaths, destination, options) {
  return mirror(this, remotePaths, destination, options);
};
