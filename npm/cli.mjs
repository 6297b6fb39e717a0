#!/usr/bin/env node
// The `passerelle` command (Node ≥ 20): `npx passerelle mirror …`. See `passerelle --help`.
import { parseArgs } from "node:util";
import { EchangeClient, mirror } from "./index.node.js"; // the package's Node entry (pkg/cli.mjs)

const HELP = `Usage: passerelle mirror <remote-folder>... --to <local-folder> --url <base-url> --user <name> [options]
       passerelle mirror [options] <remote-folder>... <local-folder>

Keeps a local folder up to date with Échange (SFTPGo) folders: downloads new files and files
whose size or modification time changed, keeps the others. Remote /a/b.txt is written to
<local-folder>/a/b.txt; the folder's .passerelle-mirror.json records what was fetched, so an
interrupted run resumes where it stopped.

Options:
  --to <dir>          local folder (or give it as the last argument)
  --url <base-url>    server URL, e.g. https://echange.example.fr   (env PASSERELLE_URL)
  --user <name>       user name                                      (env PASSERELLE_USER)
  --otp               the account needs a 2FA code: read PASSERELLE_OTP, or prompt for it
  --dry-run           print the plan (fetch/delete/skip), change nothing
  --delete            remove local files that the mirror wrote and that are gone remotely
  --concurrency <n>   files downloaded at once, 1-32 (default 4)
  --quiet             print only errors and the summary
  -h, --help          this help

Secrets are never read from the command line: the password comes from PASSERELLE_PASSWORD, or
is prompted for when stdin is a terminal; the 2FA code from PASSERELLE_OTP or a prompt.

Output: a progress bar on a terminal; one line per file when piped. The summary goes to stdout,
errors to stderr.

Exit codes:
  0  everything mirrored (skipped unsafe names are reported, not failures)
  1  some files failed (the others are mirrored; run again to retry)
  2  usage error (bad option, missing argument or secret)
  3  authentication refused (wrong user, password or 2FA code; account blocked)
  4  the run could not proceed (server unreachable, remote folder missing, local folder or
     manifest unusable, ...)
  5  another run is writing into the local folder (its .passerelle-mirror.lock is held)
  130 interrupted (Ctrl-C); the next run resumes
`;

const EXIT = { ok: 0, failed: 1, usage: 2, auth: 3, fatal: 4, busy: 5, interrupted: 130 };

class UsageError extends Error {}

function parse(argv) {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    strict: true,
    options: {
      to: { type: "string" },
      url: { type: "string" },
      user: { type: "string" },
      otp: { type: "boolean" },
      "dry-run": { type: "boolean" },
      delete: { type: "boolean" },
      concurrency: { type: "string" },
      quiet: { type: "boolean" },
      help: { type: "boolean", short: "h" },
      password: { type: "string" }, // refused below with a clear message
    },
  });
  if (values.password !== undefined) {
    throw new UsageError("--password is not accepted (it would show in the process list); set PASSERELLE_PASSWORD or answer the prompt");
  }
  return { values, positionals };
}

/** Reads one line from the terminal without echoing it. */
function promptHidden(question) {
  return new Promise((resolve, reject) => {
    const { stdin, stderr } = process;
    stdin.setRawMode(true); // before the question: no echo even for a fast typist
    stderr.write(question);
    stdin.resume();
    stdin.setEncoding("utf8");
    let answer = "";
    const done = (err) => {
      stdin.setRawMode(false);
      stdin.pause();
      stdin.removeListener("data", onData);
      stderr.write("\n");
      if (err) reject(err);
      else resolve(answer);
    };
    const onData = (chunk) => {
      for (const ch of chunk) {
        if (ch === "\r" || ch === "\n" || ch === "\u0004") return done();
        if (ch === "\u0003") return done(Object.assign(new Error("interrupted"), { interrupted: true }));
        if (ch === "\u007f" || ch === "\b") answer = answer.slice(0, -1);
        else answer += ch;
      }
    };
    stdin.on("data", onData);
  });
}

async function secret(envName, question) {
  const v = process.env[envName];
  if (v) return v;
  if (process.stdin.isTTY) return promptHidden(question);
  throw new UsageError(`${envName} is not set and stdin is not a terminal to ask for it`);
}

const mb = (n) => `${(n / 1e6).toFixed(1)} MB`;

/** Progress on a terminal: one redrawn line, at most every 100 ms. */
function bar(stream) {
  let last = 0;
  let shown = false;
  return {
    update(p, force = false) {
      const now = Date.now();
      if (!force && now - last < 100) return;
      last = now;
      const frac = p.bytesTotal > 0 ? p.bytesDone / p.bytesTotal : p.filesTotal > 0 ? p.filesDone / p.filesTotal : 1;
      const width = 24;
      const full = Math.max(0, Math.min(width, Math.round(frac * width)));
      const name = p.current ? ` ${p.current}` : "";
      let line = `[${"#".repeat(full)}${"-".repeat(width - full)}] ${p.filesDone}/${p.filesTotal} files ${mb(p.bytesDone)}/${mb(p.bytesTotal)}${name}`;
      const cols = stream.columns || 100;
      if (line.length > cols - 1) line = `${line.slice(0, cols - 2)}…`;
      stream.write(`\r\x1b[K${line}`);
      shown = true;
    },
    clear() {
      if (shown) stream.write("\r\x1b[K");
      shown = false;
    },
  };
}

function errorText(e) {
  if (e?.name === "PasserelleError") {
    return `${e.message}${e.serverMessage ? ` (server: ${e.serverMessage})` : ""} [${e.code}]`;
  }
  return e?.message ?? String(e);
}

