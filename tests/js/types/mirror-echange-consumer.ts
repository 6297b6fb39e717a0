// Compiled (never run) by types.test.mjs: the mirror through the `passerelle/echange` entry
// (its own EchangeClient declaration carries `mirror` too).
import { EchangeClient, MirrorManifest, mirror, planMirror, type MirrorSummary } from "passerelle/echange";

export async function run(client: EchangeClient): Promise<MirrorSummary[]> {
  const plan = planMirror([], new MirrorManifest(), { roots: ["/Relevés"] });
  return [
    await client.mirror("/Relevés", "./relevés", { concurrency: plan.fetch.length + 1 }),
    await mirror(client, ["/Relevés"], "./relevés", { dryRun: true }),
  ];
}
