// Browser consumers' entry: runs the scenario against ?fake=URL and reports in the page.
import { scenario } from "./scenario.js";

const out = document.getElementById("out") ?? document.body.appendChild(document.createElement("pre"));
out.id = "out";
scenario(new URLSearchParams(location.search).get("fake")).then(
  (result) => {
    out.textContent = JSON.stringify(result);
    document.documentElement.dataset.state = "done";
  },
  (err) => {
    out.textContent = JSON.stringify({ error: String(err), stack: String(err?.stack) });
    document.documentElement.dataset.state = "failed";
  },
);
