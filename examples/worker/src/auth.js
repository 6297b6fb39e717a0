// Authentication of the gateway's callers. Two ways, either is enough:
//  - a shared secret (`GATEWAY_SECRET`): `Authorization: Bearer <secret>`, compared in constant time;
//  - Cloudflare Access (`ACCESS_TEAM_DOMAIN` + `ACCESS_AUD`): the `Cf-Access-Jwt-Assertion`
//    header Access adds in front of the Worker, an RS256 JWT checked against the team's public
//    keys (`<team domain>/cdn-cgi/access/certs`), its audience, issuer and expiry.
// With neither configured the gateway refuses everything (fails closed).

const encoder = new TextEncoder();

async function sameSecret(given, expected) {
  // Hash both sides first so the comparison runs on equal lengths, then compare in constant time.
  const [a, b] = await Promise.all([
    crypto.subtle.digest("SHA-256", encoder.encode(given)),
    crypto.subtle.digest("SHA-256", encoder.encode(expected)),
  ]);
  return crypto.subtle.timingSafeEqual(a, b);
}

function base64UrlBytes(s) {
  if (!/^[A-Za-z0-9_-]*$/.test(s)) throw new Error("bad base64url");
  const b64 = s.replace(/-/g, "+").replace(/_/g, "/") + "===".slice((s.length + 3) % 4);
  const bin = atob(b64);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

function base64UrlJson(s) {
  return JSON.parse(new TextDecoder().decode(base64UrlBytes(s)));
}

// Public keys are plain data: safe to keep in the isolate between requests (Access rotates them
// every few weeks, keeping the old one valid for a while), refreshed after 10 minutes or when a
// token names an unknown key id.
const KEYS_TTL_MS = 10 * 60 * 1000;
let keysCache = null; // { domain, at, keys }

async function accessKeys(teamDomain, kid, now) {
  const fresh = keysCache && keysCache.domain === teamDomain && now - keysCache.at < KEYS_TTL_MS;
  if (fresh && keysCache.keys.some((k) => k?.kid === kid)) return keysCache.keys;
  const res = await fetch(`${teamDomain.replace(/\/+$/, "")}/cdn-cgi/access/certs`);
  if (!res.ok) throw new Error(`Access certs: HTTP ${res.status}`);
  const body = await res.json();
  const keys = Array.isArray(body?.keys) ? body.keys : [];
  keysCache = { domain: teamDomain, at: now, keys };
  return keys;
}

/** Verifies a Cloudflare Access JWT; returns its claims or null. */
export async function verifyAccessJwt(jwt, teamDomain, audience, now = Date.now()) {
  const parts = jwt.split(".");
  if (parts.length !== 3) return null;
  let header, claims, signature;
  try {
    header = base64UrlJson(parts[0]);
    claims = base64UrlJson(parts[1]);
    signature = base64UrlBytes(parts[2]);
  } catch {
    return null;
  }
  if (header?.alg !== "RS256" || typeof header.kid !== "string" || !claims || typeof claims !== "object") return null;
  const jwk = (await accessKeys(teamDomain, header.kid, now)).find((k) => k?.kid === header.kid && k?.kty === "RSA");
  if (!jwk) return null;
  let key;
  try {
    key = await crypto.subtle.importKey(
      "jwk", { kty: "RSA", n: jwk.n, e: jwk.e, alg: "RS256", ext: true },
      { name: "RSASSA-PKCS1-v1_5", hash: "SHA-256" }, false, ["verify"],
    );
  } catch {
    return null;
  }
  const signed = encoder.encode(`${parts[0]}.${parts[1]}`);
  if (!(await crypto.subtle.verify("RSASSA-PKCS1-v1_5", key, signature, signed))) return null;
  const aud = Array.isArray(claims.aud) ? claims.aud : [claims.aud];
  if (!aud.includes(audience)) return null;
  if (claims.iss !== teamDomain.replace(/\/+$/, "")) return null;
  const t = Math.floor(now / 1000);
  if (typeof claims.exp !== "number" || claims.exp < t) return null;
  if (typeof claims.nbf === "number" && claims.nbf > t + 60) return null;
  return claims;
}

/**
 * Who is calling: `{ ok: true, via }` or `{ ok: false, status, reason }`. Never says which
 * part of a credential was wrong.
 */
export async function authenticate(request, env) {
  const secret = env.GATEWAY_SECRET;
  const access = env.ACCESS_TEAM_DOMAIN && env.ACCESS_AUD;
  if (!secret && !access) {
    return { ok: false, status: 503, reason: "the gateway has no caller authentication configured" };
  }
  const authz = request.headers.get("authorization");
  if (secret && authz) {
    const m = /^Bearer\s+(.+)$/i.exec(authz);
    if (m && (await sameSecret(m[1].trim(), secret))) return { ok: true, via: "secret" };
  }
  const assertion = request.headers.get("cf-access-jwt-assertion");
  if (access && assertion) {
    try {
      const claims = await verifyAccessJwt(assertion, env.ACCESS_TEAM_DOMAIN, env.ACCESS_AUD);
      if (claims) return { ok: true, via: "access", email: typeof claims.email === "string" ? claims.email : undefined };
    } catch {
      return { ok: false, status: 503, reason: "the Access public keys could not be fetched" };
    }
  }
  return { ok: false, status: 401, reason: "authentication required" };
}

/** Optional shared token for the webhook URL (`?key=…`); PRE-ETAT.DATE signs nothing. */
export async function webhookAllowed(url, env) {
  if (!env.WEBHOOK_SECRET) return true;
  const given = url.searchParams.get("key") ?? "";
  return sameSecret(given, env.WEBHOOK_SECRET);
}
