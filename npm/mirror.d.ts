// Type declarations of the mirror: `EchangeClient.mirror`, the `mirror` function, the
// `MirrorDestination` interface for custom stores, and the planner the runner is built on.
// Re-exported by index.d.ts.
import type { CallOptions, DirEntry, EchangeClient, ErrorCode, PasserelleError } from "./index.js";

// ───────────────────────────── Running a mirror ─────────────────────────────

/** Progress of a mirror run (after the plan is made). */
export interface MirrorProgress {
  /** Files fetched or failed so far. */
  filesDone: number;
  /** Files the run fetches. */
  filesTotal: number;
  /** Bytes received so far. */
  bytesDone: number;
  /** Sum of the remote sizes of the files to fetch. */
  bytesTotal: number;
  /** A file being fetched (the last one started), if any. */
  current?: string;
}

/** One file finished: fetched, deleted, or failed. */
export interface MirrorFileEvent {
  /** Remote path. */
  path: string;
  /** What happened. */
  action: "fetched" | "deleted" | "failed";
  /** Bytes written, for `fetched`. */
  bytes?: number;
  /** The error, for `failed`. */
  error?: PasserelleError | Error;
}

/** Options of `mirror()` / `EchangeClient.mirror()`. */
export interface MirrorOptions extends CallOptions {
  /** Files downloaded at once (1–32); default 4. */
  concurrency?: number;
  /** Remove destination files that the mirror wrote and that are gone remotely; default false. */
  delete?: boolean;
  /** Plan only: nothing is downloaded, written or deleted; the summary says what would be. */
  dryRun?: boolean;
  /** Overrides the destination's `caseInsensitive`. */
  caseInsensitive?: boolean;
  /** Overrides the destination's `windowsNames`. */
  windowsNames?: boolean;
  /** Called as files and bytes progress. A throwing callback does not break the run. */
  onProgress?: (p: MirrorProgress) => void;
  /** Called once with the plan, before anything is written (also in a dry run). */
  onPlan?: (plan: MirrorPlan) => void;
  /** Called when a file is fetched, deleted or fails. */
  onFile?: (event: MirrorFileEvent) => void;
}

/** What a mirror run did (or, with `dryRun`, would do). Paths are remote paths, sorted. */
export interface MirrorSummary {
  /** Whether this was a dry run. */
  dryRun: boolean;
  /** Files downloaded (dry run: to download). */
  fetched: string[];
  /** Number of files the destination already held as they are. */
  unchanged: number;
  /** Files removed from the destination (dry run: to remove). */
  deleted: string[];
  /** Remote entries not mirrored (unsafe names, symbolic links, …), with the reason. */
  skipped: { path: string; reason: string }[];
  /**
   * Files that could not be fetched or deleted: a `PasserelleError` for download failures, the
   * destination's own error (e.g. a Node `ENOSPC` error) for write failures.
   */
  failed: { path: string; error: PasserelleError | Error }[];
  /** Bytes downloaded. */
  bytesFetched: number;
}

/**
 * Where a mirror writes: implement this to mirror into any store. Paths given to it are
 * relative, `/`-separated, already checked by the planner (no `..`, no absolute path, no
 * backslash, no control character, nothing in `reservedNames`).
 */
export interface MirrorDestination {
  /** The manifest document last written by `writeManifest`, or `null` if there is none. */
  readManifest(): Promise<string | null>;
  /** Stores the manifest document, replacing the previous one (atomically if the store can). */
  writeManifest(text: string): Promise<void>;
  /**
   * Stores `data` at `path`. Must not make a partial file visible under `path`: write to a
   * temporary name (ending with `partialSuffix`) and move it to `path` only once `data` ended
   * without error; when `data` errors (a failed or aborted download), remove the temporary
   * file and reject. Setting the file's modification time to `info.mtime` lets `stat` recognise
   * a completed file after an interruption. May resolve with the SHA-256 (hex) of the bytes.
   */
  write(
    path: string,
    data: ReadableStream<Uint8Array>,
    info: { size: number; mtime: Date; signal?: AbortSignal },
  ): Promise<{ sha256?: string } | void>;
  /** Removes the file at `path` (a missing file is not an error). */
  remove(path: string): Promise<void>;
  /**
   * Size and modification time of the file at `path`, or `null` when there is none. Optional:
   * with it, files lost from the destination are fetched again and files an interrupted run
   * completed are recognised instead of downloaded again.
   */
  stat?(path: string): Promise<{ size: number; mtime: Date | number } | null>;
  /**
   * Optional: takes the destination's lock for the run (released by calling the function it
   * resolves with). Reject with a `PasserelleError` of code `conflict` when another run holds it;
   * two runs writing into one destination at once could record each other's files wrongly.
   */
  lock?(): Promise<() => Promise<void>>;
  /** Names differing only by letter case are the same file here (default false). */
  caseInsensitive?: boolean;
  /** Windows naming rules apply (no `<>:"|?*`, no `CON`, …; default false). */
  windowsNames?: boolean;
  /** Relative paths the destination keeps for itself (e.g. its manifest file). */
  reservedNames?: string[];
  /** Suffix of temporary files; remote names ending with it are skipped. */
  partialSuffix?: string;
}

/**
 * What a browser's `FileSystemDirectoryHandle` provides that the mirror uses (declared
 * structurally so the types compile without the DOM library): pass the handle from
 * `showDirectoryPicker()` or `navigator.storage.getDirectory()` as the destination. The
 * manifest is stored in that folder.
 */
