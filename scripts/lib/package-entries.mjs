// Usage: node package-entries.mjs <build dir> <pkg dir> <repo root>
// Writes the npm package's entry files from wasm-bindgen's `--target web` output (one folder per
// API flavour in <build dir>: <flavour>/<flavour>.js, <flavour>_bg.wasm, snippets/), with esbuild:
//
//   <entry>.js          ESM, the .wasm embedded (base64 of raw DEFLATE) and instantiated
//                       synchronously at import: no top-level await, no asset URL, so every
//                       bundler and Node load it with no configuration.
//   <entry>.cjs         the same as CommonJS, for `require` (Node 20.0+, webpack, …).
//   <entry>.node.js     Node's `import`: re-exports <entry>.cjs (one instance for import + require).
//   <entry>.node.cjs    Node's `require`, for entries with the mirror (Échange): <entry>.cjs plus
//                       the mirror's directory destination (node:fs); .node.js re-exports it.
//   <entry>.workerd.js  ESM importing wasm/<flavour>_bg.wasm as a module (Workers compile no
//                       WebAssembly from bytes at run time; wrangler bundles it as CompiledWasm).
//   web.js              the no-bundler entry: `await init()` fetches wasm/passerelle_bg.wasm.
//   support.js/.cjs     the error class and the transport's plumbing around fetch
//                       (src/js/support.js), one file shared by every entry so `instanceof
//                       PasserelleError` holds across entries.
//   support-echange.js/.cjs  response bodies, listings and ZipEntry (src/js/support_echange.js),
//                       shared by the entries with Échange or unzip; imports support.js.
//   <entry>.d.ts/.d.cts the declarations of npm/index.d.ts that the entry exports.
//
// The mirror (npm/mirror*.js, hand-written ESM importing the glue as "./web/passerelle.js") is
// bundled into every entry of a flavour that has Échange, that import mapped to the flavour's
// glue: one module instance, and EchangeClient.prototype.mirror attached wherever EchangeClient is.
import { build } from "esbuild";
import { copyFileSync, existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { createRequire } from "node:module";
import { inflateRawSync } from "node:zlib";

// Zopfli (Google's exhaustive DEFLATE encoder, here compiled to WebAssembly) writes a raw DEFLATE
// stream that any inflater reads, 4.7-5.1 % smaller than zlib's level 9 on our modules: it is
// what the embedded entries (`import`, `require`) carry. Build-time only (a devDependency).
const { deflateAsync: zopfliDeflate } = createRequire(import.meta.url)("@gfx/zopfli");

const [buildDir, pkgDir, root] = process.argv.slice(2);

/** Flavours: cargo features → entry name and the index.d.ts sections it declares. */
export const FLAVOURS = [
  { name: "passerelle", entry: "index", mirror: true, sections: ["Errors", "Common options", "Échange", "Streaming unzip", "PRE-ETAT.DATE", "Diagnostics", "Mirror"] },
  { name: "echange", entry: "echange", mirror: true, sections: ["Errors", "Common options", "Échange", "Streaming unzip", "Diagnostics", "Mirror"] },
  { name: "pre-etat-date", entry: "pre-etat-date", mirror: false, sections: ["Errors", "Common options", "PRE-ETAT.DATE", "Diagnostics"] },
];

const version = JSON.parse(readFileSync(join(pkgDir, "package.json"), "utf8")).version;
const fail = (msg) => {
  console.error(`package-entries: ${msg}`);
  process.exit(1);
};

/** Every file under `dir`, as paths relative to it. */
function walk(dir, prefix = "") {
  return readdirSync(join(dir, prefix), { withFileTypes: true }).flatMap((d) =>
    d.isDirectory() ? walk(dir, join(prefix, d.name)) : [join(prefix, d.name)]);
}

// ───────────────────────────── the shared support snippet ─────────────────────────────

// Whitespace, syntax and local identifiers; `keepNames` keeps every class's and function's
// `name` (`EchangeClient.name`, stack traces). Saves ~3 KB gzip per entry.
const MINIFY = { minifyWhitespace: true, minifySyntax: true, minifyIdentifiers: true, keepNames: true };

// support.js (errors and the transport: every entry) and support_echange.js (bodies, listings,
// ZipEntry: the entries with Échange or unzip, which import it beside support.js).
const SNIPPETS = [
  { source: "support.js", out: "support", need: () => true, note: "errors and the transport" },
  {
    source: "support_echange.js",
    out: "support-echange",
    need: (f) => f.sections.includes("Échange") || f.sections.includes("Streaming unzip"),
    note: "Échange and unzip",
  },
];
for (const { source, out, need, note } of SNIPPETS) {
  let text;
  for (const flavour of FLAVOURS) {
    const { name } = flavour;
    const found = walk(join(buildDir, name)).filter((p) => p.endsWith(`src/js/${source}`));
    const wanted = need(flavour);
    if (found.length > 1 || (wanted && found.length === 0)) {
      fail(`${name}: expected ${wanted ? "one" : "at most one"} src/js/${source} snippet, found ${found.length}: ${found}`);
    }
    if (found.length === 0) continue;
    const t = readFileSync(join(buildDir, name, found[0]), "utf8");
    if (text !== undefined && t !== text) fail(`the ${source} snippets of the flavours differ`);
    text = t;
  }
  if (text === undefined) fail(`no flavour has the src/js/${source} snippet`);
  const banner = `// passerelle ${version}: the JavaScript half of the package, ${note} (from src/js/${source}).\n`;
  for (const [format, ext] of [["esm", "js"], ["cjs", "cjs"]]) {
    await build({
      stdin: { contents: text, loader: "js", sourcefile: source },
      bundle: true,
      format,
      platform: "neutral",
      target: "es2020",
      ...MINIFY,
      banner: { js: banner },
      outfile: join(pkgDir, `${out}.${ext}`),
      plugins: [{
        name: "passerelle-support-core",
        setup(b) {
          b.onResolve({ filter: /^\.\/support\.js$/ }, () => ({ path: `./support.${ext}`, external: true }));
        },
      }],
      logLevel: "warning",
    });
  }
}

// ───────────────────────────── entry bundles ─────────────────────────────

/** esbuild plugin: the support snippets and the .wasm stay external, under their package paths
 * (`ext`: "js" for the ES module entries, "cjs" for the CommonJS ones). */
const externals = (ext, wasmPath) => ({
  name: "passerelle-externals",
  setup(b) {
    b.onResolve({ filter: /src\/js\/support\.js$/ }, () => ({ path: `./support.${ext}`, external: true }));
    b.onResolve({ filter: /src\/js\/support_echange\.js$/ }, () => ({ path: `./support-echange.${ext}`, external: true }));
    b.onResolve({ filter: /^@wasm$/ }, () => ({ path: wasmPath, external: true }));
  },
});

/** esbuild plugin: the glue's default module URL points at the package's wasm/ folder. */
const wasmUrl = (name) => ({
  name: "passerelle-wasm-url",
  setup(b) {
    b.onLoad({ filter: new RegExp(`/${name}\\.js$`) }, (args) => {
      const from = `new URL('${name}_bg.wasm', import.meta.url)`;
      const code = readFileSync(args.path, "utf8");
      if (!code.includes(from)) fail(`${args.path}: no \`${from}\` to rewrite`);
      return { contents: code.replace(from, `new URL('./wasm/${name}_bg.wasm', import.meta.url)`), loader: "js" };
    });
  },
});

/** The mirror's sources, and what they add to an entry's exports. */
const MIRROR = join(root, "npm/mirror.js");
const MIRROR_NODE = join(root, "npm/mirror-node.js");
const GLUE_IMPORT = /^\.\/web\/passerelle\.js$/;
// Declared exports, and names re-exported from its sibling files (`export { r2Destination } from
// "./mirror-r2.js"`: the R2 destination ships wherever the runner does).
const mirrorSource = readFileSync(MIRROR, "utf8");
const mirrorNames = [
  ...[...mirrorSource.matchAll(/^export (?:async )?(?:function|class|const) (\w+)/gm)].map((m) => m[1]),
  ...[...mirrorSource.matchAll(/^export \{([^}]+)\} from "\.\/mirror-[\w-]+\.js";$/gm)]
    .flatMap((m) => m[1].split(",").map((n) => n.trim().split(/\s+as\s+/).pop())),
];
if (mirrorNames.length === 0) fail("npm/mirror.js exports nothing");

