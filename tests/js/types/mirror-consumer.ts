// Compiled (never run) by types.test.mjs: the mirror's declarations (mirror.d.ts) as a user
// sees them through the main entry — client.mirror, mirror(), a custom destination, the planner.
import {
  EchangeClient, MirrorManifest, mirror, mirrorError, planMirror, type MirrorDestination,
  type MirrorPlan, type MirrorProgress, type MirrorSummary, type PasserelleError,
} from "passerelle";

/** A destination that keeps everything in memory. */
export function memoryDestination(): MirrorDestination & { files: Map<string, Uint8Array> } {
  const files = new Map<string, Uint8Array>();
  let manifest: string | null = null;
  return {
    files,
    caseInsensitive: true,
    reservedNames: ["manifest.json"],
    async readManifest() { return manifest; },
    async writeManifest(text: string) { manifest = text; },
    async write(path: string, data: ReadableStream<Uint8Array>, info: { size: number; mtime: Date }) {
      const parts: Uint8Array[] = [];
      const reader = data.getReader();
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        parts.push(value);
      }
      if (parts.reduce((n, p) => n + p.length, 0) !== info.size) throw mirrorError("truncated", "short");
      files.set(path, parts[0] ?? new Uint8Array());
    },
    async remove(path: string) { files.delete(path); },
    async stat(path: string) {
      const f = files.get(path);
      return f ? { size: f.length, mtime: Date.now() } : null;
    },
  };
}

export async function run(baseUrl: string): Promise<number> {
  const client = new EchangeClient({ baseUrl, username: "u", password: "p" });
  const seen: MirrorProgress[] = [];
  const a: MirrorSummary = await client.mirror(["/Relevés"], memoryDestination(), {
    concurrency: 2, delete: true, onProgress: (p) => seen.push(p), signal: new AbortController().signal,
    onPlan: (plan: MirrorPlan) => void plan.fetch.map((f) => f.reason),
    onFile: (ev) => void (ev.action === "failed" ? ev.error?.message : ev.bytes),
  });
  const b: MirrorSummary = await mirror(client, "/Archives", "/tmp/copy", { dryRun: true });
  const errors: Array<PasserelleError | Error> = a.failed.map((f) => f.error);
  const manifest = MirrorManifest.parse(new MirrorManifest().stringify());
  manifest.record({ path: "/a", size: 1, mtime: "2025-12-15T08:30:00Z" });
  const plan: MirrorPlan = planMirror(await client.walk("/Relevés"), manifest, { roots: ["/Relevés"], delete: true });
  const n: number = manifest.count() + plan.fetch.length + plan.bytesToFetch;
  manifest.free();
  return a.fetched.length + b.unchanged + errors.length + n + seen.length;
}
