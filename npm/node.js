// Entry for Node (≥ 20): the WebAssembly module is read from disk and instantiated synchronously
// at import time (no top-level await, so `require("passerelle")` works where require(esm) does).
import { readFileSync } from "node:fs";
import { initSync } from "./web/passerelle.js";

initSync({ module: readFileSync(new URL("./web/passerelle_bg.wasm", import.meta.url)) });

export * from "./web/passerelle.js";
//@@PASSERELLE_ERROR_EXPORT@@
export * from "./mirror-node.js"; // mirror(), EchangeClient.prototype.mirror, directory destinations