async function runMirror(argv) {
  const { values, positionals } = parse(argv);
  if (values.help) {
    process.stdout.write(HELP);
    return EXIT.ok;
  }
  let remotes = positionals;
  let to = values.to;
  if (to === undefined) {
    if (remotes.length < 2) throw new UsageError("name the remote folder(s) and the local folder (--to <dir>)");
    to = remotes[remotes.length - 1];
    remotes = remotes.slice(0, -1);
  }
  if (remotes.length === 0) throw new UsageError("name at least one remote folder");
  if (!to) throw new UsageError("--to must name a local folder");
  const url = values.url ?? process.env.PASSERELLE_URL;
  const user = values.user ?? process.env.PASSERELLE_USER;
  if (!url) throw new UsageError("--url (or PASSERELLE_URL) is required");
  if (!user) throw new UsageError("--user (or PASSERELLE_USER) is required");
  let concurrency = 4;
  if (values.concurrency !== undefined) {
    concurrency = Number(values.concurrency);
    if (!/^\d+$/.test(values.concurrency) || concurrency < 1 || concurrency > 32) {
      throw new UsageError("--concurrency must be a whole number from 1 to 32");
    }
  }
  const password = await secret("PASSERELLE_PASSWORD", `Password for ${user}: `);
  const otp = values.otp || process.env.PASSERELLE_OTP ? await secret("PASSERELLE_OTP", "2FA code: ") : undefined;

  let client;
  try {
    client = new EchangeClient({ baseUrl: url, username: user, password, ...(otp ? { otp } : {}) });
  } catch (e) {
    throw new UsageError(errorText(e));
  }

  const quiet = !!values.quiet;
  const dryRun = !!values["dry-run"];
  const tty = !!process.stderr.isTTY && !quiet;
  const progress = tty ? bar(process.stderr) : null;
  const controller = new AbortController();
  let interrupted = false;
  const onSigint = () => {
    if (interrupted) process.exit(EXIT.interrupted); // a second Ctrl-C does not wait
    interrupted = true;
    controller.abort(new Error("interrupted"));
  };
  process.on("SIGINT", onSigint);
  process.on("SIGTERM", onSigint);

  const out = (line) => {
    progress?.clear();
    process.stdout.write(`${line}\n`);
  };
  let summary;
  try {
    summary = await mirror(client, remotes, to, {
      concurrency,
      delete: !!values.delete,
      dryRun,
      signal: controller.signal,
      onPlan: (plan) => {
        if (!dryRun) {
          if (!quiet) out(`plan: ${plan.fetch.length} to fetch (${mb(plan.bytesToFetch)}), ${plan.unchanged.length} unchanged, ${plan.delete.length} to delete, ${plan.skipped.length} skipped`);
          return;
        }
        for (const f of plan.fetch) out(`fetch ${f.reason} ${f.path} (${f.size} bytes)`);
        for (const d of plan.delete) out(`delete ${d.path}`);
        for (const s of plan.skipped) out(`skip ${s.path}: ${s.reason}`);
      },
      onProgress: progress ? (p) => progress.update(p) : undefined,
      onFile: (ev) => {
        if (ev.action === "failed") {
          progress?.clear();
          process.stderr.write(`failed ${ev.path}: ${errorText(ev.error)}\n`);
        } else if (!tty && !quiet) {
          out(`${ev.action} ${ev.path}`);
        }
      },
    });
  } catch (e) {
    progress?.clear();
    if (interrupted || e?.code === "aborted") {
      process.stderr.write("passerelle: interrupted; the next run resumes\n");
      return EXIT.interrupted;
    }
    process.stderr.write(`passerelle: ${errorText(e)}\n`);
    if (e?.code === "unauthorized" || e?.code === "forbidden") return EXIT.auth;
    if (e?.code === "conflict") return EXIT.busy;
    // Bad remote folder names are usage errors; a damaged manifest is not.
    if (e?.code === "invalid_input" && !/manifest/.test(e.message)) return EXIT.usage;
    return EXIT.fatal;
  } finally {
    process.off("SIGINT", onSigint);
    process.off("SIGTERM", onSigint);
  }
  progress?.clear();
  for (const s of summary.skipped) {
    if (!dryRun) process.stderr.write(`skipped ${s.path}: ${s.reason}\n`);
  }
  const verb = dryRun ? "would fetch" : "fetched";
  out(`${dryRun ? "dry run: " : ""}${verb} ${summary.fetched.length} (${mb(summary.bytesFetched)}), unchanged ${summary.unchanged}, ${dryRun ? "would delete" : "deleted"} ${summary.deleted.length}, skipped ${summary.skipped.length}, failed ${summary.failed.length}`);
  return summary.failed.length > 0 ? EXIT.failed : EXIT.ok;
}

async function main(argv) {
  const [command, ...rest] = argv;
  if (command === undefined || command === "-h" || command === "--help" || command === "help") {
    process.stdout.write(HELP);
    return command === undefined ? EXIT.usage : EXIT.ok;
  }
  if (command !== "mirror") {
    process.stderr.write(`passerelle: unknown command ${JSON.stringify(command)} (try --help)\n`);
    return EXIT.usage;
  }
  try {
    return await runMirror(rest);
  } catch (e) {
    if (e?.interrupted) return EXIT.interrupted;
    if (e instanceof UsageError || e?.code?.startsWith?.("ERR_PARSE_ARGS")) {
      process.stderr.write(`passerelle: ${e.message}\n(try passerelle mirror --help)\n`);
      return EXIT.usage;
    }
    throw e;
  }
}

process.exitCode = await main(process.argv.slice(2));
