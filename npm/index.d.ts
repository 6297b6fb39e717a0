// Type declarations for the `passerelle` package (hand-written from the public API contract).
// Standalone on purpose: no wasm-bindgen init section, so it compiles without DOM libs when the
// runtime's own types (Node's or Workers') declare fetch, ReadableStream, Blob and AbortSignal.

// ───────────────────────────── Errors ─────────────────────────────

/** Stable, machine-readable error codes (`PasserelleError.code`). */
export type ErrorCode =
  | "bad_request"
  | "unauthorized"
  | "forbidden"
  | "not_found"
  | "conflict"
  | "too_large"
  | "rate_limited"
  | "server"
  | "http"
  | "network"
  | "timeout"
  | "aborted"
  | "invalid_response"
  | "invalid_input"
  | "truncated"
  | "unsafe_path"
  | "limit_exceeded";

/**
 * Every rejection of every method is a `PasserelleError` (`err.name === "PasserelleError"`).
 * No password, token, API key or syndic credential ever appears in any of its fields.
 */
export declare class PasserelleError extends Error {
  /** Always `"PasserelleError"`. */
  readonly name: "PasserelleError";
  /** Stable code, e.g. `"not_found"`. */
  readonly code: ErrorCode;
  /** Clear English sentence naming the operation. */
  readonly message: string;
  /** HTTP status when a response arrived. */
  readonly status: number | undefined;
  /** The server's own message, verbatim (e.g. the French text), when it sent one. */
  readonly serverMessage: string | undefined;
  /** Échange's `error` field, when present. */
  readonly serverError: string | undefined;
  /** Seconds, from `Retry-After`, when present. */
  readonly retryAfter: number | undefined;
  /**
   * The runtime's underlying error for `network` failures (its `name`, and `code` such as
   * `"ECONNREFUSED"` when it has one), reduced so that it cannot quote request data.
   */
  readonly cause?: Error & { code?: string };
  /** Every problem found in the input, for `invalid_input` from `createOrder` validation. */
  readonly issues?: ValidationIssue[];
  /** The fields above as a plain object (what `JSON.stringify(err)` prints). */
  toJSON(): {
    name: "PasserelleError";
    code: ErrorCode;
    message: string;
    status: number | undefined;
    serverMessage: string | undefined;
    serverError: string | undefined;
    retryAfter: number | undefined;
    issues: ValidationIssue[] | undefined;
  };
}

/** Stable code of a validation problem (`PasserelleError.issues`; PRE-ETAT.DATE orders). */
export type ValidationCode =
  | "required"
  | "invalid_zipcode"
  | "too_long"
  | "too_many"
  | "invalid_url"
  | "invalid_characters"
  | "invalid_email"
  | "invalid_type"
  | "invalid_value";

/** One problem `validateOrder` found (the checks `createOrder` runs before sending). */
export interface ValidationIssue {
  /** JSON path of the offending field, e.g. "syndic.password" or "owners[0].lastname". */
  path: string;
  /** What is wrong. */
  code: ValidationCode;
  /** English sentence (never contains the field's value). */
  message: string;
}

// ───────────────────────────── Common options ─────────────────────────────

/** The `fetch` function a client uses (a custom one for service bindings, proxies, tests). */
export type FetchFunction = (input: Request | string | URL, init?: RequestInit) => Promise<Response>;

/** Options shared by both clients. */
export interface CommonOptions {
  /** Scheme + host (+ optional path prefix); a trailing "/" is tolerated. */
  baseUrl: string;
  /** Per attempt, until the response head; default 30_000; 0 = none. */
  timeoutMs?: number;
  /**
   * Longest silence while reading any body (downloads and zips included) before the call or
   * the stream fails with code `"timeout"`; default 30_000; 0 = none.
   */
  idleTimeoutMs?: number;
  /**
   * Extra attempts for idempotent requests; default 2. Retried on network errors, timeouts and
   * HTTP 408/429/500/502/503/504, with exponential backoff and jitter, honouring `Retry-After`.
   */
  retries?: number;
  /** Custom fetch (Worker service bindings, proxies, tests). Defaults to the global `fetch`. */
  fetch?: FetchFunction;
}

/** Accepted by every method as its last options argument. */
export interface CallOptions {
  /** Aborts the call; it then rejects with code `"aborted"`. */
  signal?: AbortSignal;
}

