// A Worker running the PRE-ETAT.DATE scenario (tests/browser/ped-scenario.js) with the package
// imported as a user would: `import … from "passerelle"`, bundled by wrangler (the `workerd`
// export condition: the .wasm is imported as a module). The fake's URL is the FAKE_URL binding.
//   GET /scenario → 200 with the scenario's JSON outcome (500 with the error if it threw)
import * as passerelle from "passerelle";
import { runPedScenario } from "../browser/ped-scenario.js";

export default {
  async fetch(request, env) {
    const url = new URL(request.url);
    if (url.pathname !== "/scenario") return new Response("not found", { status: 404 });
    try {
      return Response.json(await runPedScenario(passerelle, env.FAKE_URL));
    } catch (err) {
      return Response.json({ failure: String(err), stack: String(err?.stack) }, { status: 500 });
    }
  },
};
