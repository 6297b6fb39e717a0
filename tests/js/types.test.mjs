// The package's TypeScript declarations, as installed: a consumer that uses every export
// compiles under the common module resolutions, with DOM libs or with only Node's types, and
// the public declarations contain no `any`.
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { readFileSync, writeFileSync, mkdirSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname } from "node:path";
import { ROOT } from "./helpers.mjs";

const PKG_DIR = dirname(createRequire(import.meta.url).resolve("passerelle/package.json"));
const TSC = `${ROOT}node_modules/typescript/bin/tsc`;
const OUT = `${ROOT}target/types`;

async function tsc(name, compilerOptions, files) {
  mkdirSync(OUT, { recursive: true });
  const config = `${OUT}/tsconfig.${name}.json`;
  writeFileSync(config, JSON.stringify({
    compilerOptions: { strict: true, noEmit: true, target: "es2022", skipLibCheck: false, ...compilerOptions },
    files: files.map((f) => `${ROOT}tests/js/types/${f}`),
  }));
  try {
    await promisify(execFile)(process.execPath, [TSC, "-p", config], { cwd: ROOT });
  } catch (e) {
    assert.fail(`tsc (${name}) failed:\n${e.stdout}${e.stderr}`);
  }
}

for (const [moduleResolution, module] of [["bundler", "esnext"], ["node16", "node16"], ["nodenext", "nodenext"]]) {
  test(`a consumer compiles (moduleResolution ${moduleResolution}, DOM libs)`, () =>
    tsc(`${moduleResolution}-dom`, { module, moduleResolution, lib: ["es2022", "dom", "dom.iterable", "dom.asynciterable"], types: [] },
      ["consumer.ts", "web-consumer.ts"]));
}

test("the main entry compiles with only Node's types (no DOM lib)", () =>
  tsc("node-only", { module: "nodenext", moduleResolution: "nodenext", lib: ["es2022"], types: ["node"] },
    ["consumer.ts"]));

test("the public declarations contain no `any`", () => {
  for (const file of ["index.d.ts", "web.d.ts"]) {
    const code = readFileSync(`${PKG_DIR}/${file}`, "utf8")
      .replace(/\/\*[\s\S]*?\*\//g, "")
      .replace(/\/\/.*$/gm, "");
    assert.doesNotMatch(code, /\bany\b/, `${file} uses any`);
  }
});