/** Progress of a download: bytes received so far, and the total when known. */
export interface Progress {
  /** Bytes of the body received so far. */
  loaded: number;
  /** Expected body size in bytes, when the server announced it. */
  total?: number;
}

// ───────────────────────────── Échange ─────────────────────────────

/** A one-time password, or a function producing one each time a token is requested. */
export type OtpSource = string | (() => string | Promise<string>);

/** Options of `new EchangeClient(…)`. */
export interface EchangeClientOptions extends CommonOptions {
  /** Échange account name. */
  username: string;
  /** Échange account password (never shown in errors). */
  password: string;
  /**
   * 2FA code for accounts that have one: a string (codes are single-use, so good for one token)
   * or a function called for every new token.
   */
  otp?: OtpSource;
}

/** The Échange access token, as the server sent it. */
export interface EchangeToken {
  /** The bearer token. */
  access_token: string;
  /** RFC 3339 expiry time. */
  expires_at: string;
}

/** Kind of a directory entry, from its mode bits. */
export type DirEntryType = "dir" | "file" | "symlink" | "other";

/** One item of a directory listing (wire field names, plus `type` and `path`). */
export interface DirEntry {
  /** Base name of the entry. */
  name: string;
  /** Bytes; present only for regular files. */
  size?: number;
  /** Go `io/fs.FileMode` bits as an unsigned 32-bit integer. */
  mode: number;
  /** Modification time: RFC 3339, UTC, as on the wire. */
  last_modified: string;
  /** Kind of entry, derived from `mode`. */
  type: DirEntryType;
  /** Full path of the entry. */
  path: string;
}

/** Options of `EchangeClient.walk`. */
export interface WalkOptions extends CallOptions {
  /** Listings in flight at once (1–64); default 8. */
  concurrency?: number;
  /**
   * Depth of the deepest entries returned, as with `find -maxdepth`: 1 = the folder's own entries
   * (like `listDir`), 2 = also the entries of its sub-folders, …; 0 returns nothing. Default: no
   * limit. Symlinks are listed, never followed.
   */
  maxDepth?: number;
  /**
   * Budget against a tree that never ends: most entries the walk may collect; default 100,000.
   * One more rejects with code `"limit_exceeded"` (a requested `maxDepth` cuts silently instead).
   */
  maxEntries?: number;
  /**
   * Budget: deepest folder level the walk may list; default 64. A deeper sub-folder (not cut
   * off by `maxDepth`) rejects with code `"limit_exceeded"`.
   */
  maxFolderDepth?: number;
}

/** Options of `EchangeClient.downloadZip`. */
export interface DownloadZipOptions extends CallOptions {
  /** Called as the zip's bytes arrive. */
  onProgress?: (progress: Progress) => void;
}

/** Options of `EchangeClient.downloadFile`. */
export interface DownloadFileOptions extends CallOptions {
  /**
   * Start reading at this byte offset: sends `Range: bytes=N-`, and rejects unless the server
   * answers 206 from exactly that byte.
   */
  offset?: number;
  /** Called as the file's bytes arrive. */
  onProgress?: (progress: Progress) => void;
}

/**
 * Data accepted by `uploadFile`. In browsers a `ReadableStream` is first gathered into a `Blob`
 * (browsers stream request bodies only over HTTP/2); elsewhere it is streamed and never replayed.
 */
export type UploadData = Blob | ArrayBuffer | Uint8Array | ReadableStream<Uint8Array>;

/** Options of `EchangeClient.uploadFile`. */
export interface UploadFileOptions extends CallOptions {
  /** Create missing parent folders first. */
  mkdirParents?: boolean;
  /** Modification time to set on the uploaded file. */
  mtime?: Date;
}

/** Options of `EchangeClient.mkdir`. */
export interface MkdirOptions extends CallOptions {
  /** Create missing parent folders too. An existing folder still fails (the server answers 500). */
  parents?: boolean;
}

/**
 * Client for GÉRÉDIS « Échange » (SFTPGo user REST API). Paths are `/`-separated and sent
 * URL-encoded (`"Relevés/Déc 2025"` works). Bearer calls that answer 401 get one fresh token and
 * one replay when the body can be sent again.
 *
 * @example
 * ```ts
 * const echange = new EchangeClient({ baseUrl: "https://echange.example", username, password });
 * for (const e of await echange.listDir("/Relevés")) console.log(e.type, e.path, e.size);
 * const body = await echange.downloadFile("/Relevés/janvier.csv");
 * ```
 */
