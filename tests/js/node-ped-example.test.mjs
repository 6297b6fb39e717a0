// Runs examples/ped-quickstart.mjs as a user would (node, importing the installed package)
// against the fake, and checks what it did there.
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ROOT, fakeUrl, reset } from "./helpers.mjs";
import { pedOrders, pedWebhooks } from "./node-ped-helpers.mjs";

test("examples/ped-quickstart.mjs authenticates, orders in test mode and handles the done webhook", async () => {
  await reset();
  const { stdout, stderr } = await promisify(execFile)(process.execPath, [`${ROOT}examples/ped-quickstart.mjs`], {
    cwd: ROOT,
    env: { ...process.env, PASSERELLE_FAKE_URL: await fakeUrl() },
    timeout: 60_000,
  }).catch((e) => assert.fail(`the example failed (exit ${e.code}):\n${e.stdout}\n${e.stderr}`));
  assert.equal(stderr, "");

  const { orders } = await pedOrders();
  assert.equal(orders.length, 1, "one order");
  const [order] = orders;
  assert.equal(order.test_mode, true);
  assert.equal(order.external_id, "dossier-2025-0042");
  assert.equal(order.state, "done");
  assert.match(stdout, new RegExp(`^order ${order.orderid}: confirmed, created \\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\dZ \\(${order.created}\\)$`, "m"));
  for (const status of ["received", "done"]) {
    assert.ok(stdout.includes(`webhook: order ${order.orderid} (external_id dossier-2025-0042) is now ${status}`), stdout);
  }
  // Both deliveries were acknowledged with 200.
  const deliveries = await pedWebhooks();
  assert.deepEqual(deliveries.map((d) => [d.event, d.reply_status]), [["received", 200], ["done", 200]]);
  // The PDF it saved is the one the fake sent.
  const file = join(tmpdir(), `pre-etat-date-${order.orderid}.pdf`);
  const m = stdout.match(/PDF: (\d+) bytes → (.+)$/m);
  assert.ok(m, stdout);
  assert.equal(m[2], file);
  const saved = await readFile(file);
  const sent = Buffer.from(deliveries[1].body.content, "base64");
  assert.equal(Number(m[1]), sent.length);
  assert.deepEqual(saved, sent);
  assert.equal(saved.subarray(0, 5).toString("latin1"), "%PDF-");
  await rm(file, { force: true });
  // Every document of the done notification is listed with its French label.
  for (const doc of deliveries[1].body.documents) {
    assert.match(stdout, new RegExp(`document ${doc.id}: [^\\n]+ \\(${doc.delivered}\\) ${doc.url.replace(/[.]/g, "\\.")}`));
  }
  assert.match(stdout, /Fiche synthétique/);
});
