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
  /** The fields above as a plain object (what `JSON.stringify(err)` prints). */
  toJSON(): {
    name: "PasserelleError";
    code: ErrorCode;
    message: string;
    status: number | undefined;
    serverMessage: string | undefined;
    serverError: string | undefined;
    retryAfter: number | undefined;
  };
}

// ───────────────────────────── Common options ─────────────────────────────

/** The `fetch` function a client uses (a custom one for service bindings, proxies, tests). */
export type FetchFunction = (input: Request | string | URL, init?: RequestInit) => Promise<Response>;

/** Options shared by both clients. */
export interface CommonOptions {
  /** Scheme + host (+ optional path prefix); a trailing "/" is tolerated. */
  baseUrl: string;
  /** Per attempt; default 30_000; 0 = none. */
  timeoutMs?: number;
  /** Extra attempts for idempotent requests; default 2. */
  retries?: number;
  /** Custom fetch (Worker service bindings, proxies, tests). Defaults to the global `fetch`. */
  fetch?: FetchFunction;
}

/** Accepted by every method as its last options argument. */
export interface CallOptions {
  signal?: AbortSignal;
}

/** Progress of a download: bytes received so far, and the total when known. */
export interface Progress {
  loaded: number;
  total?: number;
}

// ───────────────────────────── Échange ─────────────────────────────

/** A one-time password, or a function producing one each time a token is requested. */
export type OtpSource = string | (() => string | Promise<string>);

/** Options of `new EchangeClient(…)`. */
export interface EchangeClientOptions extends CommonOptions {
  username: string;
  password: string;
  otp?: OtpSource;
}

/** The Échange access token, as the server sent it. */
export interface EchangeToken {
  access_token: string;
  /** RFC 3339 expiry time. */
  expires_at: string;
}

/** Kind of a directory entry, from its mode bits. */
export type DirEntryType = "dir" | "file" | "symlink" | "other";

/** One item of a directory listing (wire field names, plus `type` and `path`). */
export interface DirEntry {
  name: string;
  /** Bytes; present only for regular files. */
  size?: number;
  /** Go `io/fs.FileMode` bits as an unsigned 32-bit integer. */
  mode: number;
  /** RFC 3339, UTC, as on the wire. */
  last_modified: string;
  type: DirEntryType;
  /** Full path of the entry. */
  path: string;
}

export interface WalkOptions extends CallOptions {
  /** Listings in flight at once (1–64); default 8. */
  concurrency?: number;
  /**
   * Depth of the deepest entries returned, as with `find -maxdepth`: 1 = the folder's own entries
   * (like `listDir`), 2 = also the entries of its sub-folders, …; 0 returns nothing. Default: no
   * limit. Symlinks are listed, never followed.
   */
  maxDepth?: number;
}

export interface DownloadZipOptions extends CallOptions {
  onProgress?: (progress: Progress) => void;
}

export interface DownloadFileOptions extends CallOptions {
  /** Start reading at this byte offset (a Range request). */
  offset?: number;
  onProgress?: (progress: Progress) => void;
}

/** Data accepted by `uploadFile`. */
export type UploadData = Blob | ArrayBuffer | Uint8Array | ReadableStream<Uint8Array>;

export interface UploadFileOptions extends CallOptions {
  /** Create missing parent folders first. */
  mkdirParents?: boolean;
  /** Modification time to set on the uploaded file. */
  mtime?: Date;
}

export interface MkdirOptions extends CallOptions {
  /** Create missing parents too (and do not fail when the folder exists). */
  parents?: boolean;
}