export declare class EchangeClient {
  /**
   * Checks the options (nothing is sent; bad ones throw code `"invalid_input"`).
   * @param options Server, credentials and transport settings.
   */
  constructor(options: EchangeClientOptions);
  /**
   * The current token. Cached and renewed 60 s before `expires_at` (or after 3/4 of a lifetime
   * under 4 minutes); concurrent callers share one request.
   */
  token(opts?: CallOptions): Promise<EchangeToken>;
  /**
   * Lists one folder.
   * @param path Folder to list; omitted or `""` = the account's home folder.
   */
  listDir(path?: string, opts?: CallOptions): Promise<DirEntry[]>;
  /**
   * Every descendant of a folder, listed breadth-first and sorted by path.
   * @param path Folder to walk; omitted = the home folder.
   */
  walk(path?: string, opts?: WalkOptions): Promise<DirEntry[]>;
  /**
   * Files and folders as one zip (`POST /streamzip`), resolved once the headers arrive; read it
   * with `unzip`. A body cut short errors the stream with code `"truncated"`.
   * @param paths Files and folders to include.
   */
  downloadZip(paths: string[], opts?: DownloadZipOptions): Promise<ReadableStream<Uint8Array>>;
  /**
   * One file's content, resolved once the headers arrive. A body cut short errors the stream
   * with code `"truncated"`; resume with `offset`.
   * @param path File to read.
   */
  downloadFile(path: string, opts?: DownloadFileOptions): Promise<ReadableStream<Uint8Array>>;
  /**
   * Uploads a file, overwriting an existing one (with permission). Retried or replayed after a 401 only when the
   * data can be sent again (not a stream outside browsers).
   * @param path Destination file path.
   * @param data The content.
   */
  uploadFile(path: string, data: UploadData, opts?: UploadFileOptions): Promise<void>;
  /**
   * Creates a folder (never retried automatically).
   * @param path Folder to create.
   */
  mkdir(path: string, opts?: MkdirOptions): Promise<void>;
  /**
   * Deletes a file (or a symlink itself).
   * @param path File to delete.
   */
  deleteFile(path: string, opts?: CallOptions): Promise<void>;
  /**
   * Deletes a folder and everything in it; `/` is refused.
   * @param path Folder to delete.
   */
  deleteDir(path: string, opts?: CallOptions): Promise<void>;
  /**
   * Moves or renames a file or folder (never retried automatically). An existing file target is
   * overwritten; an existing folder target is refused by the server.
   * @param from Current path.
   * @param to New path (trailing `/` has no meaning).
   */
  move(from: string, to: string, opts?: CallOptions): Promise<void>;
  /**
   * Copies a file or folder on the server (never retried automatically). As in SFTPGo: a
   * trailing `/` on `from` copies a folder's contents, a trailing `/` on `to` copies into it.
   * @param from Source path.
   * @param to Target path.
   */
  copy(from: string, to: string, opts?: CallOptions): Promise<void>;
  /** Invalidates the cached token on the server and forgets it; does nothing without one. */
  logout(opts?: CallOptions): Promise<void>;
  /** Releases the WebAssembly memory held by this client. */
  free(): void;
}

// ───────────────────────────── Streaming unzip ─────────────────────────────

/** Options of `unzip`; exceeding a limit rejects with code `"limit_exceeded"`. */
export interface UnzipOptions extends CallOptions {
  /**
   * Largest uncompressed size of one entry, in bytes; default: no limit for `stream()`, and
   * 256 MiB for `bytes()`/`text()` (counted while reading).
   */
  maxEntryBytes?: number;
  /** Largest uncompressed size of all entries together, in bytes; default: no limit. */
  maxTotalBytes?: number;
  /** Largest entry name, in bytes (0–65535); default 4096. Checked before the name is read. */
  maxNameBytes?: number;
  /** Largest extra field of an entry, in bytes (0–65535); default 16384. */
  maxExtraBytes?: number;
  /** Largest entry or archive comment, in bytes (0–65535); default 16384. */
  maxCommentBytes?: number;
  /** Largest number of entries; default: no limit. */
  maxEntries?: number;
}

