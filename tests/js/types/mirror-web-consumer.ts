// Compiled (never run) by types.test.mjs with the DOM libs: a browser folder handle is a
// mirror destination.
import { EchangeClient, type MirrorSummary } from "passerelle";

export async function toFolder(client: EchangeClient, picked: FileSystemDirectoryHandle): Promise<MirrorSummary[]> {
  const opfs: FileSystemDirectoryHandle = await navigator.storage.getDirectory();
  return [await client.mirror("/Relevés", opfs), await client.mirror(["/Archives"], picked, { delete: true })];
}
