// Worker consumers' entry: GET /?fake=URL runs the scenario and answers its JSON.
import { scenario } from "./scenario.js";

export default {
  async fetch(request) {
    try {
      return Response.json(await scenario(new URL(request.url).searchParams.get("fake")));
    } catch (err) {
      return Response.json({ error: String(err), stack: String(err?.stack) }, { status: 500 });
    }
  },
};