export interface MirrorDirectoryHandle {
  /** Always `"directory"`. */
  readonly kind: "directory";
  /** The folder's name. */
  readonly name: string;
  /** A sub-folder. */
  getDirectoryHandle(name: string, options?: { create?: boolean }): Promise<unknown>;
  /** A file. */
  getFileHandle(name: string, options?: { create?: boolean }): Promise<unknown>;
  /** Removes an entry. */
  removeEntry(name: string, options?: { recursive?: boolean }): Promise<void>;
}

/** Where `mirror` can write: a `MirrorDestination`, a browser folder handle, or a directory path in Node. */
export type MirrorTarget = MirrorDestination | MirrorDirectoryHandle | string;

/**
 * Mirrors the remote folders into `destination`: downloads new files and files whose size or
 * modification time changed, keeps the others, and (with `delete`) removes files gone remotely.
 * `destination` may be a browser `FileSystemDirectoryHandle` or, in Node, a directory path. Remote `/a/b.txt` becomes `a/b.txt` in the
 * destination. Rejects (code `aborted`) when `signal` aborts, after saving what completed: the
 * next run resumes. Rejects when a remote folder cannot be listed or the manifest cannot be
 * read or written, or (code `conflict`) when another run holds the destination's lock (a Node
 * folder is locked by its `.passerelle-mirror.lock` file, a browser folder with the Web Locks
 * API); per-file failures are reported in the summary instead. In browsers, give the
 * client `fetch: (input, init) => fetch(input, { ...init, cache: "no-store" })`: otherwise the
 * HTTP cache may answer a file downloaded again (bodies whose size differs from the listing are
 * refused, not written).
 */
export declare function mirror(
  client: EchangeClient,
  remotePaths: string | string[],
  destination: MirrorTarget,
  options?: MirrorOptions,
): Promise<MirrorSummary>;

declare module "./index.js" {
  interface EchangeClient {
    /**
     * Mirrors remote folders into a destination: same as the `mirror(client, …)` function.
     * @param remotePaths Remote folder(s), e.g. `"/Relevés"`.
     * @param destination A `MirrorDestination`, a browser `FileSystemDirectoryHandle`, or a
     *   directory path in Node.
     */
    mirror(
      remotePaths: string | string[],
      destination: MirrorTarget,
      options?: MirrorOptions,
    ): Promise<MirrorSummary>;
  }
}

// ───────────────────────────── The planner ─────────────────────────────

/** One file the destination holds, as the manifest records it. */
export interface MirrorManifestFile {
  /** Remote path. */
  path: string;
  /** Remote size when the copy was made. */
  size: number;
  /** Remote `last_modified` when the copy was made (RFC 3339). */
  mtime: string;
  /** SHA-256 (hex) of the bytes written, when known. */
  sha256?: string;
}

/** The manifest a destination keeps: what the mirror wrote (a versioned JSON document). */
export declare class MirrorManifest {
  /** An empty manifest. */
  constructor();
  /** Parses a manifest document; rejects other documents with `invalid_input`. */
  static parse(text: string): MirrorManifest;
  /** The document, files sorted by path. */
  stringify(): string;
  /** Records a file (replacing what was known of its path). */
  record(file: MirrorManifestFile): void;
  /** Forgets a path; whether it was known. */
  remove(path: string): boolean;
  /** What is known of a path. */
  get(path: string): MirrorManifestFile | undefined;
  /** Every file, sorted by path. */
  files(): MirrorManifestFile[];
  /** Number of files. */
  count(): number;
  /** Releases the WebAssembly memory now (otherwise released when garbage-collected). */
  free(): void;
}

/** Options of `planMirror`. */
export interface MirrorPlanOptions {
  /** The remote folders the entries were walked from (bounds deletions). */
  roots: string[];
  /** Plan deletions of manifest files gone remotely. */
  delete?: boolean;
  /** Names differing only by letter case collide. */
  caseInsensitive?: boolean;
  /** Apply Windows naming rules. */
  windowsNames?: boolean;
  /** Relative paths the destination keeps for itself. */
  reserved?: string[];
  /** Suffix of the destination's temporary files. */
  reservedSuffix?: string;
}

/** A file to download. */
export interface MirrorFetchItem {
  /** Remote path. */
  path: string;
  /** Destination path (relative, `/`-separated). */
  local: string;
  /** Remote size. */
  size: number;
  /** Remote `last_modified`. */
  mtime: string;
  /** Not in the manifest, changed since, or (runner only) lost from the destination. */
  reason: "new" | "changed" | "missing";
}

/** What a run will do; every list sorted by remote path. */
export interface MirrorPlan {
  /** Files to download. */
  fetch: MirrorFetchItem[];
  /** Remote paths of files already held as they are. */
  unchanged: string[];
  /** Files to remove (only when deleting). */
  delete: { path: string; local: string }[];
  /** Manifest paths dropped without touching a file (renamed by letter case). */
  forget: string[];
  /** Remote entries not mirrored, with the reason. */
  skipped: { path: string; reason: string }[];
  /** Sum of the sizes to fetch. */
  bytesToFetch: number;
}

/** The pure planner behind `mirror`: remote entries (from `walk`) + manifest → plan. */
export declare function planMirror(
  remoteEntries: DirEntry[],
  manifest: MirrorManifest,
  options: MirrorPlanOptions,
): MirrorPlan;

/** A `PasserelleError` with `code` and `message`, for custom destinations to reject with. */
export declare function mirrorError(code: ErrorCode, message: string): PasserelleError;
