// Entry for a plain `<script type="module">` page without a bundler:
//   import init, { EchangeClient } from "./node_modules/passerelle/web.js";
//   await init();            // fetches web/passerelle_bg.wasm next to the glue
// Nothing works before `init()` has resolved.
export { default, initSync } from "./web/passerelle.js";
export * from "./web/passerelle.js";
//@@PASSERELLE_ERROR_EXPORT@@
export * from "./mirror.js"; // mirror(), EchangeClient.prototype.mirror
