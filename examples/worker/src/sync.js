// Scheduled sync: mirrors each configured Échange account's folders into R2, with the
// library's mirror (`mirror` + `r2Destination`), one Durable Object per account.
//
// The Durable Object `SyncCoordinator` (one per account, named by the account id) runs that
// account's mirror and holds:
//   - the lock: at most one run per account at a time. A run asked for while one is in progress
//     (a cron tick overlapping a long run, `POST /api/sync` during a run) does not wait: it
//     answers `{ status: "already-running" }` at once and touches nothing; the next tick picks
//     up what is left. The lock is the object's own memory, so it goes away with the run if the
//     object is restarted (no stale lock to clear);
//   - the manifest (what R2 holds of the account: path, size, remote time, SHA-256), in the
//     object's SQLite storage, one row per file, each save one transaction: the runner saves it
//     as files complete, so a run cut at any point leaves a manifest listing only files whose
//     objects are complete in R2 (those completed in the last 250 ms may be missing from it:
//     the next run downloads them again, to the same keys);
//   - the last run's summary.
// Accounts are independent: one object each, their own lock, manifest and R2 prefix; the cron
// handler fans out to all of them at once.
//
// Files are streamed from Échange into R2 (`r2Destination`: a FixedLengthStream of the listed
// size into `put`, nothing buffered; R2 shows an object only once complete). At most
// SYNC_MAX_FILES files are downloaded per run (a Worker invocation has a subrequest budget);
// the others are left for the next run ("deferred").
import { DurableObject } from "cloudflare:workers";
import { MirrorManifest, mirror, r2Destination } from "passerelle";
import { accountClient, ConfigError, coordinators, storage, syncAccounts, syncSettings } from "./config.js";

/** Failures listed in a summary at most (their count is always complete). */
const MAX_LISTED_FAILURES = 20;

/** A download the run did not start because SYNC_MAX_FILES was reached. */
class Deferred extends Error {
  constructor(path) {
    super(`deferred to the next run: ${path}`);
    this.name = "Deferred";
  }
}

/**
 * Saves of the manifest are at least this far apart: the runner saves the whole document after
 * each completed file and coalesces the files completed while a save is in progress, so a save
 * that takes this long covers every file completed meanwhile in one transaction (a thousand small
 * files would otherwise cost a thousand saves of a growing document). A run cut off loses at
 * most this much of its record; those files are downloaded again by the next run.
 */
const SAVE_INTERVAL_MS = 250;

const sameRecord = (a, b) => a !== undefined && a.size === b.size && a.mtime === b.mtime && a.sha256 === b.sha256;

/** The manifest of one account in the Durable Object's SQLite storage, one row per file. */
class SqlManifestStore {
  constructor(ctx) {
    this.storage = ctx.storage;
    this.sql = ctx.storage.sql;
    /** path → the record as stored, to write only what changed. */
    this.rows = null;
    this.sql.exec("CREATE TABLE IF NOT EXISTS mirror_files (path TEXT PRIMARY KEY, doc TEXT NOT NULL)");
  }

  load() {
    this.rows = new Map();
    for (const r of this.sql.exec("SELECT path, doc FROM mirror_files")) this.rows.set(r.path, JSON.parse(r.doc));
    return this.rows;
  }

  count() {
    return this.sql.exec("SELECT COUNT(*) AS n FROM mirror_files").one().n;
  }

  /** The manifest document (the library's format), or null before the first file. */
  async read() {
    const rows = this.load();
    if (rows.size === 0) return null;
    const m = new MirrorManifest();
    try {
      for (const record of rows.values()) m.record(record);
      return m.stringify();
    } finally {
      m.free();
    }
  }

  /**
   * Stores the runner's manifest: the rows that changed, in one transaction. The document
   * (`{ format, version, files: [{ path, size, mtime, sha256? }] }`) is read with JSON.parse;
   * anything else goes through the library's strict parser, which rejects it with a clear error.
   */
  async write(text) {
    const started = Date.now();
    let files;
    const doc = JSON.parse(text);
    if (doc?.format === "passerelle-mirror" && doc.version === 1 && Array.isArray(doc.files)) {
      files = doc.files;
    } else {
      const m = MirrorManifest.parse(text);
      try {
        files = m.files();
      } finally {
        m.free();
      }
    }
    const rows = this.rows ?? this.load();
    const upserts = [];
    const seen = new Set();
    for (const f of files) {
      seen.add(f.path);
      if (!sameRecord(rows.get(f.path), f)) upserts.push(f);
    }
    const deletes = [...rows.keys()].filter((p) => !seen.has(p));
    if (upserts.length > 0 || deletes.length > 0) {
      this.storage.transactionSync(() => {
        for (const f of upserts) {
          this.sql.exec("INSERT INTO mirror_files (path, doc) VALUES (?, ?) ON CONFLICT (path) DO UPDATE SET doc = excluded.doc", f.path, JSON.stringify(f));
        }
        for (const path of deletes) this.sql.exec("DELETE FROM mirror_files WHERE path = ?", path);
      });
      for (const f of upserts) rows.set(f.path, f);
      for (const path of deletes) rows.delete(path);
    }
    const wait = SAVE_INTERVAL_MS - (Date.now() - started);
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
  }
}

/** One Durable Object per account: its lock, its manifest, its last summary. */
export class SyncCoordinator extends DurableObject {
  constructor(ctx, env) {
    super(ctx, env);
    this.manifest = new SqlManifestStore(ctx);
    this.sql = ctx.storage.sql;
    this.sql.exec("CREATE TABLE IF NOT EXISTS sync_state (key TEXT PRIMARY KEY, value TEXT NOT NULL)");
    /** The run in progress in this object: `{ started, trigger }`, or null. */
    this.current = null;
  }