/**
 * One entry of a zip archive read forward-only (yielded by `unzip`, never constructed). Read its
 * data before moving the iterator on: unread data is then skipped and its `bytes`/`text`/`stream`
 * reject. Its content can be read once: a second read, or a read after `free()`, rejects with
 * code `"invalid_input"`. An entry holds no WebAssembly memory: the run's memory is released
 * when the loop ends, fails or is broken out of.
 */
export declare class ZipEntry {
  /** Not constructible: entries come from iterating `unzip(…)`. */
  private constructor();
  /** Path inside the archive (`/`-separated; folders end with `/`). */
  readonly name: string;
  /** Whether the entry is a folder. */
  readonly is_dir: boolean;
  /** ISO 8601, UTC (from the extended timestamp field when present). */
  readonly last_modified: string;
  /**
   * The whole content (bounded by `maxEntryBytes`, default 256 MiB). For a small entry this may
   * be a view into a buffer shared with the entries read with it (`byteOffset` not 0): use the
   * view's bytes, or `slice()` it, rather than its `.buffer`.
   */
  bytes(): Promise<Uint8Array>;
  /** The content decoded as UTF-8 (invalid sequences become U+FFFD). */
  text(): Promise<string>;
  /** The content as a stream, produced as it is read from the archive. */
  stream(): ReadableStream<Uint8Array>;
  /** Marks the entry released: later reads reject with `"invalid_input"`. */
  free(): void;
}

/**
 * Reads a zip archive as it arrives (Go's streaming layout), in bounded memory. Iteration rejects
 * with `"truncated"` when the archive is cut short, `"invalid_response"` when it is corrupt,
 * `"unsafe_path"` for absolute, `..`, backslash or drive-letter names, `"limit_exceeded"` on limits.
 * @param stream The archive bytes, e.g. from `EchangeClient.downloadZip`.
 * @param opts Size limits and abort signal.
 *
 * @example
 * ```ts
 * for await (const entry of unzip(await echange.downloadZip(["/Relevés"]))) {
 *   if (!entry.is_dir) console.log(entry.name, (await entry.bytes()).length);
 * }
 * ```
 */
export declare function unzip(
  stream: ReadableStream<Uint8Array>,
  opts?: UnzipOptions,
): AsyncIterable<ZipEntry>;

// ───────────────────────────── PRE-ETAT.DATE ─────────────────────────────

/** Order state (order `state` and webhook `status` share it). */
export type OrderState = "confirmed" | "received" | "waiting" | "done" | "need-refresh";

/** How the service collects the documents. */
export type OrderMethod = "email" | "extranet" | "upload";

/**
 * Options of `new PreEtatDateClient(…)`: give `email` + `password` (both or neither) and/or
 * `token`.
 */
export interface PreEtatDateClientOptions extends CommonOptions {
  /** The account's API key (sent as `X-Auth-Key` on every request). */
  apiKey: string;
  /** Account e-mail (with `password`), to log in and renew tokens. */
  email?: string;
  /** Account password (with `email`). */
  password?: string;
  /** A ready access token, used as is (alone) or first (with `email`/`password`). */
  token?: string;
}

/** A property owner. */
export interface Owner {
  /** First name. */
  firstname: string;
  /** Last name. */
  lastname: string;
}

/** The billing party. */
export interface Invoice {
  /** Street address. */
  address: string;
  /** City. */
  city: string;
  /** French postal code, as text. */
  zipcode: string;
  /** Person or firm name, e.g. `"PLAISIR NOTAIRES"`. */
  lastname: string;
}

/** Managing agent's extranet credentials (never echoed in errors or logs). */
export interface Syndic {
  /** Managing agent's (syndic's) name. */
  name: string;
  /** Extranet login. */
  username: string;
  /** Extranet password. */
  password: string;
  /** Extranet address, e.g. `"https://extranet.example.com"`. */
  url?: string;
}

/** Body of `POST /order/` (wire field names). */
export interface OrderRequest {
  /** Street address of the lot. */
  address: string;
  /** Address complement. */
  additional?: string;
  /** City. */
  city: string;
  /** French postal code, as text. */
  zipcode: string;
  /** The owners (sellers). */
  owners: Owner[];
  /** Who is billed. */
  invoice: Invoice;
  /** How the service collects the documents. */
  method: OrderMethod;
  /** Required when `method` is `"extranet"`. */
  syndic?: Syndic;
  /** Required (non-empty) when `method` is `"upload"`. */
  documents?: unknown[];
  /** Lot number(s), free text. */
  lots?: string;
  /** Free-text comment. */
  comment?: string;
  /** `true` when the owner is up to date with the condominium charges. */
  all_due_paid?: boolean;
  /** Your own reference, echoed in the order and in every webhook. */
  external_id?: string;
  /** Marks a test order. */
  test_mode?: boolean;
}

