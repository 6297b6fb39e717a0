// Where downloads go. Two sinks with one interface { name, written, write(chunk), close(), abort() }:
// - "picker": File System Access (showSaveFilePicker → FileSystemWritableFileStream). Bytes are
//   written to disk as they arrive; memory stays flat whatever the size (Chrome, Edge).
// - "blob": chunks are gathered (folded into Blobs every few MiB, which the browser may keep on
//   disk) and offered through a temporary blob: URL at the end. Only for small sizes.

export const BLOB_MAX = 512 * 1024 * 1024;
const FOLD_EVERY = 8 * 1024 * 1024;

export function pickerAvailable() {
  return typeof globalThis.showSaveFilePicker === "function";
}

/** "picker" or "blob" for the user's choice ("auto" | "picker" | "blob"). */
export function resolveMode(choice) {
  if (choice === "blob") return "blob";
  if (choice === "picker") return pickerAvailable() ? "picker" : "unavailable";
  return pickerAvailable() ? "picker" : "blob";
}

/**
 * Opens a sink. For "picker" this shows the save dialog, so call it first thing in a click
 * handler (browsers require a user gesture). Returns null when the user closed the dialog.
 */
export async function openSink(mode, suggestedName, type = "application/octet-stream") {
  if (mode === "picker") {
    let handle;
    try {
      handle = await globalThis.showSaveFilePicker({ suggestedName });
    } catch (err) {
      if (err?.name === "AbortError") return null;
      throw err;
    }
    const writable = await handle.createWritable();
    const sink = {
      kind: "picker",
      name: handle.name ?? suggestedName,
      written: 0,
      async write(chunk) {
        await writable.write(chunk);
        sink.written += chunk.byteLength;
      },
      async close() {
        await writable.close();
      },
      async abort() {
        try {
          await writable.abort();
        } catch {
          // already closed or failed: nothing more to undo
        }
      },
    };
    return sink;
  }
  let parts = [];
  let pending = [];
  let pendingBytes = 0;
  const fold = () => {
    if (pending.length) {
      parts = [new Blob([...parts, ...pending], { type })];
      pending = [];
      pendingBytes = 0;
    }
  };
  const sink = {
    kind: "blob",
    name: suggestedName,
    written: 0,
    async write(chunk) {
      pending.push(chunk);
      pendingBytes += chunk.byteLength;
      sink.written += chunk.byteLength;
      if (pendingBytes >= FOLD_EVERY) fold();
    },
    async close() {
      fold();
      const blob = parts[0] ?? new Blob([], { type });
      parts = [];
      const url = URL.createObjectURL(blob);
      const a = document.createElement("a");
      a.href = url;
      a.download = suggestedName;
      a.hidden = true;
      document.body.append(a);
      a.click();
      a.remove();
      setTimeout(() => URL.revokeObjectURL(url), 60_000);
    },
    async abort() {
      parts = [];
      pending = [];
    },
  };
  return sink;
}