/** Client for GÉRÉDIS « Échange » (SFTPGo user REST API). */
export declare class EchangeClient {
  constructor(options: EchangeClientOptions);
  /** Cached while valid (renewed ahead of expiry); concurrent callers share one request. */
  token(opts?: CallOptions): Promise<EchangeToken>;
  listDir(path?: string, opts?: CallOptions): Promise<DirEntry[]>;
  walk(path?: string, opts?: WalkOptions): Promise<DirEntry[]>;
  downloadZip(paths: string[], opts?: DownloadZipOptions): Promise<ReadableStream<Uint8Array>>;
  downloadFile(path: string, opts?: DownloadFileOptions): Promise<ReadableStream<Uint8Array>>;
  uploadFile(path: string, data: UploadData, opts?: UploadFileOptions): Promise<void>;
  mkdir(path: string, opts?: MkdirOptions): Promise<void>;
  deleteFile(path: string, opts?: CallOptions): Promise<void>;
  deleteDir(path: string, opts?: CallOptions): Promise<void>;
  move(from: string, to: string, opts?: CallOptions): Promise<void>;
  copy(from: string, to: string, opts?: CallOptions): Promise<void>;
  logout(opts?: CallOptions): Promise<void>;
  /** Releases the WebAssembly memory held by this client. */
  free(): void;
}

// ───────────────────────────── Streaming unzip ─────────────────────────────

export interface UnzipOptions extends CallOptions {
  maxEntryBytes?: number;
  maxTotalBytes?: number;
}

/** One entry of a zip archive read forward-only (yielded by `unzip`, never constructed). */
export declare class ZipEntry {
  private constructor();
  /** Path inside the archive (`/`-separated; folders end with `/`). */
  readonly name: string;
  readonly is_dir: boolean;
  /** ISO 8601, UTC (from the extended timestamp field when present). */
  readonly last_modified: string;
  bytes(): Promise<Uint8Array>;
  text(): Promise<string>;
  stream(): ReadableStream<Uint8Array>;
  /** Releases the WebAssembly memory held by this entry. */
  free(): void;
}

/** Reads a zip archive as it arrives (Go's streaming layout), in bounded memory. */
export declare function unzip(
  stream: ReadableStream<Uint8Array>,
  opts?: UnzipOptions,
): AsyncIterable<ZipEntry>;

// ───────────────────────────── PRE-ETAT.DATE ─────────────────────────────

/** Order state (order `state` and webhook `status` share it). */
export type OrderState = "confirmed" | "received" | "waiting" | "done" | "need-refresh";

/** How the service collects the documents. */
export type OrderMethod = "email" | "extranet" | "upload";

/** Options of `new PreEtatDateClient(…)`. */
export interface PreEtatDateClientOptions extends CommonOptions {
  apiKey: string;
  email?: string;
  password?: string;
  /** A ready access token, used as is. */
  token?: string;
}

export interface Owner {
  firstname: string;
  lastname: string;
}

export interface Invoice {
  address: string;
  city: string;
  zipcode: string;
  lastname: string;
}

/** Managing agent's extranet credentials (never echoed in errors or logs). */
export interface Syndic {
  name: string;
  username: string;
  password: string;
  url?: string;
}

/** Body of `POST /order/` (wire field names). */
export interface OrderRequest {
  address: string;
  additional?: string;
  city: string;
  /** French postal code, as text. */
  zipcode: string;
  owners: Owner[];
  invoice: Invoice;
  method: OrderMethod;
  /** Required when `method` is `"extranet"`. */
  syndic?: Syndic;
  /** Required (non-empty) when `method` is `"upload"`. */
  documents?: unknown[];
  lots?: string;
  comment?: string;
  all_due_paid?: boolean;
  external_id?: string;
  test_mode?: boolean;
}

/** Body of `POST /order/{orderid}/refresh`. */
export interface RefreshRequest {
  method: "extranet";
  comment?: string;
  all_due_paid?: boolean;
  syndic?: Syndic;
}

/** Body of the deprecated `POST /order/needrefresh`. */
export interface LegacyRefreshRequest {
  orderid: string;
  /** The account e-mail. */
  account: string;
  method?: "extranet";
  comment?: string;
  all_due_paid?: boolean;
  syndic?: Syndic;
}

