// A Worker that uses the package exactly as a user would: `import … from "passerelle"`, bundled
// by wrangler (the `workerd` export condition: the .wasm is imported as a module). The fake's
// URL comes from the FAKE_URL binding.
//   GET /list?path=P   → 200 { entries, token_requests_shared }
//   GET /error?path=P  → 200 { caught: { name, code, status, … , instanceOf } }
//   GET /bad-password  → 200 { caught: … } for token() with a wrong password
import { EchangeClient, PasserelleError } from "passerelle";

const USER = { username: "fournisseur", password: "motdepasse-Été:2025" };

function describe(err) {
  return {
    instanceOf: err instanceof PasserelleError,
    isError: err instanceof Error,
    name: err?.name,
    code: err?.code,
    status: err?.status,
    serverMessage: err?.serverMessage,
    serverError: err?.serverError,
    message: err?.message,
    string: String(err),
    json: JSON.stringify(err),
    stack: String(err?.stack),
  };
}

export default {
  async fetch(request, env) {
    const url = new URL(request.url);
    const path = url.searchParams.get("path") ?? undefined;
    try {
      if (url.pathname === "/list") {
        const client = new EchangeClient({ baseUrl: env.FAKE_URL, ...USER });
        const [a, b] = await Promise.all([client.token(), client.token()]);
        const entries = await client.listDir(path);
        return Response.json({ entries, sameToken: a.access_token === b.access_token, token: a.access_token });
      }
      if (url.pathname === "/error") {
        const client = new EchangeClient({ baseUrl: env.FAKE_URL, ...USER });
        const { access_token } = await client.token();
        try {
          await client.listDir(path);
          return Response.json({ resolved: true });
        } catch (err) {
          return Response.json({ caught: describe(err), token: access_token });
        }
      }
      if (url.pathname === "/bad-password") {
        const client = new EchangeClient({ baseUrl: env.FAKE_URL, username: USER.username, password: url.searchParams.get("pw") });
        try {
          await client.token();
          return Response.json({ resolved: true });
        } catch (err) {
          return Response.json({ caught: describe(err) });
        }
      }
      return new Response("not found", { status: 404 });
    } catch (err) {
      return Response.json({ unexpected: describe(err) }, { status: 500 });
    }
  },
};
