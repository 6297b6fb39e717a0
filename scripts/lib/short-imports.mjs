// Usage: node short-imports.mjs <module.wasm> <glue.js>
// Renames the imports wasm-bindgen generates (`./<name>_bg.js` / `__wbg_<name>_<16 hex>`, about
// a hundred of them) to short names, in the module's import section and in the glue's import
// object together, both files rewritten in place. Saves ~2 KB gzip per module. Imports from
// snippets (src/js/support.js) keep their names: they are the snippet's export names.
import { readFileSync, writeFileSync } from "node:fs";

const [wasmPath, gluePath] = process.argv.slice(2);
const fail = (msg) => {
  console.error(`short-imports: ${msg}`);
  process.exit(1);
};

const bytes = readFileSync(wasmPath);
let glue = readFileSync(gluePath, "utf8");

function uleb(buf, pos) {
  let value = 0, shift = 0, b;
  do {
    b = buf[pos++];
    value += (b & 0x7f) * 2 ** shift;
    shift += 7;
  } while (b & 0x80);
  return [value, pos];
}
function encodeUleb(n) {
  const out = [];
  do {
    let b = n & 0x7f;
    n = Math.floor(n / 128);
    if (n) b |= 0x80;
    out.push(b);
  } while (n);
  return Buffer.from(out);
}
const encodeName = (s) => {
  const b = Buffer.from(s, "utf8");
  return Buffer.concat([encodeUleb(b.length), b]);
};
function readName(buf, pos) {
  const [len, p] = uleb(buf, pos);
  return [buf.toString("utf8", p, p + len), p + len];
}
/** Length of an import's description (after its kind byte). */
function descEnd(buf, kind, pos) {
  const limits = (p) => {
    const flags = buf[p++];
    [, p] = uleb(buf, p);
    if (flags & 1) [, p] = uleb(buf, p);
    return p;
  };
  switch (kind) {
    case 0: return uleb(buf, pos)[1]; // function: type index
    case 1: return limits(pos + 1); // table: reftype, limits
    case 2: return limits(pos); // memory
    case 3: return pos + 2; // global: valtype, mutability
    case 4: return uleb(buf, pos + 1)[1]; // tag: attribute, type index
    default: fail(`unknown import kind ${kind}`);
  }
}

if (bytes.readUInt32LE(0) !== 0x6d736100) fail(`${wasmPath} is not a WebAssembly module`);
const parts = [bytes.subarray(0, 8)];
let pos = 8;
let renamed = 0;
const moduleRe = /^\.\/[\w.-]+_bg\.js$/;
const names = new Map(); // old field name → new
let oldModule;
const SHORT_MODULE = "w";
const shortName = (i) => {
  const alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
  let s = "";
  do {
    s += alphabet[i % alphabet.length];
    i = Math.floor(i / alphabet.length);
  } while (i);
  return `$${s}`;
};
while (pos < bytes.length) {
  const id = bytes[pos];
  const [size, start] = uleb(bytes, pos + 1);
  const end = start + size;
  if (id !== 2) {
    parts.push(bytes.subarray(pos, end));
    pos = end;
    continue;
  }
  let [count, p] = uleb(bytes, start);
  const entries = [encodeUleb(count)];
  for (let i = 0; i < count; i++) {
    let mod, field;
    [mod, p] = readName(bytes, p);
    [field, p] = readName(bytes, p);
    const kind = bytes[p];
    const dEnd = descEnd(bytes, kind, p + 1);
    if (moduleRe.test(mod)) {
      if (oldModule !== undefined && oldModule !== mod) fail(`two glue modules: ${oldModule}, ${mod}`);
      oldModule = mod;
      if (!names.has(field)) names.set(field, shortName(names.size));
      mod = SHORT_MODULE;
      field = names.get(field);
      renamed++;
    }
    entries.push(encodeName(mod), encodeName(field), bytes.subarray(p, dEnd));
    p = dEnd;
  }
  if (p !== end) fail("import section length mismatch");
  const body = Buffer.concat(entries);
  parts.push(Buffer.from([2]), encodeUleb(body.length), body);
  pos = end;
}
if (oldModule === undefined) fail(`${wasmPath}: no import from a ./<name>_bg.js module`);

// The glue: the import object's keys (`name: function`) and its module key.
for (const [from, to] of names) {
  const re = new RegExp(`\\b${from.replace(/\$/g, "\\$")}\\b`, "g");
  const hits = glue.match(re)?.length ?? 0;
  if (hits !== 1) fail(`${gluePath}: expected one \`${from}\`, found ${hits}`);
  glue = glue.replace(re, () => to);
}
const moduleKey = `"${oldModule}":`;
if (glue.split(moduleKey).length !== 2) fail(`${gluePath}: expected one ${moduleKey}`);
glue = glue.replace(moduleKey, `${SHORT_MODULE}:`);

writeFileSync(wasmPath, Buffer.concat(parts));
writeFileSync(gluePath, glue);
console.log(`short-imports: ${renamed} imports renamed (${names.size} names)`);
