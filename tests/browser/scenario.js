// The scenario both test pages run in Chromium against the fake (CORS, cross-origin), given
// the package's exports. Results are written into the DOM for the Playwright test to read.
const USER = { username: "fournisseur", password: "motdepasse-Été:2025" };

function describe(err) {
  return {
    instanceOf: err instanceof this.PasserelleError,
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

async function scenario(lib, fake, folder) {
  const out = {};
  const client = new lib.EchangeClient({ baseUrl: fake, ...USER });
  const [a, b] = await Promise.all([client.token(), client.token()]);
  out.token = a;
  out.sameToken = a.access_token === b.access_token;
  out.entries = await client.listDir(folder);
  try {
    await client.listDir(folder + "/Nulle part");
    out.error = { resolved: true };
  } catch (err) {
    out.error = describe.call(lib, err);
  }
  const wrong = new lib.EchangeClient({ baseUrl: fake, username: USER.username, password: "mauvais-Mot:de-passe" });
  try {
    await wrong.token();
    out.badPassword = { resolved: true };
  } catch (err) {
    out.badPassword = describe.call(lib, err);
  }
  return out;
}

/** Runs the scenario and publishes the outcome in #out and <html data-state>. */
export async function run(lib) {
  const params = new URLSearchParams(location.search);
  const root = document.documentElement;
  const pre = document.getElementById("out");
  try {
    const result = await scenario(lib, params.get("fake"), params.get("folder") ?? "Relevés/Déc 2025");
    pre.textContent = JSON.stringify(result);
    root.dataset.state = "done";
  } catch (err) {
    pre.textContent = JSON.stringify({ failure: String(err), stack: String(err?.stack) });
    root.dataset.state = "failed";
  }
}