  getState(key) {
    const row = this.sql.exec("SELECT value FROM sync_state WHERE key = ?", key).toArray()[0];
    return row ? JSON.parse(row.value) : null;
  }

  setState(key, value) {
    if (value === null) this.sql.exec("DELETE FROM sync_state WHERE key = ?", key);
    else this.sql.exec("INSERT INTO sync_state (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value", key, JSON.stringify(value));
  }

  /** The account this object serves; refuses an id this object is not named after. */
  account(accountId) {
    const account = syncAccounts(this.env).find((a) => a.id === accountId);
    if (!account) throw new ConfigError(`no sync account ${accountId}`);
    if (!this.ctx.id.equals(coordinators(this.env).idFromName(accountId))) {
      throw new ConfigError(`this coordinator is not the one of account ${accountId}`);
    }
    return account;
  }

  /**
   * Runs the account's mirror, unless a run is in progress here: then answers
   * `{ status: "already-running" }` at once. Never throws: failures are in the summary.
   */
  async run(accountId, trigger = "manual") {
    if (this.current) {
      return { account: accountId, status: "already-running", trigger, runningSince: this.current.started, runningTrigger: this.current.trigger };
    }
    // Taken before the first await: a second call arriving while this one waits on I/O sees it.
    const started = new Date().toISOString();
    this.current = { started, trigger };
    const summary = {
      account: accountId, status: "failed", trigger, started, finished: null, folders: [],
      fetched: 0, unchanged: 0, deferred: 0, skipped: 0, failed: 0, bytesFetched: 0,
      failures: [], resumedAfterInterruption: false, error: null,
    };
    try {
      // A run marker left in storage means the previous run was cut (object restarted).
      summary.resumedAfterInterruption = this.getState("running") !== null;
      this.setState("running", { started, trigger });
      const account = this.account(accountId);
      summary.folders = account.folders;
      await this.mirrorAccount(account, summary);
      summary.status = summary.failed > 0 ? "failed" : "ok";
    } catch (err) {
      // Library and configuration errors carry no secret; anything else is named, not echoed.
      summary.error = err?.name === "PasserelleError" || err instanceof ConfigError ? err.message : `unexpected ${err?.name ?? "error"}`;
      if (err?.name !== "PasserelleError" && !(err instanceof ConfigError)) console.error("sync: unexpected error", err?.name, err?.message);
    } finally {
      summary.finished = new Date().toISOString();
      this.setState("last-run", summary);
      this.setState("running", null);
      this.current = null;
    }
    return summary;
  }

  async mirrorAccount(account, summary) {
    const settings = syncSettings(this.env);
    const { bucket } = storage(this.env);
    const client = accountClient(this.env, account);
    try {
      // At most SYNC_MAX_FILES downloads: the runner asks for them in path order, the rest are
      // refused before any request and counted as deferred.
      let downloads = 0;
      const budgeted = {
        walk: (path, options) => client.walk(path, options),
        downloadFile: (path, options) => {
          if (downloads >= settings.maxFiles) throw new Deferred(path);
          downloads += 1;
          return client.downloadFile(path, options);
        },
      };
      const destination = r2Destination(bucket, {
        prefix: account.prefix,
        manifest: this.manifest,
        checkObjects: settings.checkObjects,
      });
      const result = await mirror(budgeted, account.folders, destination, { concurrency: settings.concurrency });
      summary.fetched = result.fetched.length;
      summary.unchanged = result.unchanged;
      summary.skipped = result.skipped.length;
      summary.bytesFetched = result.bytesFetched;
      for (const { path, error } of result.failed) {
        if (error instanceof Deferred) {
          summary.deferred += 1;
          continue;
        }
        summary.failed += 1;
        if (summary.failures.length < MAX_LISTED_FAILURES) {
          summary.failures.push({ path, code: error?.code ?? "write_failed", message: error?.name === "PasserelleError" ? error.message : `storing the file failed (${error?.name ?? "error"})` });
        }
      }
      if (summary.failed > 0) summary.error = `${summary.failed} file(s) failed; the next run fetches them again`;
    } finally {
      client.free();
    }
  }

  /** The last run's summary, the run in progress, and how many files the manifest lists. */
  async status() {
    return { lastRun: this.getState("last-run"), running: this.current, files: this.manifest.count() };
  }

  /** The manifest document (the library's format), or null before the first file. */
  async manifestText() {
    return this.manifest.read();
  }
}

/** The coordinator (Durable Object stub) of an account. */
export function coordinator(env, accountId) {
  const ns = coordinators(env);
  return ns.get(ns.idFromName(accountId));
}

/**
 * Asks every account's coordinator (or only `only`'s) for a run, all at once; resolves with
 * one summary per account. A coordinator that cannot be reached gives a failed summary.
 */
export async function syncAll(env, { trigger = "manual", only } = {}) {
  storage(env);
  const accounts = syncAccounts(env).filter((a) => only === undefined || a.id === only);
  if (accounts.length === 0) throw new ConfigError(`no sync account ${only}`);
  return Promise.all(accounts.map(async (a) => {
    try {
      return await coordinator(env, a.id).run(a.id, trigger);
    } catch (err) {
      console.error(`sync: the coordinator of ${a.id} failed`, err?.message);
      return { account: a.id, status: "failed", trigger, error: "the account's coordinator could not complete the run" };
    }
  }));
}

/** Every account's last summary, current run and manifest size. */
export async function syncStatus(env) {
  return Promise.all(syncAccounts(env).map(async (a) => ({ account: a.id, ...(await coordinator(env, a.id).status()) })));
}