/** Body of `POST /order/{orderid}/refresh`. */
export interface RefreshRequest {
  /** Collection method; only `"extranet"`. */
  method: "extranet";
  /** Free-text comment. */
  comment?: string;
  /** `true` when the owner is up to date with the condominium charges. */
  all_due_paid?: boolean;
  /** Managing agent's extranet credentials. */
  syndic?: Syndic;
}

/** Body of the deprecated `POST /order/needrefresh`. */
export interface LegacyRefreshRequest {
  /** The order to refresh. */
  orderid: string;
  /** The account e-mail. */
  account: string;
  /** Collection method; only `"extranet"`. */
  method?: "extranet";
  /** Free-text comment. */
  comment?: string;
  /** `true` when the owner is up to date with the condominium charges. */
  all_due_paid?: boolean;
  /** Managing agent's extranet credentials. */
  syndic?: Syndic;
}

/** The order object returned by create and refresh calls (unknown fields kept). */
export interface Transaction {
  /** The order id. */
  orderid: string;
  /** Known states, or any string a newer server sends. */
  state: OrderState | (string & {});
  /** E-mail of the account that placed the order. */
  account?: string;
  /** HTTP-date, GMT, e.g. "Tue, 25 Mar 2025 17:32:39 GMT". */
  created?: string;
  /** Last change, HTTP-date, GMT. */
  updated?: string;
  /** Echo of the request's `external_id`. */
  external_id?: string | null;
  /** Undocumented; `true` on creation. */
  pending?: boolean;
  /** Undocumented; `false` on creation. */
  refreshed?: boolean;
  /** Echo of the request's `test_mode`. */
  test_mode?: boolean;
  /** Undocumented (`null` in examples). */
  billing_mode?: unknown;
  /** Undocumented (`null` in examples). */
  sso_provider?: unknown;
  /** `created` as ISO 8601 (UTC), when it parses. */
  created_iso?: string;
  /** `updated` as ISO 8601 (UTC), when it parses. */
  updated_iso?: string;
  /** Any other field the server sent, kept as is. */
  [field: string]: unknown;
}

/** A supporting document listed in a `done` webhook. */
export interface WebhookDocument {
  /** Absent when the notification omits it or sends another type. */
  id?: number;
  /** 1–10, see `documentTypeLabel`. */
  doctype?: number;
  /** YYYY-MM-DD. */
  delivered?: string;
  /** Free-text comment. */
  comment?: string;
  /** MIME type, e.g. `"application/pdf"`. */
  mimetype?: string;
  /** Download link. */
  url?: string;
  /** Any other field, kept as is. */
  [field: string]: unknown;
}

/** A webhook notification, parsed. */
export interface WebhookEvent {
  /** The order's new state. */
  status: OrderState | (string & {});
  /** The order id. */
  orderid: string;
  /** Your reference from `createOrder`, `null` when none was given. */
  external_id?: string | null;
  /** Registration number, when the contract provides it. */
  registration_id?: string;
  /** Supporting documents (`done` only, when the contract provides them). */
  documents?: WebhookDocument[];
  /** The pré-état daté PDF, decoded from `content`, when present. */
  pdf?: Uint8Array;
  /** Any other top-level field, kept as is (`content` itself is not kept). */
  [field: string]: unknown;
}

/**
 * Client for the PRE-ETAT.DATE API. With `email`/`password` it logs in on first use, again when
 * the token is about to expire, and once after a 401 (then replays the call once); with only
 * `token`, it uses that token as is.
 *
 * @example
 * ```ts
 * const ped = new PreEtatDateClient({ baseUrl: "https://api.maison-du-pre-etat-date.fr", apiKey, email, password });
 * const order = await ped.createOrder({ address, city, zipcode: "69300", owners, invoice, method: "extranet", syndic });
 * console.log(order.orderid, order.state);
 * ```
 */
