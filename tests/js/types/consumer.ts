// Compiled (never run) by types.test.mjs against the installed package's declarations.
import {
  EchangeClient, PasserelleError, PreEtatDateClient, unzip, parseWebhook, documentTypeLabel,
  validateOrder, type DirEntry, type ErrorCode, type OrderRequest, type Transaction,
  type WebhookEvent, type ZipEntry, type ValidationIssue,
} from "passerelle";

export async function echange(baseUrl: string): Promise<number> {
  const client = new EchangeClient({
    baseUrl, username: "u", password: "p", timeoutMs: 1000, retries: 1,
    otp: async () => "123456", fetch: (input, init) => fetch(input, init),
  });
  const { access_token, expires_at }: { access_token: string; expires_at: string } = await client.token();
  const entries: DirEntry[] = await client.listDir("Relevés/Déc 2025", { signal: new AbortController().signal });
  const kinds: Array<"dir" | "file" | "symlink" | "other"> = entries.map((e) => e.type);
  const all = await client.walk("/", { concurrency: 4, maxDepth: 2 });
  const zip = await client.downloadZip(["/Relevés"], { onProgress: (p) => void p.loaded });
  for await (const entry of unzip(zip, { maxEntryBytes: 1 << 20 })) {
    const e: ZipEntry = entry;
    const bytes: Uint8Array = await e.bytes();
    if (!e.is_dir) void bytes.length;
  }
  const file: ReadableStream<Uint8Array> = await client.downloadFile("/a.csv", { offset: 10 });
  await client.uploadFile("/b.csv", new Uint8Array([1, 2]), { mkdirParents: true, mtime: new Date() });
  await client.mkdir("/x/y", { parents: true });
  await client.move("/b.csv", "/c.csv");
  await client.copy("/c.csv", "/d.csv");
  await client.deleteFile("/d.csv");
  await client.deleteDir("/x");
  await client.logout();
  void file; void access_token; void expires_at; void kinds;
  return all.length;
}

export function errors(err: unknown): string {
  if (err instanceof PasserelleError) {
    const code: ErrorCode = err.code;
    const status: number | undefined = err.status;
    const parts: Array<string | undefined> = [err.serverMessage, err.serverError, err.message, err.name];
    const retry: number | undefined = err.retryAfter;
    // @ts-expect-error: codes are a closed string-literal union
    const wrong: typeof err.code = "not_a_code";
    return `${code} ${status} ${parts.join()} ${retry} ${wrong}`;
  }
  return "";
}

export async function ped(baseUrl: string): Promise<string> {
  const client = new PreEtatDateClient({ baseUrl, apiKey: "k", email: "e", password: "p" });
  const order: OrderRequest = {
    address: "4 BIS RUE DE LA FERME", city: "CALUIRE ET CUIRE", zipcode: "69300",
    owners: [{ firstname: "Jean", lastname: "Dupont" }],
    invoice: { address: "64, avenue Kleber", city: "PARIS", zipcode: "75116", lastname: "PLAISIR NOTAIRES" },
    method: "extranet",
    syndic: { name: "S", username: "u", password: "p" },
    test_mode: true,
  };
  const issues: ValidationIssue[] = validateOrder(order).concat(client.validateOrder(order));
  const tx: Transaction = await client.createOrder(order);
  await client.requestRefresh(tx.orderid, { method: "extranet", all_due_paid: true });
  await client.sendTestWebhook(tx.orderid, "done");
  const ev: WebhookEvent = parseWebhook('{"status":"done","orderid":"X"}');
  const ev2: WebhookEvent = client.parseWebhook(new TextEncoder().encode("{}"));
  const where: string[] = issues.map((i) => `${i.path}: ${i.code} ${i.message}`);
  const label: string = client.documentTypeLabel(3);
  const iso: string | undefined = tx.created_iso;
  void ev2; void where; void label; void iso;
  const pdf: Uint8Array | undefined = ev.pdf;
  await client.authenticate();
  await client.health();
  // @ts-expect-error: unknown webhook event
  await client.sendTestWebhook(tx.orderid, "finished");
  return `${issues.length} ${pdf?.length} ${documentTypeLabel(2, "en")} ${tx.state}`;
}
