// The no-bundler entry: init() then the same API.
import init, { EchangeClient, initSync } from "passerelle/web";

export async function start(): Promise<EchangeClient> {
  await init();
  await init({ module_or_path: new URL("https://example.test/passerelle_bg.wasm") });
  void initSync;
  return new EchangeClient({ baseUrl: "http://127.0.0.1:1", username: "u", password: "p" });
}
