// Entry for Cloudflare Workers (workerd): the `.wasm` is imported as a compiled module (wrangler
// bundles it as CompiledWasm), never fetched, and instantiated synchronously at import time.
import wasmModule from "./web/passerelle_bg.wasm";
import { initSync } from "./web/passerelle.js";

initSync({ module: wasmModule });

export * from "./web/passerelle.js";
//@@PASSERELLE_ERROR_EXPORT@@
export * from "./mirror.js"; // mirror(), EchangeClient.prototype.mirror
