// A Worker mirroring Échange folders into its R2 bucket binding with the package's mirror, as a
// user would write it ("passerelle" bundled by wrangler through the `workerd` condition). The
// fake's URL comes from the FAKE_URL binding; the test drives it over HTTP:
//   POST /mirror   { folders, prefix?, bare?, checkObjects?, concurrency?, username?, password? }
//                  → { summary } (failed errors as { path, code, message }) | 500 { error }
//   GET  /objects?prefix=P  → { key: { size, sha256, customMetadata } } (hashed here)
//   GET  /object?key=K      → the object's bytes (404 when absent)
//   POST /delete?key=K      → removes an object
import { EchangeClient, r2Destination } from "passerelle";

const hex = (buf) => [...new Uint8Array(buf)].map((b) => b.toString(16).padStart(2, "0")).join("");
const describe = (e) => ({ name: e?.name, code: e?.code, message: e?.message });

export default {
  async fetch(request, env) {
    const url = new URL(request.url);
    if (url.pathname === "/mirror") {
      const p = await request.json();
      const client = new EchangeClient({
        baseUrl: env.FAKE_URL,
        username: p.username ?? "fournisseur",
        password: p.password ?? "motdepasse-Été:2025",
      });
      try {
        const destination = p.bare
          ? env.FILES
          : r2Destination(env.FILES, { prefix: p.prefix, checkObjects: p.checkObjects });
        let progress = 0;
        const summary = await client.mirror(p.folders, destination, {
          concurrency: p.concurrency ?? 4,
          onProgress: () => (progress += 1),
        });
        return Response.json({
          summary: { ...summary, failed: summary.failed.map((f) => ({ path: f.path, ...describe(f.error) })) },
          progressEvents: progress,
        });
      } catch (e) {
        return Response.json({ error: describe(e) }, { status: 500 });
      } finally {
        client.free();
      }
    }
    if (url.pathname === "/objects") {
      const prefix = url.searchParams.get("prefix") ?? "";
      const out = {};
      let cursor;
      do {
        const page = await env.FILES.list({ prefix, cursor, limit: 1000, include: ["customMetadata"] });
        for (const o of page.objects) {
          const obj = await env.FILES.get(o.key);
          const digest = new crypto.DigestStream("SHA-256");
          await obj.body.pipeTo(digest);
          out[o.key] = { size: obj.size, sha256: hex(await digest.digest), customMetadata: obj.customMetadata };
        }
        cursor = page.truncated ? page.cursor : undefined;
      } while (cursor);
      return Response.json(out);
    }
    if (url.pathname === "/object") {
      const obj = await env.FILES.get(url.searchParams.get("key"));
      return obj === null ? new Response("absent", { status: 404 }) : new Response(obj.body);
    }
    if (url.pathname === "/delete" && request.method === "POST") {
      await env.FILES.delete(url.searchParams.get("key"));
      return Response.json({ ok: true });
    }
    return new Response("not found", { status: 404 });
  },
};
