// Reads the Worker's configuration from its bindings (vars in wrangler.toml, secrets set with
// `wrangler secret put`). Nothing here is ever echoed in a response.
import { EchangeClient, PreEtatDateClient } from "passerelle";

/** A configuration problem: reported as 503 by the router, without any value. */
export class ConfigError extends Error {
  constructor(message) {
    super(message);
    this.name = "ConfigError";
  }
}

function required(env, name) {
  const v = env[name];
  if (typeof v !== "string" || v === "") throw new ConfigError(`${name} is not configured`);
  return v;
}

function optionalInt(env, name, fallback, min, max) {
  const raw = env[name];
  if (raw === undefined || raw === "") return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min || n > max) {
    throw new ConfigError(`${name} must be an integer between ${min} and ${max}`);
  }
  return n;
}

/** A new Échange client for this invocation (see README: one client per request / cron run). */
export function echangeClient(env) {
  return new EchangeClient({
    baseUrl: required(env, "ECHANGE_URL"),
    username: required(env, "ECHANGE_USERNAME"),
    password: required(env, "ECHANGE_PASSWORD"),
  });
}

/** A new Échange client for one sync account (its password is the secret it names). */
export function accountClient(env, account) {
  return new EchangeClient({
    baseUrl: account.baseUrl,
    username: account.username,
    password: required(env, account.passwordSecret),
  });
}

/** A new PRE-ETAT.DATE client: e-mail + password (the client authenticates itself) or a token. */
export function preEtatDateClient(env) {
  const options = { baseUrl: required(env, "PED_URL"), apiKey: required(env, "PED_API_KEY") };
  if (env.PED_TOKEN) {
    options.token = env.PED_TOKEN;
  } else {
    options.email = required(env, "PED_EMAIL");
    options.password = required(env, "PED_PASSWORD");
  }
  return new PreEtatDateClient(options);
}

/** Folders to mirror: a JSON array (`["/Relevés","/Archives"]`), a comma list, or an array. */
function folderList(raw, what) {
  let list = raw;
  if (typeof raw === "string") {
    const text = raw.trim();
    if (text === "") throw new ConfigError(`${what} is not configured`);
    if (text.startsWith("[")) {
      try {
        list = JSON.parse(text);
      } catch {
        throw new ConfigError(`${what} is not a valid JSON array`);
      }
    } else {
      list = text.split(",");
    }
  }
  if (!Array.isArray(list) || !list.every((f) => typeof f === "string")) {
    throw new ConfigError(`${what} must be an array of strings`);
  }
  const folders = [...new Set(list.map(normalizePath).filter((f) => f !== null))];
  if (folders.length === 0) throw new ConfigError(`${what} lists no folder`);
  return folders;
}

/** The folders the single-account sync mirrors (SYNC_FOLDERS). */
export function syncFolders(env) {
  return folderList(env.SYNC_FOLDERS ?? "", "SYNC_FOLDERS");
}

const ACCOUNT_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
const SECRET_NAME = /^[A-Z][A-Z0-9_]{0,63}$/;

function withSlash(prefix) {
  return prefix !== "" && !prefix.endsWith("/") ? `${prefix}/` : prefix;
}

/**
 * The Échange accounts the sync mirrors, each into R2 under its own key prefix and serialised
 * by its own Durable Object. `SYNC_ACCOUNTS` (a JSON array) lists them:
 *   [{ "id": "fournisseur", "username": "fournisseur", "passwordSecret": "ECHANGE_PASSWORD",
 *      "folders": ["/Relevés"], "prefix": "echange/fournisseur/", "url": "https://…" }]
 * (`passwordSecret` names the secret holding the password, default ECHANGE_PASSWORD; `prefix`
 * defaults to SYNC_PREFIX + id + "/"; `url` to ECHANGE_URL). Without SYNC_ACCOUNTS, one account
 * from ECHANGE_USERNAME, ECHANGE_PASSWORD, SYNC_FOLDERS and SYNC_PREFIX (objects directly under
 * SYNC_PREFIX). No password is read here.
 */
