// The scenario every consumer runs (copied into each consumer's src/ by tests/consumers/run.mjs,
// next to the api.js it generates, which re-exports from the entry that consumer imports):
// list a folder, download it as a zip and read every file through unzip, check a not_found
// error, and call two PRE-ETAT.DATE functions. Returns plain data that run.mjs checks against
// what the fake server itself reports.
import { EchangeClient, PasserelleError, unzip, documentTypeLabel, validateOrder } from "./api.js";
import { ORDER } from "./order.js";

export const FOLDER = "Relevés/Déc 2025";

async function sha256(bytes) {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
  return Array.from(digest, (b) => b.toString(16).padStart(2, "0")).join("");
}

export async function scenario(baseUrl) {
  const client = new EchangeClient({ baseUrl, username: "fournisseur", password: "motdepasse-Été:2025" });
  const entries = (await client.listDir(FOLDER)).map((e) => ({ name: e.name, type: e.type, size: e.size }));
  const files = [];
  for await (const entry of unzip(await client.downloadZip([FOLDER]))) {
    if (entry.is_dir) continue;
    const bytes = await entry.bytes();
    files.push({ name: entry.name, size: bytes.length, sha256: await sha256(bytes) });
  }
  let notFound;
  try {
    await client.listDir("Relevés/Nulle part");
    notFound = "resolved";
  } catch (err) {
    notFound = err instanceof PasserelleError ? err.code : `not a PasserelleError: ${err}`;
  }
  return {
    entries,
    files,
    notFound,
    label: documentTypeLabel(1),
    orderIssues: validateOrder(ORDER).map((i) => i.code),
  };
}
