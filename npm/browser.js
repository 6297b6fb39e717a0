// Entry for browsers and bundlers (Vite, webpack, …): the WebAssembly module is fetched and
// instantiated once, at import time, so `import { EchangeClient } from "passerelle"` needs no
// init call. Bundlers turn the `new URL(…, import.meta.url)` below into a hashed asset.
import init from "./web/passerelle.js";

await init({ module_or_path: new URL("./web/passerelle_bg.wasm", import.meta.url) });

export * from "./web/passerelle.js";
//@@PASSERELLE_ERROR_EXPORT@@
export * from "./mirror.js"; // mirror(), EchangeClient.prototype.mirror
