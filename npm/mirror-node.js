// Node destination for the mirror: a directory on disk (node:fs), the manifest in the folder
// itself. `mirror(client, remotePaths, "/some/dir")` and `client.mirror(…, "/some/dir")` take a
// directory path in Node; everything else is the runner of mirror.js.
import { EchangeClient, mirrorError } from "./web/passerelle.js";
import { mirror as mirrorInto } from "./mirror.js";

export * from "./mirror.js";

// Node's modules are loaded when a directory is first used, not at import: a bundle of this
// entry that never mirrors into a folder (an ES module bundle cannot `require`) loads fine.
let mkdir, open, readFile, rename, rm, stat, unlink, utimes, writeFile, createHash, hostname, dirname, join, resolve, sep;
async function loadNodeModules() {
  if (sep !== undefined) return;
  const builtin = globalThis.process?.getBuiltinModule?.bind(globalThis.process) ?? (() => undefined);
  ({ mkdir, open, readFile, rename, rm, stat, unlink, utimes, writeFile } =
    builtin("node:fs/promises") ?? (await import("node:fs/promises")));
  ({ createHash } = builtin("node:crypto") ?? (await import("node:crypto")));
  ({ hostname } = builtin("node:os") ?? (await import("node:os")));
  ({ dirname, join, resolve, sep } = builtin("node:path") ?? (await import("node:path")));
}

/** The manifest's file name, in the destination folder. */
const MANIFEST = ".passerelle-mirror.json";
/** Files being written carry this suffix until they are complete. */
const PARTIAL = ".passerelle-part";
/** Held while a run writes into the folder: `{ pid, host, started }`. */
const LOCK = ".passerelle-mirror.lock";

/** Whether process `pid` of this host is alive. */
function alive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return e?.code === "EPERM";
  }
}

/**
 * Takes the folder's lock file (created exclusively); a lock left by a dead process of this
 * host is taken over. Resolves with the release function.
 */
async function takeLock(root) {
  await mkdir(root, { recursive: true });
  const path = join(root, LOCK);
  const mine = JSON.stringify({ pid: process.pid, host: hostname(), started: new Date().toISOString() });
  for (let attempt = 0; ; attempt += 1) {
    try {
      await writeFile(path, mine, { flag: "wx" });
      return async () => {
        // Only our own lock is removed.
        if ((await readFile(path, "utf8").catch(() => "")) === mine) await unlink(path).catch(() => {});
      };
    } catch (e) {
      if (e?.code !== "EEXIST") throw e;
    }
    let held = null;
    try {
      held = JSON.parse(await readFile(path, "utf8"));
    } catch (_) {
      // unreadable: treated as held
    }
    const stale = held && held.host === hostname() && Number.isInteger(held.pid) && !alive(held.pid);
    if (!stale || attempt > 0) {
      const who = held ? ` (pid ${held.pid} on ${held.host}, since ${held.started})` : "";
      throw mirrorError("conflict", `mirror: another run${who} is writing into ${root}; ` +
        `if it is gone, delete ${LOCK} there`);
    }
    await unlink(path).catch(() => {});
  }
}

/**
 * A `MirrorDestination` for the directory `dir` (created when missing). Names are treated as
 * case-insensitive on Windows and macOS, and Windows naming rules apply on Windows.
 */
function nodeDirectory(dir) {
  const root = resolve(dir);
  const full = (local) => {
    const p = join(root, ...local.split("/"));
    if (!p.startsWith(root + sep)) {
      throw mirrorError("unsafe_path", `mirror: ${JSON.stringify(local)} is outside the destination folder`);
    }
    return p;
  };
  return {
    caseInsensitive: process.platform === "win32" || process.platform === "darwin",
    windowsNames: process.platform === "win32",
    reservedNames: [MANIFEST, `${MANIFEST}.tmp`, LOCK],
    partialSuffix: PARTIAL,

    lock() {
      return takeLock(root);
    },

    async readManifest() {
      try {
        return await readFile(join(root, MANIFEST), "utf8");
      } catch (e) {
        if (e?.code === "ENOENT") return null;
        throw e;
      }
    },

    async writeManifest(text) {
      await mkdir(root, { recursive: true });
      const tmp = join(root, `${MANIFEST}.tmp`);
      await writeFile(tmp, text);
      await rename(tmp, join(root, MANIFEST));
    },

    async write(local, data, { mtime }) {
      const final = full(local);
      const tmp = final + PARTIAL;
      await mkdir(dirname(final), { recursive: true });
      const hash = createHash("sha256");
      const fh = await open(tmp, "w");
      try {
        for await (const chunk of data) {
          hash.update(chunk);
          await fh.write(chunk);
        }
        await fh.close();
        await utimes(tmp, mtime, mtime);
        await rename(tmp, final);
      } catch (e) {
        await fh.close().catch(() => {});
        await rm(tmp, { force: true }).catch(() => {});
        throw e;
      }
      return { sha256: hash.digest("hex") };
    },

    async remove(local) {
      await rm(full(local), { force: true });
    },

    async stat(local) {
      try {
        const s = await stat(full(local));
        return s.isFile() ? { size: s.size, mtime: s.mtime } : null;
      } catch (_) {
        return null;
      }
    },
  };
}

/** `mirror()` of mirror.js, also accepting a directory path as the destination. */
export async function mirror(client, remotePaths, destination, options) {
  if (typeof destination !== "string") return mirrorInto(client, remotePaths, destination, options);
  await loadNodeModules();
  return mirrorInto(client, remotePaths, nodeDirectory(destination), options);
}

EchangeClient.prototype.mirror = function (remotePaths, destination, options) {
  return mirror(this, remotePaths, destination, options);
};