/** esbuild plugin: the mirror's `./web/passerelle.js` is the flavour's glue (bundled once). */
const mirrorGlue = (gluePath) => ({
  name: "passerelle-mirror-glue",
  setup(b) {
    b.onResolve({ filter: GLUE_IMPORT }, () => ({ path: gluePath }));
  },
});

/**
 * esbuild plugin for <entry>.node.cjs: the glue and mirror.js are those inside <entry>.cjs
 * (required, not bundled again); Node's modules stay external.
 */
const nodeMirrorExternals = (cjs) => ({
  name: "passerelle-node-mirror",
  setup(b) {
    b.onResolve({ filter: GLUE_IMPORT }, () => ({ path: cjs, external: true }));
    b.onResolve({ filter: /^\.\/mirror\.js$/ }, () => ({ path: cjs, external: true }));
    b.onResolve({ filter: /\.cjs$/ }, (args) => ({ path: args.path, external: true }));
    b.onResolve({ filter: /^node:/ }, (args) => ({ path: args.path, external: true }));
  },
});

async function bundle(dir, contents, outfile, format, plugins, what) {
  await build({
    stdin: { contents, resolveDir: dir, sourcefile: "entry.js", loader: "js" },
    bundle: true,
    format,
    platform: "neutral",
    target: "es2020",
    legalComments: "none",
    ...MINIFY,
    banner: { js: `// passerelle ${version}: ${what}. Generated by scripts/build; do not edit.` },
    outfile,
    plugins,
    logLevel: "warning",
    // wasm-bindgen's glue repeats a key in its imports object, and its default async loader
    // (`new URL(…, import.meta.url)`, tree-shaken away from the embedded entries) reads import.meta.
    logOverride: { "duplicate-object-key": "silent", "empty-import-meta": "silent" },
  });
}

