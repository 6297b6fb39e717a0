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

/** The folders the cron sync mirrors: a JSON array (`["/Relevés","/Archives"]`) or a comma list. */
export function syncFolders(env) {
  const raw = (env.SYNC_FOLDERS ?? "").trim();
  if (raw === "") throw new ConfigError("SYNC_FOLDERS is not configured");
  let list;
  if (raw.startsWith("[")) {
    try {
      list = JSON.parse(raw);
    } catch {
      throw new ConfigError("SYNC_FOLDERS is not a valid JSON array");
    }
    if (!Array.isArray(list) || !list.every((f) => typeof f === "string")) {
      throw new ConfigError("SYNC_FOLDERS must be an array of strings");
    }
  } else {
    list = raw.split(",");
  }
  const folders = [...new Set(list.map(normalizePath).filter((f) => f !== null))];
  if (folders.length === 0) throw new ConfigError("SYNC_FOLDERS lists no folder");
  return folders;
}

/** Sync tuning knobs (see wrangler.toml for what they mean). */
export function syncSettings(env) {
  let prefix = env.SYNC_PREFIX ?? "echange/";
  if (prefix !== "" && !prefix.endsWith("/")) prefix += "/";
  return {
    folders: syncFolders(env),
    prefix,
    maxFiles: optionalInt(env, "SYNC_MAX_FILES", 200, 1, 100_000),
    concurrency: optionalInt(env, "SYNC_CONCURRENCY", 4, 1, 6),
    checkpointEvery: optionalInt(env, "SYNC_CHECKPOINT_EVERY", 100, 1, 100_000),
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
