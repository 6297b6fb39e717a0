// The runnable examples of the README, run as a user would (node, importing the installed
// package), against the fake server.
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { ROOT, fakeUrl, reset, rawListing, expectedEntries } from "./helpers.mjs";

const FOLDER = "Relevés/Déc 2025";

test("examples/node-quickstart.mjs lists the folder and reads its zip", async () => {
  await reset();
  const files = expectedEntries(FOLDER, await rawListing(FOLDER)).filter((e) => e.type === "file");
  assert.ok(files.length > 0);
  await reset();
  const { stdout } = await promisify(execFile)(process.execPath, [`${ROOT}examples/node-quickstart.mjs`], {
    cwd: ROOT,
    env: { ...process.env, PASSERELLE_FAKE_URL: await fakeUrl() },
    timeout: 60_000,
  }).catch((e) => assert.fail(`the example failed (exit ${e.code}):\n${e.stdout}\n${e.stderr}`));
  for (const f of files) {
    assert.ok(stdout.includes(f.path), `the listing shows ${f.path}`);
    assert.ok(stdout.includes(`${FOLDER.split("/").pop()}/${f.name} (`), `the zip yields ${f.name}:\n${stdout}`);
  }
});

test("the README's quickstart block is examples/node-quickstart.mjs, verbatim (so the README example runs)", async () => {
  const { readFile } = await import("node:fs/promises");
  const readme = await readFile(`${ROOT}README.md`, "utf8");
  const example = await readFile(`${ROOT}examples/node-quickstart.mjs`, "utf8");
  const blocks = [...readme.matchAll(/```js\n([\s\S]*?)```/g)].map((m) => m[1]);
  assert.ok(blocks.includes(example), "README.md must contain examples/node-quickstart.mjs as a ```js block");
});