const sizes = [];
mkdirSync(join(pkgDir, "wasm"), { recursive: true });
for (const { name, entry, mirror, sections: declared } of FLAVOURS) {
  // Classes that live in the support snippets: the error class everywhere (support.js), ZipEntry
  // where unzip is (support_echange.js).
  const unzip = declared.includes("Streaming unzip");
  const fromSupport = ["PasserelleError", ...(unzip ? ["ZipEntry"] : [])];
  const dir = join(buildDir, name);
  const glue = `./${name}.js`;
  const wasm = readFileSync(join(dir, `${name}_bg.wasm`));
  copyFileSync(join(dir, `${name}_bg.wasm`), join(pkgDir, "wasm", `${name}_bg.wasm`));
  const names = [...readFileSync(join(dir, `${name}.js`), "utf8").matchAll(/^export (?:class|function) (\w+)/gm)]
    .map((m) => m[1]);
  if (names.length === 0) fail(`${name}: the glue exports nothing`);
  const reexports = `export { ${names.join(", ")} } from "${glue}";\n` +
    `export { PasserelleError } from "./support/src/js/support.js";\n` +
    (unzip ? `export { ZipEntry } from "./support/src/js/support_echange.js";\n` : "");
  const wasmPath = `./wasm/${name}_bg.wasm`;
  // The mirror: runner (mirror.js) in every entry, the Node directory destination in .node.cjs.
  const mirrorExport = mirror ? `export * from ${JSON.stringify(MIRROR)};\n` : "";
  const gluePlugins = mirror ? [mirrorGlue(join(dir, `${name}.js`))] : [];
  const packed = Buffer.from(await zopfliDeflate(wasm, { numiterations: 15, blocksplitting: true }));
  // The package's inflater (npm/inflate.js) decodes any valid DEFLATE stream; this checks the
  // encoder's output against zlib's decoder before shipping it.
  if (!inflateRawSync(packed).equals(wasm)) fail(`${name}: the zopfli stream does not inflate to the module`);
  const deflated = packed.toString("base64");
  const embedded =
    `import { initSync } from "${glue}";\n` +
    `import { embeddedModule } from ${JSON.stringify(join(root, "npm/inflate.js"))};\n` +
    `initSync({ module: embeddedModule("${deflated}", ${wasm.length}) });\n` + reexports + mirrorExport;
  const what = (kind) => `the \`passerelle${entry === "index" ? "" : `/${entry}`}\` entry, ${kind}`;
  await bundle(dir, embedded, join(pkgDir, `${entry}.js`), "esm", [externals("js", wasmPath), ...gluePlugins],
    what("ES module with the WebAssembly embedded"));
  await bundle(dir, embedded, join(pkgDir, `${entry}.cjs`), "cjs", [externals("cjs", wasmPath), ...gluePlugins],
    what("CommonJS with the WebAssembly embedded"));
  // Node's `require`: <entry>.cjs, plus (with the mirror) the directory destination, which
  // replaces `mirror` and EchangeClient.prototype.mirror when loaded.
  const nodeCjs = mirror ? `${entry}.node.cjs` : `${entry}.cjs`;
  if (mirror) {
    await bundle(dir, `export * from "./${entry}.cjs";\nexport { mirror } from ${JSON.stringify(MIRROR_NODE)};\n`,
      join(pkgDir, nodeCjs), "cjs", [nodeMirrorExternals(`./${entry}.cjs`)],
      what(`for Node's require (${entry}.cjs and the mirror's directory destination)`));
  }
  // Node's `import` reuses the CommonJS build, so that `import` and `require` in one process
  // share one module instance (the same classes, one WebAssembly memory).
  const all = [...names, ...fromSupport, ...(mirror ? mirrorNames : [])].sort();
  writeFileSync(join(pkgDir, `${entry}.node.js`),
    `// passerelle ${version}: ${what("for Node's import (the CommonJS build, so import and require share it)")}.` +
    ` Generated by scripts/build; do not edit.\n` +
    `import cjs from "./${nodeCjs}";\n\nexport const { ${all.join(", ")} } = cjs;\n`);
  const workerd =
    `import wasmModule from "@wasm";\n` +
    `import { initSync } from "${glue}";\n` +
    `initSync({ module: wasmModule });\n` + reexports + mirrorExport;
  await bundle(dir, workerd, join(pkgDir, `${entry}.workerd.js`), "esm", [externals("js", wasmPath), ...gluePlugins],
    what("for Cloudflare Workers (imports the .wasm as a module)"));
  if (name === "passerelle") {
    const web = `export { default, initSync } from "${glue}";\n` + reexports + mirrorExport;
    await bundle(dir, web, join(pkgDir, "web.js"), "esm", [externals("js", wasmPath), wasmUrl(name), ...gluePlugins],
      "the `passerelle/web` entry for pages without a bundler (`await init()` fetches the .wasm)");
  }
  sizes.push(`${entry}: ${names.length} exports + ${fromSupport.join(" + ")}${mirror ? ` + ${mirrorNames.join(", ")}` : ""}; .wasm ${wasm.length} B, embedded ${deflated.length} B base64`);
}

