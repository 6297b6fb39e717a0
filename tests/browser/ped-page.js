// Runs the PRE-ETAT.DATE scenario in a page and publishes the outcome in #out and
// <html data-state="done|failed"> for tests/js/browser-ped.test.mjs to read.
import { runPedScenario } from "./ped-scenario.js";

export async function publish(lib) {
  const params = new URLSearchParams(location.search);
  const root = document.documentElement;
  const pre = document.getElementById("out");
  try {
    pre.textContent = JSON.stringify(await runPedScenario(lib, params.get("fake")));
    root.dataset.state = "done";
  } catch (err) {
    pre.textContent = JSON.stringify({ failure: String(err), stack: String(err?.stack) });
    root.dataset.state = "failed";
  }
}