export declare class PreEtatDateClient {
  /**
   * Checks the options (nothing is sent; bad ones throw code `"invalid_input"`).
   * @param options Server, API key, credentials and transport settings.
   */
  constructor(options: PreEtatDateClientOptions);
  /** `POST /account/auth`: logs in now and caches the token (`"invalid_input"` without e-mail and password). */
  authenticate(opts?: CallOptions): Promise<{ access_token: string }>;
  /** `GET /health`: resolves with the response's payload when the service answers 2xx. */
  health(opts?: CallOptions): Promise<unknown>;
  /**
   * `POST /order/`. Runs `validateOrder` first and rejects with `"invalid_input"` before any
   * request; never retried automatically (only replayed once after a 401).
   * @param order The order, with wire field names.
   */
  createOrder(order: OrderRequest, opts?: CallOptions): Promise<Transaction>;
  /**
   * `POST /order/{orderid}/refresh`: asks for an update of an order (never retried automatically).
   * @param orderid The order to refresh.
   * @param req Refresh details.
   */
  requestRefresh(orderid: string, req: RefreshRequest, opts?: CallOptions): Promise<Transaction>;
  /** @deprecated The server marks `POST /order/needrefresh` as deprecated; use `requestRefresh`. */
  requestRefreshLegacy(req: LegacyRefreshRequest, opts?: CallOptions): Promise<Transaction>;
  /**
   * `POST /order/test/webhook-events`: makes the service send a webhook for a test order.
   * @param orderid The (test) order.
   * @param event The state the webhook reports.
   */
  sendTestWebhook(orderid: string, event: OrderState, opts?: CallOptions): Promise<unknown>;
  /** Same as the `validateOrder` function. */
  validateOrder(order: OrderRequest): ValidationIssue[];
  /** Same as the `parseWebhook` function. */
  parseWebhook(body: WebhookBody): WebhookEvent;
  /** Same as the `documentTypeLabel` function. */
  documentTypeLabel(code: number, lang?: "fr" | "en"): string;
  /** Releases the WebAssembly memory held by this client. */
  free(): void;
}

/**
 * The checks `createOrder` runs before sending; an empty array means valid.
 * @param order The order to check.
 */
export declare function validateOrder(order: OrderRequest): ValidationIssue[];

/** A webhook request body: the raw text, its bytes, or the already-parsed JSON object. */
export type WebhookBody = string | Uint8Array | object;

/**
 * Parses and checks a webhook body; throws `PasserelleError` (code `"invalid_input"`) on bad input.
 * The base64 `content` is decoded to `pdf`.
 * @param body The request body as text, bytes or parsed JSON.
 *
 * @example
 * ```ts
 * const event = parseWebhook(await request.text());
 * if (event.status === "done" && event.pdf) await save(`${event.orderid}.pdf`, event.pdf);
 * ```
 */
export declare function parseWebhook(body: WebhookBody): WebhookEvent;

/**
 * Label of a document type code (1–10); other codes give e.g. "Type de document 42".
 * @param code The `doctype` of a `WebhookDocument`.
 * @param lang `"fr"` (default) or `"en"`.
 */
export declare function documentTypeLabel(code: number, lang?: "fr" | "en"): string;

// ───────────────────────────── Diagnostics ─────────────────────────────

/** Current size of the WebAssembly linear memory, in bytes (a diagnostic for memory tests). */
export declare function wasmMemoryBytes(): number;

// ───────────────────────────── Mirror ─────────────────────────────

// `EchangeClient.mirror`, the `mirror` function, the `MirrorDestination` interface for custom
// stores, and the planner the runner is built on (npm/mirror.js, npm/mirror-node.js).

// Running a mirror.

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

/**
 * What `r2Destination` uses of a Cloudflare R2 bucket binding (`env.MY_BUCKET`; declared
 * structurally so the types compile without `@cloudflare/workers-types`, whose `R2Bucket`
 * satisfies it).
 */
export interface MirrorR2Bucket {
  /** An object's size and custom metadata, or `null`. */
  head(key: string): Promise<{ size: number; customMetadata?: Record<string, string> } | null>;
  /** An object with its body, or `null`. */
  get(key: string): Promise<{ text(): Promise<string> } | null>;
  /** Stores an object (atomically: visible only once complete). */
  put(
    key: string,
    value: ReadableStream<Uint8Array> | string,
    options?: { customMetadata?: Record<string, string>; httpMetadata?: { contentType?: string } },
  ): Promise<unknown>;
  /** Removes an object (a missing one is not an error). */
  delete(key: string): Promise<void>;
  /** Lists objects (only checked for: it tells a bucket from other destinations). */
  list(options?: { prefix?: string; cursor?: string; limit?: number }): Promise<unknown>;
}

