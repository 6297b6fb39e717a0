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
      ["consumer.ts", "web-consumer.ts", "mirror-consumer.ts", "mirror-web-consumer.ts", "mirror-echange-consumer.ts", "mirror-r2-consumer.ts"]));
}

test("the main entry compiles with only Node's types (no DOM lib)", () =>
  tsc("node-only", { module: "nodenext", moduleResolution: "nodenext", lib: ["es2022"], types: ["node"] },
    ["consumer.ts", "mirror-consumer.ts", "mirror-echange-consumer.ts"]));

test("the public declarations contain no `any`", () => {
  for (const file of ["index.d.ts", "echange.d.ts", "pre-etat-date.d.ts", "web.d.ts"]) {
    const code = readFileSync(`${PKG_DIR}/${file}`, "utf8")
      .replace(/\/\*[\s\S]*?\*\//g, "")
      .replace(/\/\/.*$/gm, "");
    assert.doesNotMatch(code, /\bany\b/, `${file} uses any`);
  }
});

// The declarations and the runtime agree, for every entry: every runtime export is declared,
// and every declared class has exactly the declared methods.
const ENTRIES = [
  ["passerelle", "index.d.ts"], ["passerelle/echange", "echange.d.ts"], ["passerelle/pre-etat-date", "pre-etat-date.d.ts"],
];
for (const [entry, file] of ENTRIES) {
  test(`${file} matches the runtime exports of "${entry}"`, async () => {
    const dts = readFileSync(`${PKG_DIR}/${file}`, "utf8").replace(/\/\*[\s\S]*?\*\//g, "").replace(/\/\/.*$/gm, "");
    const declared = new Map();
    for (const m of dts.matchAll(/^export declare (class|function) (\w+)/gm)) declared.set(m[2], m[1]);
    const runtime = await import(entry);
    for (const name of Object.keys(runtime)) {
      assert.ok(declared.has(name), `runtime export ${name} is not declared in ${file}`);
      assert.equal(typeof runtime[name], "function", `${name} is a class or function`);
    }
    const missing = [...declared.keys()].filter((n) => !(n in runtime));
    assert.deepEqual(missing, [], `every export declared in ${file} exists at runtime`);
    for (const [name, kind] of declared) {
      if (kind !== "class" || !(name in runtime)) continue;
      const body = dts.slice(dts.indexOf(`export declare class ${name}`)).split(/^}/m)[0];
      // An `export interface <Class>` merges methods into the class (EchangeClient.mirror).
      const merged = dts.split(`export interface ${name} {`).slice(1)
        .flatMap((b) => [...b.split(/^}/m)[0].matchAll(/^ {2}(\w+)\(/gm)].map((m) => m[1]));
      const declaredMethods = [...body.matchAll(/^ {2}(\w+)\(/gm)].map((m) => m[1]).filter((m) => m !== "constructor")
        .concat(merged).sort();
      const runtimeMethods = Object.getOwnPropertyNames(runtime[name].prototype)
        .filter((m) => m !== "constructor" && !m.startsWith("__")
          && typeof Object.getOwnPropertyDescriptor(runtime[name].prototype, m).value === "function")
        .sort();
      assert.deepEqual(runtimeMethods, declaredMethods, `methods of ${name}`);
      const declaredProps = new Set([...body.matchAll(/^ {2}(?:readonly )?(\w+)\??:/gm)].map((m) => m[1]));
      for (const [prop, desc] of Object.entries(Object.getOwnPropertyDescriptors(runtime[name].prototype))) {
        if (desc.get) assert.ok(declaredProps.has(prop), `getter ${name}.${prop} is not declared`);
      }
    }
  });
}
