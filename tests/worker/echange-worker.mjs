// A Worker running the Échange scenarios with the package as a user imports it ("passerelle",
// bundled by wrangler through the `workerd` export condition). The fake's URL comes from the
// FAKE_URL binding.
//   GET /run?name=<scenario>&params=<JSON> → 200 { result } | 500 { unexpected }
import * as passerelle from "passerelle";
import { runScenario } from "./echange-scenarios.mjs";
import { describeError } from "./echange-common.mjs";

export default {
  async fetch(request, env) {
    const url = new URL(request.url);
    if (url.pathname !== "/run") return new Response("not found", { status: 404 });
    try {
      const params = JSON.parse(url.searchParams.get("params") ?? "{}");
      const result = await runScenario(passerelle, env.FAKE_URL, url.searchParams.get("name"), params);
      return Response.json({ result });
    } catch (err) {
      return Response.json({ unexpected: describeError(err, passerelle.PasserelleError) }, { status: 500 });
    }
  },
};