/**
 * Where a coordinator keeps a destination's manifest instead of the destination itself, e.g.
 * a Durable Object's storage (transactional, beside the lock of the runs).
 */
export interface MirrorManifestStore {
  /** The document last given to `write`, or `null` if there is none. */
  read(): Promise<string | null>;
  /** Stores the document, replacing the previous one. */
  write(text: string): Promise<void>;
}

/** Options of `r2Destination`. */
export interface R2DestinationOptions {
  /**
   * Key prefix of the mirrored objects (default `""`): remote `/a/b.csv` becomes the object
   * `<prefix>a/b.csv`. Usually ends with `/`; must not start with `/`; at most 512 bytes.
   */
  prefix?: string;
  /**
   * Keeps the manifest here instead of in the bucket (default: the object
   * `<prefix>.passerelle-mirror.json`, a name the mirror then never writes a file to).
   */
  manifest?: MirrorManifestStore;
  /**
   * Takes the lock of a run (see `MirrorDestination.lock`). R2 has none of its own: without
   * this option, serialise the runs that write under one prefix yourself (a Durable Object
   * per prefix does it; see examples/worker).
   */
  lock?: () => Promise<() => Promise<void>>;
  /**
   * Give the destination a `stat` (one R2 `head` per listed file and run, default `true`):
   * objects the manifest lists but the bucket lost are fetched again, and objects a run
   * completed without recording them are recognised by their size and remote time. With
   * `false` the manifest alone says what the bucket holds (fewer R2 operations per run).
   */
  checkObjects?: boolean;
}

/**
 * A `MirrorDestination` writing into an R2 bucket (Cloudflare Workers). Each file is streamed
 * into one `put` of its listed size (through a `FixedLengthStream`; nothing is buffered), with
 * custom metadata `source` (the remote path), `last_modified` (the remote time, ISO 8601) and
 * `size`. R2 makes an object visible only once complete: a failed or aborted download leaves
 * no object (or the previous version) under the key. Files larger than one `put` takes
 * (4.995 GiB) fail with `too_large`. `mirror(client, folders, env.BUCKET)` uses this with no
 * prefix and the manifest in the bucket.
 * @example
 * const summary = await client.mirror("/Relevés", r2Destination(env.FILES, { prefix: "echange/" }));
 */
export declare function r2Destination(bucket: MirrorR2Bucket, options?: R2DestinationOptions): MirrorDestination;

/**
 * Where `mirror` can write: a `MirrorDestination`, a browser folder handle, an R2 bucket
 * binding (as `r2Destination(bucket)`), or a directory path in Node.
 */
export type MirrorTarget = MirrorDestination | MirrorDirectoryHandle | MirrorR2Bucket | string;

/**
 * Mirrors the remote folders into `destination`: downloads new files and files whose size or
 * modification time changed, keeps the others, and (with `delete`) removes files gone remotely.
 * `destination` may be a browser `FileSystemDirectoryHandle`, an R2 bucket binding (see
 * `r2Destination`) or, in Node, a directory path. Remote `/a/b.txt` becomes `a/b.txt` in the
 * destination. Rejects (code `aborted`) when `signal` aborts, after saving what completed: the
 * next run resumes. Rejects when a remote folder cannot be listed or the manifest cannot be
 * read or written, or (code `conflict`) when another run holds the destination's lock (a Node
 * folder is locked by its `.passerelle-mirror.lock` file, a browser folder with the Web Locks
 * API; an R2 bucket only through `r2Destination`'s `lock` option); per-file failures are
 * reported in the summary instead. In browsers, give the
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

/** `EchangeClient.mirror` (merged into `class EchangeClient`; the mirror runner attaches it). */
export interface EchangeClient {
  /**
   * Mirrors remote folders into a destination: same as the `mirror(client, …)` function.
   * @param remotePaths Remote folder(s), e.g. `"/Relevés"`.
   * @param destination A `MirrorDestination`, a browser `FileSystemDirectoryHandle`, an R2
   *   bucket binding, or a directory path in Node.
   */
  mirror(
    remotePaths: string | string[],
    destination: MirrorTarget,
    options?: MirrorOptions,
  ): Promise<MirrorSummary>;
}

// The planner the runner is built on (plain functions of the WebAssembly module).

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