// ───────────────────────────── declarations ─────────────────────────────

const dts = readFileSync(join(root, "npm/index.d.ts"), "utf8");
const HEADING = /^\/\/ ─+ (.+?) ─+$/gm;
const heads = [...dts.matchAll(HEADING)];
if (heads.length === 0) fail("npm/index.d.ts has no `// ─── Section ───` headings");
const preamble = dts.slice(0, heads[0].index);
const sections = new Map(heads.map((h, i) => [h[1], dts.slice(h.index, heads[i + 1]?.index ?? dts.length)]));
const known = new Set(FLAVOURS.flatMap((f) => f.sections));
for (const title of sections.keys()) {
  if (!known.has(title)) fail(`npm/index.d.ts section "${title}" is in no entry (scripts/lib/package-entries.mjs FLAVOURS)`);
}
for (const { entry, sections: wanted } of FLAVOURS) {
  const head = entry === "index" ? preamble
    : `// Type declarations for the \`passerelle/${entry}\` entry (the parts of index.d.ts it exports).\n` +
      preamble.split("\n").filter((l) => !l.startsWith("// Type declarations")).join("\n");
  const text = head + wanted.filter((t) => sections.has(t)).map((t) => sections.get(t)).join("");
  writeFileSync(join(pkgDir, `${entry}.d.ts`), text);
  writeFileSync(join(pkgDir, `${entry}.d.cts`), text);
}
copyFileSync(join(root, "npm/web.d.ts"), join(pkgDir, "web.d.ts"));
if (!existsSync(join(pkgDir, "index.d.ts"))) fail("index.d.ts not written");
console.log(sizes.join("\n"));
