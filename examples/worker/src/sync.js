// Scheduled sync: mirrors the configured Échange folders into R2.
//
// State (KV key `sync:manifest`): for every file already stored in R2, the version stored
// (`size` and `last_modified` as the listing gave them). A run:
//   1. walks every configured folder (one listing per sub-folder);
//   2. picks the files whose (size, last_modified) differs from the manifest — new or changed;
//   3. streams each one from Échange into R2 under `<SYNC_PREFIX><path>` (no buffering: the
//      download body is piped through a FixedLengthStream of the listed size into `put`);
//   4. records a file in the manifest only after its R2 `put` resolved, and writes the manifest
//      every SYNC_CHECKPOINT_EVERY files and at the end of the run (also when it fails).
// A file is therefore never marked done before its bytes are in R2 (no loss), and a retried
// file overwrites the same R2 key (no duplicate). A failure stops the run from starting more
// files; the next run picks up exactly what is missing. At most SYNC_MAX_FILES files are copied
// per run (Workers limit subrequests per invocation); the next run continues.
import { echangeClient, storage, syncSettings } from "./config.js";

export const MANIFEST_KEY = "sync:manifest";
export const LAST_RUN_KEY = "sync:last-run";

async function readManifest(kv) {
  const m = await kv.get(MANIFEST_KEY, "json");
  return m && typeof m === "object" && m.files && typeof m.files === "object" ? m : { files: {} };
}

function writeManifest(kv, manifest) {
  return kv.put(MANIFEST_KEY, JSON.stringify(manifest));
}

const version = (e) => `${e.size}|${e.last_modified}`;

/** Copies one file, streaming, into R2. Resolves once R2 holds all of its bytes. */
async function copyFile(client, bucket, entry, key) {
  const body = await client.downloadFile(entry.path);
  // R2 needs the length of a streamed body up front; the listing gave it. A file whose size
  // changed since the listing makes the stream error, and the file is retried next run.
  const { readable, writable } = new FixedLengthStream(entry.size);
  const piping = body.pipeTo(writable);
  const [put] = await Promise.all([
    bucket.put(key, readable, {
      customMetadata: { source: entry.path, last_modified: entry.last_modified, size: String(entry.size) },
    }),
    piping,
  ]);
  return put;
}

/**
 * One sync run. Returns a summary; throws (after saving progress) when a file failed, so the
 * cron invocation is reported as failed.
 */
export async function runSync(env, { now = new Date() } = {}) {
  const settings = syncSettings(env);
  const { kv, bucket } = storage(env);
  const client = echangeClient(env);
  const summary = {
    started: now.toISOString(), finished: null, folders: settings.folders, listed: 0,
    pending: 0, stored: 0, unchanged: 0, deferred: 0, failed: 0, error: null,
  };
  const manifest = await readManifest(kv);
  let sinceCheckpoint = 0;
  try {
    // 1–2. What is new or changed.
    const files = new Map();
    for (const folder of settings.folders) {
      for (const e of await client.walk(folder)) {
        if (e.type === "file" && typeof e.size === "number") files.set(e.path, e);
      }
    }
    summary.listed = files.size;
    // Forget files gone from the folders (their R2 copies stay): the manifest tracks the tree.
    for (const path of Object.keys(manifest.files)) {
      if (!files.has(path)) delete manifest.files[path];
    }
    const todo = [];
    for (const e of files.values()) {
      if (manifest.files[e.path] === version(e)) summary.unchanged++;
      else todo.push(e);
    }
    todo.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
    summary.pending = todo.length;
    const batch = todo.slice(0, settings.maxFiles);
    summary.deferred = todo.length - batch.length;

    // 3–4. Copy with a few downloads in flight; stop starting new ones after a failure.
    let next = 0;
    let firstError = null;
    const worker = async () => {
      while (firstError === null && next < batch.length) {
        const entry = batch[next++];
        try {
          await copyFile(client, bucket, entry, settings.prefix + entry.path.slice(1));
        } catch (err) {
          summary.failed++;
          firstError ??= { path: entry.path, err };
          continue;
        }
        manifest.files[entry.path] = version(entry);
        summary.stored++;
        if (++sinceCheckpoint >= settings.checkpointEvery) {
          sinceCheckpoint = 0;
          await writeManifest(kv, manifest);
        }
      }
    };
    await Promise.all(Array.from({ length: settings.concurrency }, worker));
    if (firstError) {
      const { path, err } = firstError;
      const code = err?.code ? ` (${err.code})` : "";
      throw new Error(`sync stopped: copying ${path} failed${code}: ${err?.message ?? err}`);
    }
  } catch (err) {
    summary.error = err instanceof Error ? err.message : String(err);
    throw err;
  } finally {
    summary.finished = new Date().toISOString();
    try {
      await writeManifest(kv, manifest);
      await kv.put(LAST_RUN_KEY, JSON.stringify(summary));
    } finally {
      client.free();
    }
  }
  return summary;
}

/** The last run's summary (null before the first run). */
export async function lastRun(env) {
  const { kv } = storage(env);
  return kv.get(LAST_RUN_KEY, "json");
}
