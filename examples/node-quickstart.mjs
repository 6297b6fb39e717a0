// List a folder, download it as a zip, and read the zip's entries as they stream in.
// Run against the fake:  PASSERELLE_FAKE_URL=http://127.0.0.1:PORT node examples/node-quickstart.mjs
// (tests/js/examples.test.mjs runs this file in scripts/test.)
import { EchangeClient, PasserelleError, unzip } from "passerelle";

const echange = new EchangeClient({
  baseUrl: process.env.PASSERELLE_FAKE_URL ?? "https://echange.example.fr",
  username: "fournisseur",
  password: "motdepasse-Été:2025",
});

try {
  const folder = "Relevés/Déc 2025";
  for (const entry of await echange.listDir(folder)) {
    console.log(entry.type.padEnd(4), entry.path, entry.size ?? "");
  }

  const zip = await echange.downloadZip([folder], {
    onProgress: ({ loaded }) => process.stderr.write(`\r${loaded} bytes`),
  });
  for await (const entry of unzip(zip)) {
    if (entry.is_dir) continue;
    const text = await entry.text();
    console.log(`${entry.name} (${entry.last_modified}): ${text.split("\n")[0]}`);
  }
} catch (err) {
  if (err instanceof PasserelleError) {
    console.error(`\n${err.code} ${err.status ?? ""} ${err.message}`);
    process.exitCode = 1;
  } else {
    throw err;
  }
}