export function syncAccounts(env) {
  const base = withSlash(env.SYNC_PREFIX ?? "echange/");
  const raw = (env.SYNC_ACCOUNTS ?? "").trim();
  let accounts;
  if (raw === "") {
    const username = required(env, "ECHANGE_USERNAME");
    accounts = [{
      id: ACCOUNT_ID.test(username) ? username : "default",
      baseUrl: required(env, "ECHANGE_URL"),
      username,
      passwordSecret: "ECHANGE_PASSWORD",
      folders: syncFolders(env),
      prefix: base,
    }];
  } else {
    let list;
    try {
      list = JSON.parse(raw);
    } catch {
      throw new ConfigError("SYNC_ACCOUNTS is not valid JSON");
    }
    if (!Array.isArray(list) || list.length === 0) throw new ConfigError("SYNC_ACCOUNTS must be a non-empty array");
    accounts = list.map((a, i) => {
      const what = `SYNC_ACCOUNTS[${i}]`;
      if (!a || typeof a !== "object") throw new ConfigError(`${what} is not an object`);
      if (typeof a.id !== "string" || !ACCOUNT_ID.test(a.id)) throw new ConfigError(`${what}.id must match ${ACCOUNT_ID}`);
      if (typeof a.username !== "string" || a.username === "") throw new ConfigError(`${what}.username is missing`);
      const passwordSecret = a.passwordSecret ?? "ECHANGE_PASSWORD";
      if (typeof passwordSecret !== "string" || !SECRET_NAME.test(passwordSecret)) {
        throw new ConfigError(`${what}.passwordSecret must name a secret (${SECRET_NAME})`);
      }
      const prefix = a.prefix === undefined ? `${base}${a.id}/` : a.prefix;
      if (typeof prefix !== "string" || prefix.startsWith("/")) throw new ConfigError(`${what}.prefix must be a relative key prefix`);
      return {
        id: a.id,
        baseUrl: a.url === undefined ? required(env, "ECHANGE_URL") : String(a.url),
        username: a.username,
        passwordSecret,
        folders: folderList(a.folders, `${what}.folders`),
        prefix: withSlash(prefix),
      };
    });
  }
  // Accounts write into disjoint parts of the bucket: no prefix inside another.
  for (const a of accounts) {
    for (const b of accounts) {
      if (a === b) continue;
      if (a.id === b.id) throw new ConfigError(`SYNC_ACCOUNTS lists the id ${a.id} twice`);
      if (b.prefix.startsWith(a.prefix)) throw new ConfigError(`the R2 prefixes of ${a.id} and ${b.id} overlap`);
    }
  }
  return accounts;
}

/** Sync tuning knobs shared by the accounts (see wrangler.toml for what they mean). */
export function syncSettings(env) {
  const check = (env.SYNC_CHECK_OBJECTS ?? "false").trim().toLowerCase();
  if (check !== "true" && check !== "false") throw new ConfigError("SYNC_CHECK_OBJECTS must be true or false");
  return {
    maxFiles: optionalInt(env, "SYNC_MAX_FILES", 200, 1, 100_000),
    concurrency: optionalInt(env, "SYNC_CONCURRENCY", 4, 1, 6),
    checkObjects: check === "true",
  };
}

/** "/a/b" form of a caller-supplied path: no empty, "." or ".." segment. null when unusable. */
export function normalizePath(p) {
  if (typeof p !== "string") return null;
  const parts = p.trim().split("/").filter((s) => s !== "");
  if (parts.some((s) => s === "." || s === ".." || s.includes("\\") || s.includes("\0"))) return null;
  return "/" + parts.join("/");
}

/** The KV namespace and R2 bucket bindings. */
export function storage(env) {
  if (!env.STATE || typeof env.STATE.get !== "function") throw new ConfigError("KV binding STATE is missing");
  if (!env.FILES || typeof env.FILES.put !== "function") throw new ConfigError("R2 binding FILES is missing");
  return { kv: env.STATE, bucket: env.FILES };
}

/** The Durable Object namespace of the sync coordinators (one object per account). */
export function coordinators(env) {
  if (!env.SYNC || typeof env.SYNC.idFromName !== "function") throw new ConfigError("Durable Object binding SYNC is missing");
  return env.SYNC;
}
