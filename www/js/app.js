// Entry point: loads the WebAssembly module through the package's "./web" entry (no bundler),
// reads the optional demo configuration, wires the language switch, the tabs and both panels.
// Until then the forms cannot send anything: they use method="dialog" (a native submission
// outside a <dialog> goes nowhere) and their submit buttons start disabled; setup enables them.
import init from "passerelle/web";
import { t, setLang, apply } from "./i18n.js";
import * as echange from "./echange.js";
import * as ped from "./ped.js";

const $ = (id) => document.getElementById(id);

/**
 * demo/config.json is written by scripts/demo (and by the tests): base URLs of the demo server
 * and its public seed accounts. Optional: without it the fields start empty. `?fake=URL` is
 * accepted too. Nothing is ever written back (no storage).
 */
async function loadConfig() {
  let config = {};
  try {
    const res = await fetch("demo/config.json", { cache: "no-store" });
    if (res.ok) config = await res.json();
  } catch {
    // no config: a plain page pointed at a real server
  }
  const fake = new URLSearchParams(location.search).get("fake");
  if (fake && /^https?:\/\//.test(fake)) {
    config.echange = { ...(config.echange ?? {}), baseUrl: fake };
    config.ped = { ...(config.ped ?? {}), baseUrl: fake };
  }
  return config;
}

function setupLang() {
  const buttons = [...document.querySelectorAll(".lang-btn")];
  for (const b of buttons) {
    b.addEventListener("click", () => {
      setLang(b.dataset.lang);
      for (const o of buttons) o.setAttribute("aria-pressed", String(o === b));
    });
  }
}

function setupTabs() {
  const tabs = [...document.querySelectorAll('[role="tab"]')];
  const select = (tab, focus) => {
    for (const x of tabs) {
      const on = x === tab;
      x.setAttribute("aria-selected", String(on));
      x.tabIndex = on ? 0 : -1;
      $(x.getAttribute("aria-controls")).hidden = !on;
    }
    if (focus) tab.focus();
  };
  tabs.forEach((tab, i) => {
    tab.addEventListener("click", () => select(tab, false));
    tab.addEventListener("keydown", (e) => {
      let j = null;
      if (e.key === "ArrowRight") j = (i + 1) % tabs.length;
      else if (e.key === "ArrowLeft") j = (i - 1 + tabs.length) % tabs.length;
      else if (e.key === "Home") j = 0;
      else if (e.key === "End") j = tabs.length - 1;
      if (j !== null) {
        e.preventDefault();
        select(tabs[j], true);
      }
    });
  });
}

async function main() {
  apply();
  setupLang();
  setupTabs();
  const boot = $("boot");
  try {
    await init();
  } catch (err) {
    boot.textContent = t("bootFailed", { msg: String(err?.message ?? err) });
    boot.className = "error";
    document.documentElement.dataset.ready = "failed";
    return;
  }
  const config = await loadConfig();
  echange.setup(config);
  ped.setup(config);
  boot.hidden = true;
  document.documentElement.dataset.ready = "1";
  performance.mark("demo:ready"); // first moment a sign-in can be sent (tests report it)
}

main();
