// Types of the `passerelle/web` entry: everything of the main entry, plus the explicit
// initialisation a plain `<script type="module">` page must await before using anything.
export * from "./index.js";

/** What `init` can load the WebAssembly module from. */
export type InitInput = RequestInfo | URL | Response | BufferSource | WebAssembly.Module;

/**
 * Synchronous initialisation from bytes or a compiled module (instead of awaiting `init`).
 * @param module The `.wasm` bytes or a compiled `WebAssembly.Module`, optionally wrapped as `{ module }`.
 */
export declare function initSync(
  module: { module: BufferSource | WebAssembly.Module } | BufferSource | WebAssembly.Module,
): unknown;

/**
 * Fetches and instantiates the WebAssembly module (by default `web/passerelle_bg.wasm` next to
 * the glue). Await it once before using any export.
 * @param module_or_path Where to load the module from (a URL, a `Response`, bytes or a compiled
 *   module, optionally wrapped as `{ module_or_path }`); omitted = the default file.
 */
export default function init(
  module_or_path?:
    | { module_or_path: InitInput | Promise<InitInput> }
    | InitInput
    | Promise<InitInput>,
): Promise<unknown>;
