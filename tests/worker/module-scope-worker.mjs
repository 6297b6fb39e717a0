// A Worker that keeps ONE client of each API at module scope — the natural way to write it — and
// serves concurrent requests with them. Each request needs the client's token; on a fresh isolate
// the first ones all arrive before any token exists.
//   GET /echange → 200 { entries } | 500 { error }
//   GET /ped     → 200 { orderid } | 500 { error }
import { EchangeClient, PreEtatDateClient, PasserelleError } from "passerelle";

let echange;
let ped;

function clients(env) {
  echange ??= new EchangeClient({
    baseUrl: env.FAKE_URL,
    username: "fournisseur",
    password: "motdepasse-Été:2025",
  });
  ped ??= new PreEtatDateClient({
    baseUrl: env.FAKE_URL,
    apiKey: "ped-test-key",
    email: "notaire@example.fr",
    password: "Secret-Été-2025",
  });
  return { echange, ped };
}

const ORDER = {
  address: "4 BIS RUE DE LA FERME", city: "CALUIRE ET CUIRE", zipcode: "69300",
  owners: [{ firstname: "Jean", lastname: "Dupont" }],
  invoice: { address: "64, avenue Kléber", city: "PARIS", zipcode: "75116", lastname: "PLAISIR NOTAIRES" },
  method: "extranet",
  syndic: { name: "Syndic Lumière", username: "syndic-user", password: "syndic-pass" },
  test_mode: true,
};

export default {
  async fetch(request, env) {
    const { pathname } = new URL(request.url);
    const c = clients(env);
    try {
      if (pathname === "/echange") {
        const entries = await c.echange.listDir("/");
        return Response.json({ entries: entries.length });
      }
      if (pathname === "/ped") {
        const t = await c.ped.createOrder({ ...ORDER, external_id: crypto.randomUUID() });
        return Response.json({ orderid: t.orderid });
      }
      return new Response("not found", { status: 404 });
    } catch (err) {
      const error = err instanceof PasserelleError ? { code: err.code, message: err.message } : { other: String(err) };
      return Response.json({ error }, { status: 500 });
    }
  },
};
