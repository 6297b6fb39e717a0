// Browser destination for the mirror: a `FileSystemDirectoryHandle` (from
// `showDirectoryPicker()`, or the origin private file system `navigator.storage.getDirectory()`),
// the manifest stored in the folder itself. Used by mirror.js when it is given a handle.
//
// A file is streamed into `<name>.passerelle-part` and renamed with `FileSystemHandle.move()`
// once complete; without `move()` (older browsers) it is streamed into the final name's
// writable, which the browser commits only when closed (an aborted writable keeps the previous
// content, but a new file appears empty until then). File System Access cannot set
// modification times: files an interrupted run wrote but did not record are downloaded again
// (an abort records everything that completed).

import { mirrorError } from "./web/passerelle.js";

const MANIFEST = ".passerelle-mirror.json";
const PARTIAL = ".passerelle-part";

/** Whether `value` looks like a `FileSystemDirectoryHandle`. */
export function isDirectoryHandle(value) {
  return value != null && typeof value === "object" && value.kind === "directory"
    && typeof value.getFileHandle === "function" && typeof value.getDirectoryHandle === "function";
}

const notFound = (e) => e?.name === "NotFoundError" || e?.name === "TypeMismatchError";

/**
 * Name rules of the folder: none beyond the common ones inside the origin private file system
 * (the browser stores those names itself); for a folder the user picked, those of the platform
 * (case-insensitive on Windows and macOS, Windows names on Windows).
 */
async function rulesFor(root) {
  const nav = globalThis.navigator;
  let opfsPath = null;
  try {
    const opfs = await nav?.storage?.getDirectory?.();
    opfsPath = opfs ? await opfs.resolve(root) : null;
  } catch (_) {
    // not in the origin private file system, or no way to tell
  }
  if (opfsPath !== null) {
    return { rules: { caseInsensitive: false, windowsNames: false }, lockName: `opfs:/${opfsPath.join("/")}` };
  }
  const platform = String(nav?.userAgentData?.platform ?? nav?.platform ?? "");
  const windows = /^win/i.test(platform);
  // A picked folder has no path to name it by: its name stands for it (two folders of one name
  // are serialised too, which is only slower).
  return { rules: { caseInsensitive: windows || /^mac/i.test(platform), windowsNames: windows }, lockName: `picked:${root.name}` };
}

/**
 * The Web Locks lock `passerelle-mirror:<name>` (shared by the origin's tabs and workers), or
 * `conflict` when another run holds it. Resolves with the release function.
 */
async function webLock(name) {
  const locks = globalThis.navigator?.locks;
  if (!locks || typeof locks.request !== "function") return async () => {};
  let release;
  const held = new Promise((resolve) => (release = resolve));
  const got = await new Promise((resolve, reject) => {
    locks.request(`passerelle-mirror:${name}`, { ifAvailable: true }, (lock) => {
      resolve(lock !== null);
      return lock === null ? undefined : held;
    }).catch(reject);
  });
  if (!got) throw mirrorError("conflict", `mirror: another run is writing into this folder (${name})`);
  return async () => release();
}

/** A `MirrorDestination` writing into the directory `root`. */
export async function directoryHandleDestination(root) {
  /** The folder holding `local` (created when `create`), and the file's name. */
  async function parent(local, create) {
    const parts = local.split("/");
    const name = parts.pop();
    let dir = root;
    for (const p of parts) dir = await dir.getDirectoryHandle(p, { create });
    return { dir, name };
  }

  async function writeText(dir, name, text) {
    const handle = await dir.getFileHandle(name, { create: true });
    const w = await handle.createWritable({ keepExistingData: false });
    await w.write(text);
    await w.close();
  }

  const { rules, lockName } = await rulesFor(root);
  return {
    ...rules,
    reservedNames: [MANIFEST],
    partialSuffix: PARTIAL,

    lock() {
      return webLock(lockName);
    },

    async readManifest() {
      try {
        const h = await root.getFileHandle(MANIFEST);
        return await (await h.getFile()).text();
      } catch (e) {
        if (notFound(e)) return null;
        throw e;
      }
    },

    async writeManifest(text) {
      // createWritable writes a swap file that replaces the manifest only on close().
      await writeText(root, MANIFEST, text);
    },

    async write(local, data) {
      const { dir, name } = await parent(local, true);
      const tmp = await dir.getFileHandle(name + PARTIAL, { create: true });
      if (typeof tmp.move !== "function") {
        await dir.removeEntry(name + PARTIAL).catch(() => {});
        const handle = await dir.getFileHandle(name, { create: true });
        await data.pipeTo(await handle.createWritable({ keepExistingData: false }));
        return;
      }
      try {
        // pipeTo closes the writable at the end and aborts it (discarding the data) on error.
        await data.pipeTo(await tmp.createWritable({ keepExistingData: false }));
        await dir.removeEntry(name).catch((e) => {
          if (!notFound(e)) throw e;
        });
        await tmp.move(name);
      } catch (e) {
        await dir.removeEntry(name + PARTIAL).catch(() => {});
        throw e;
      }
    },

    async remove(local) {
      try {
        const { dir, name } = await parent(local, false);
        await dir.removeEntry(name);
      } catch (e) {
        if (!notFound(e)) throw e;
      }
    },

    async stat(local) {
      try {
        const { dir, name } = await parent(local, false);
        const file = await (await dir.getFileHandle(name)).getFile();
        return { size: file.size, mtime: file.lastModified };
      } catch (_) {
        return null;
      }
    },
  };
}