/** The order object returned by create and refresh calls (unknown fields kept). */
export interface Transaction {
  orderid: string;
  /** Known states, or any string a newer server sends. */
  state: OrderState | (string & {});
  account?: string;
  /** HTTP-date, GMT, e.g. "Tue, 25 Mar 2025 17:32:39 GMT". */
  created?: string;
  updated?: string;
  external_id?: string | null;
  pending?: boolean;
  refreshed?: boolean;
  test_mode?: boolean;
  billing_mode?: unknown;
  sso_provider?: unknown;
  /** `created` as ISO 8601 (UTC), when it parses. */
  created_iso?: string;
  /** `updated` as ISO 8601 (UTC), when it parses. */
  updated_iso?: string;
  [field: string]: unknown;
}

/** Stable code of a validation problem. */
export type ValidationCode =
  | "required"
  | "invalid_zipcode"
  | "too_long"
  | "too_many"
  | "invalid_url"
  | "invalid_characters"
  | "invalid_email";

/** One problem `validateOrder` found (the checks `createOrder` runs before sending). */
export interface ValidationIssue {
  /** JSON path of the offending field, e.g. "syndic.password" or "owners[0].lastname". */
  path: string;
  code: ValidationCode;
  /** English sentence (never contains the field's value). */
  message: string;
}

/** A supporting document listed in a `done` webhook. */
export interface WebhookDocument {
  /** Absent when the notification omits it or sends another type. */
  id?: number;
  /** 1–10, see `documentTypeLabel`. */
  doctype?: number;
  /** YYYY-MM-DD. */
  delivered?: string;
  comment?: string;
  mimetype?: string;
  url?: string;
  [field: string]: unknown;
}

/** A webhook notification, parsed. */
export interface WebhookEvent {
  status: OrderState | (string & {});
  orderid: string;
  external_id?: string | null;
  registration_id?: string;
  documents?: WebhookDocument[];
  /** The pré-état daté PDF, decoded from `content`, when present. */
  pdf?: Uint8Array;
  [field: string]: unknown;
}

/** Client for the PRE-ETAT.DATE API. */
export declare class PreEtatDateClient {
  constructor(options: PreEtatDateClientOptions);
  authenticate(opts?: CallOptions): Promise<{ access_token: string }>;
  health(opts?: CallOptions): Promise<unknown>;
  /** Never retried automatically. */
  createOrder(order: OrderRequest, opts?: CallOptions): Promise<Transaction>;
  requestRefresh(orderid: string, req: RefreshRequest, opts?: CallOptions): Promise<Transaction>;
  /** @deprecated The server marks `POST /order/needrefresh` as deprecated; use `requestRefresh`. */
  requestRefreshLegacy(req: LegacyRefreshRequest, opts?: CallOptions): Promise<Transaction>;
  sendTestWebhook(orderid: string, event: OrderState, opts?: CallOptions): Promise<unknown>;
  validateOrder(order: OrderRequest): ValidationIssue[];
  /** Same as the `parseWebhook` function. */
  parseWebhook(body: WebhookBody): WebhookEvent;
  /** Same as the `documentTypeLabel` function. */
  documentTypeLabel(code: number, lang?: "fr" | "en"): string;
  /** Releases the WebAssembly memory held by this client. */
  free(): void;
}

/** The checks `createOrder` runs before sending; an empty array means valid. */
export declare function validateOrder(order: OrderRequest): ValidationIssue[];

/** A webhook request body: the raw text, its bytes, or the already-parsed JSON object. */
export type WebhookBody = string | Uint8Array | object;

/** Parses a webhook body; throws `PasserelleError` on bad input. */
export declare function parseWebhook(body: WebhookBody): WebhookEvent;

/** Label of a document type code (1–10), in French by default. */
export declare function documentTypeLabel(code: number, lang?: "fr" | "en"): string;

/** Current size of the WebAssembly linear memory, in bytes (a diagnostic for memory tests). */
export declare function wasmMemoryBytes(): number;
