// Compiled (never run) by types.test.mjs: the mirror's R2 destination as a Worker sees it —
// r2Destination over a bucket binding (declared here structurally, as @cloudflare/workers-types
// would give it), a coordinator's manifest store, and a bare bucket given to mirror().
import {
  EchangeClient, mirror, r2Destination, type MirrorDestination, type MirrorManifestStore,
  type MirrorR2Bucket, type MirrorSummary, type R2DestinationOptions,
} from "passerelle";

/** The part of workers-types' R2Bucket the example uses (richer than MirrorR2Bucket). */
interface WorkersR2Bucket {
  head(key: string): Promise<{ key: string; size: number; etag: string; customMetadata?: Record<string, string> } | null>;
  get(key: string): Promise<{ key: string; size: number; text(): Promise<string>; body: ReadableStream } | null>;
  put(
    key: string,
    value: ReadableStream | ArrayBuffer | ArrayBufferView | string | null | Blob,
    options?: { customMetadata?: Record<string, string>; httpMetadata?: { contentType?: string; cacheControl?: string } },
  ): Promise<{ key: string; size: number } | null>;
  delete(keys: string | string[]): Promise<void>;
  list(options?: { prefix?: string; cursor?: string; limit?: number; include?: ("httpMetadata" | "customMetadata")[] }): Promise<{ objects: { key: string }[]; truncated: boolean }>;
}

/** A manifest kept by a coordinator (here: in memory). */
let saved: string | null = null;
const store: MirrorManifestStore = {
  async read() { return saved; },
  async write(text: string) { saved = text; },
};

export async function syncInto(bucket: WorkersR2Bucket, client: EchangeClient): Promise<number> {
  const asBinding: MirrorR2Bucket = bucket;
  const options: R2DestinationOptions = {
    prefix: "echange/",
    manifest: store,
    checkObjects: false,
    lock: async () => async () => {},
  };
  const destination: MirrorDestination = r2Destination(asBinding, options);
  const first: MirrorSummary = await client.mirror("/Relevés", destination, { concurrency: 4 });
  const second: MirrorSummary = await mirror(client, ["/Relevés"], bucket);
  return first.fetched.length + second.unchanged;
}
