// A pass-through HTTP proxy in front of the fake server, run in the test process, that can hold
// chosen requests until the test releases them. Workers under test are pointed at it instead of
// the fake: a test then knows for sure that a run is stopped half-way (its downloads are held
// here) while it starts another one — no timing involved. Everything else is forwarded as it
// is, bodies streamed both ways; a response cut upstream (an injected fault) is cut here too.
import { createServer, request as httpRequest } from "node:http";
import { pipeline } from "node:stream";

/** The Échange user a request authenticates as: from Basic credentials or the JWT's claims. */
export function userOf(authorization) {
  const [scheme, value] = String(authorization ?? "").split(" ");
  try {
    if (scheme === "Basic") return Buffer.from(value, "base64").toString("utf8").split(":")[0];
    if (scheme === "Bearer") return JSON.parse(Buffer.from(value.split(".")[1], "base64url").toString("utf8")).username;
  } catch {
    // not a token this fake issues
  }
  return undefined;
}

/**
 * Starts the proxy in front of `target` (the fake's base URL). `hold(match)` holds the next
 * request for which `match({ method, path, query, user })` is true: `arrived` resolves when it
 * came in, `release()` lets it through.
 */
export async function startGateProxy(target) {
  const upstream = new URL(target);
  const holds = [];
  const server = createServer(async (req, res) => {
    const url = new URL(req.url, "http://proxy.invalid");
    const info = {
      method: req.method,
      path: decodeURIComponent(url.pathname),
      query: url.searchParams,
      user: userOf(req.headers.authorization),
    };
    const hold = holds.find((h) => !h.taken && h.match(info));
    if (hold) {
      hold.taken = true;
      hold.arrive(info);
      if ((await hold.released) === "drop") {
        req.socket.destroy();
        return;
      }
    }
    const up = httpRequest({
      host: upstream.hostname,
      port: upstream.port,
      method: req.method,
      path: req.url,
      headers: { ...req.headers, host: upstream.host },
    }, (answer) => {
      res.writeHead(answer.statusCode, answer.headers);
      pipeline(answer, res, (err) => {
        if (err) res.destroy();
      });
    });
    up.on("error", () => res.destroy());
    pipeline(req, up, (err) => {
      if (err) up.destroy();
    });
  });
  await new Promise((ok) => server.listen(0, "127.0.0.1", ok));
  return {
    url: `http://127.0.0.1:${server.address().port}`,
    hold(match) {
      let arrive;
      let release;
      const h = {
        match,
        taken: false,
        arrived: new Promise((ok) => (arrive = ok)),
        released: new Promise((ok) => (release = ok)),
      };
      h.arrive = arrive;
      h.release = release;
      holds.push(h);
      return { arrived: h.arrived, release };
    },
    /** Lets every held request through and forgets the holds not reached yet. */
    releaseAll() {
      for (const h of holds.splice(0)) {
        h.taken = true;
        h.arrive(null);
        h.release();
      }
    },
    /** Closes the connections of the held requests without forwarding them; forgets the holds. */
    dropAll() {
      for (const h of holds.splice(0)) {
        h.taken = true;
        h.arrive(null);
        h.release("drop");
      }
    },
    close: () => new Promise((ok) => {
      server.closeAllConnections?.();
      server.close(() => ok());
    }),
  };
}
