// JavaScript support for the wasm-bindgen layer, the part for Échange and unzip: response
// bodies handed to JavaScript, directory listings, and the ZipEntry iterable. Every entry with
// Échange or unzip loads it beside support.js (errors and the transport), which it imports.

import { PasserelleError, cancelReader, makeError } from "./support.js";

/**
 * Wraps a fetch body so that progress is reported, a body cut short becomes the error that
 * `failure(loaded, reason)` builds (a PasserelleError; `reason` is "idle" when no data arrived
 * for `idleMs` while the consumer was waiting for it), a body shorter than `expected` is an error
 * too, and `release()` runs exactly once when the stream ends, fails or is cancelled.
 *
 * The idle timeout costs one timer, not one per chunk: the timer is armed when a read starts and
 * no timer is pending; when it fires while a read is still pending it is re-armed for what is
 * left of that read's `idleMs`, and when no read is pending (the consumer is not asking for data)
 * it lapses. Between reads it does not keep Node running (unref), and it is cleared as soon as
 * the stream ends, fails or is cancelled. No read-ahead (`highWaterMark: 0`): a chunk is read
 * when the consumer asks for one, which measured as fast as a read-ahead of one chunk.
 */
export function wrapBody(body, expected, onProgress, failure, release, idleMs) {
  const reader = body.getReader();
  const timed = idleMs > 0;
  const progress = typeof onProgress === "function";
  let loaded = 0;
  let controller;
  let ended = false;
  // When the pending read started (ms), or -1 while no read is pending.
  let readSince = -1;
  let timer;
  // Ends the stream once: no timer stays scheduled and `release` runs.
  const end = () => {
    if (ended) return false;
    ended = true;
    if (timer !== undefined) {
      clearTimeout(timer);
      timer = undefined;
    }
    release();
    return true;
  };
  const fail = (err) => {
    if (end()) controller.error(err);
  };
  const onTimer = () => {
    timer = undefined;
    if (ended || readSince < 0) return;
    const left = readSince + idleMs - Date.now();
    if (left > 0) {
      timer = setTimeout(onTimer, left);
      return;
    }
    const err = failure(loaded, "idle");
    fail(err);
    // Settles the pending read, which then finds the stream ended.
    reader.cancel(err).catch(() => {});
  };
  return new ReadableStream(
    {
      start(c) {
        controller = c;
      },
      async pull() {
        if (timed) {
          readSince = Date.now();
          if (timer === undefined) timer = setTimeout(onTimer, idleMs);
          else timer.ref?.();
        }
        let r;
        try {
          r = await reader.read();
        } catch (_) {
          fail(failure(loaded, undefined));
          return;
        } finally {
          readSince = -1;
          timer?.unref?.();
        }
        if (ended) return;
        if (r.done) {
          if (expected !== undefined && loaded !== expected) {
            fail(failure(loaded, undefined));
          } else if (end()) {
            controller.close();
          }
          return;
        }
        loaded += r.value.byteLength;
        if (progress) {
          try {
            onProgress(expected === undefined ? { loaded } : { loaded, total: expected });
          } catch (_) {
            // A throwing progress callback must not break the download.
          }
        }
        controller.enqueue(r.value);
      },
      cancel(reason) {
        end();
        return reader.cancel(reason);
      },
    },
    { highWaterMark: 0 },
  );
}

/** Appends the items of the array `items` to the array `target`. */
export function appendAll(target, items) {
  for (let i = 0; i < items.length; i++) target.push(items[i]);
}

const ENTRY_TYPES = ["file", "dir", "symlink", "other"];

/**
 * Appends directory entries to `target`, unpacked from what the module hands over: `text`
 * holds each entry's name then its date, back to back; `numbers` holds five numbers per entry:
 * the name's and the date's lengths (UTF-16 units), the size (-1: none), the mode, the type
 * (index in ENTRY_TYPES). `path` is `prefix` + name. The objects have the fields, order and
 * values of the Rust `DirEntry` as JSON.
 */
export function appendEntries(target, prefix, text, numbers) {
  let at = 0;
  for (let i = 0; i < numbers.length; i += 5) {
    const name = text.slice(at, (at += numbers[i]));
    const last_modified = text.slice(at, (at += numbers[i + 1]));
    const size = numbers[i + 2];
    const mode = numbers[i + 3];
    const type = ENTRY_TYPES[numbers[i + 4]];
    const path = prefix + name;
    target.push(
      size < 0
        ? { name, mode, last_modified, type, path }
        : { name, size, mode, last_modified, type, path },
    );
  }
}

/**
 * Sorts directory entries by `path` in code point order, which is the byte order of the UTF-8
 * paths (what the Rust API sorts by). UTF-16 units differ from it only above U+D7FF: surrogates
 * (characters past U+FFFF) must sort after U+E000–U+FFFF.
 */
export function sortByPath(entries) {
  const unit = (c) => (c < 0xd800 ? c : c < 0xe000 ? c + 0x2000 : c - 0x800);
  entries.sort((a, b) => {
    const x = a.path;
    const y = b.path;
    const n = Math.min(x.length, y.length);
    for (let i = 0; i < n; i++) {
      const c = x.charCodeAt(i);
      const d = y.charCodeAt(i);
      if (c !== d) return unit(c) - unit(d);
    }
    return x.length - y.length;
  });
}

/** Gathers a stream into a Blob (browsers keep large Blobs on disk). */
export function streamToBlob(stream) {
  return new Response(stream).blob();
}

/** Makes an async iterable out of a `next()` function returning a Promise of a value or undefined. */
export function asyncIterable(next, cancel) {
  return {
    [Symbol.asyncIterator]() {
      return {
        async next() {
          const value = await next();
          return value === undefined ? { done: true, value: undefined } : { done: false, value };
        },
        async return() {
          if (typeof cancel === "function") await cancel();
          return { done: true, value: undefined };
        },
      };
    },
  };
}

// ───────────────────────────── unzip ─────────────────────────────

/** The reader of a ReadableStream, or undefined when `stream` has no getReader(). */
export function streamReader(stream) {
  if (stream === null || typeof stream !== "object" || typeof stream.getReader !== "function") {
    return undefined;
  }
  return stream.getReader();
}

const ENTRY_TOKEN = Symbol("ZipEntry");
// An entry's state, in symbol-keyed properties, and its helpers outside the class: private
// fields and methods would be lowered to WeakMaps and WeakSets by the package's ES2020 build,
// which cost more than reading a small file.
const RUN = Symbol("run");
const INDEX = Symbol("index");
const NAME = Symbol("name");
const TIME = Symbol("time");
const STATE = Symbol("state");

/** ISO 8601 UTC text of a time in seconds since the epoch, without fractional seconds. */
function isoSeconds(secs) {
  const text = new Date(secs * 1000).toISOString();
  return `${text.slice(0, -5)}Z`;
}

/**
 * One entry of an archive read by `unzip()`: a handle on its run, holding no WebAssembly
 * memory. Its content can be read once, with `bytes()`, `text()` or `stream()`; a second read,
 * or a read after `free()`, rejects with a PasserelleError (`invalid_input`).
 */
export class ZipEntry {
  constructor(token, run, index, name, secs) {
    if (token !== ENTRY_TOKEN) throw new TypeError("ZipEntry is not constructible: iterate unzip(…)");
    this[RUN] = run;
    this[INDEX] = index;
    this[NAME] = name;
    this[TIME] = secs;
    this[STATE] = 0; // 0 fresh, 1 used, 2 released
  }

  /** Path inside the archive (`/`-separated; folders end with `/`). */
  get name() {
    return this[NAME];
  }

  /** Whether the entry is a folder. */
  get is_dir() {
    return this[NAME].endsWith("/");
  }

  /** ISO 8601 UTC modification time. */
  get last_modified() {
    return isoSeconds(this[TIME]);
  }

  /** The whole content (bounded by `maxEntryBytes`, default 256 MiB, counted while reading). */
  bytes() {
    return collect(this, "read");
  }

  /** The content decoded as UTF-8 (invalid sequences become U+FFFD). */
  async text() {
    return new TextDecoder("utf-8").decode(await collect(this, "read"));
  }

  /** The content as a ReadableStream<Uint8Array>, produced as it is read. */
  stream() {
    try {
      take(this, "stream");
    } catch (err) {
      return new ReadableStream({ start: (c) => c.error(err) });
    }
    const run = this[RUN];
    const index = this[INDEX];
    const whole = run.whole(index);
    if (whole !== null) {
      // All of it is at hand already: no pulls.
      return new ReadableStream({
        start(controller) {
          if (whole !== undefined) controller.enqueue(whole);
          controller.close();
        },
      });
    }
    return new ReadableStream(
      {
        async pull(controller) {
          const chunk = await run.read(index);
          if (chunk === undefined) return controller.close();
          controller.enqueue(chunk);
          // Known to be the last block: close now rather than on one more pull.
          if (run.ended(index)) controller.close();
        },
      },
      { highWaterMark: 0 },
    );
  }

  /** Marks the entry released: later reads reject. (An entry holds no WebAssembly memory.) */
  free() {
    this[STATE] = 2;
  }
}

/** Marks `entry`'s content as read; throws when it was already read or released. */
function take(entry, what) {
  if (entry[STATE] !== 0) {
    const why = entry[STATE] === 1 ? "its content was already read" : "it was released with free()";
    throw makeError("invalid_input", `unzip(): cannot ${what} entry ${JSON.stringify(entry[NAME])}: ${why}; an entry's content can be read once`);
  }
  entry[STATE] = 1;
}

/**
 * `entry`'s whole content, bounded by its run's cap: a promise settled at once when the content
 * is at hand (no async function frame for the common small entry).
 */
function collect(entry, what) {
  try {
    take(entry, what);
  } catch (err) {
    return Promise.reject(err);
  }
  const run = entry[RUN];
  const index = entry[INDEX];
  const cap = run.cap;
  const whole = run.whole(index);
  if (whole === null) return collectBlocks(run, index, cap);
  if (whole !== undefined && whole.byteLength > cap) return Promise.reject(tooLarge(cap));
  return Promise.resolve(whole ?? new Uint8Array(0));
}

const tooLarge = (cap) => makeError("limit_exceeded", `unzip: the entry is larger than ${cap} bytes; read it with stream() or raise maxEntryBytes`);

async function collectBlocks(run, index, cap) {
  const blocks = [];
  let total = 0;
  for (;;) {
    const block = await run.read(index);
    if (block === undefined) break;
    total += block.byteLength;
    if (total > cap) {
      blocks.length = 0;
      throw tooLarge(cap);
    }
    blocks.push(block);
  }
  return blocks.length === 1 ? blocks[0] : concat(blocks, total);
}

function concat(blocks, total) {
  const out = new Uint8Array(total);
  let at = 0;
  for (const b of blocks) {
    out.set(b, at);
    at += b.byteLength;
  }
  return out;
}

/**
 * The AsyncIterable of `unzip()` over one session's synchronous calls: `next()` answers a batch
 * of entries `[names, nums, data, spill]` (names joined by NUL; per entry in `nums`: time in
 * seconds, bytes of its data in `data`, 1 when that is all of it — else the entry is open, the
 * batch's last, with `spill` as its next block when defined), undefined at the end, or null
 * when it needs the next source chunk; `read()` the current entry's next block, undefined at
 * its end, or null; `feed(chunk | undefined)` hands it a source chunk (or the end);
 * `release()` drops the session's memory. A call that throws has ended the run. The source
 * `reader` is read here, one chunk when a call asks for it, after checking `signal`.
 */
export function unzipIterable(reader, signal, next, read, feed, release, collectCap) {
  let done = false;
  let busy = false;
  let index = 0; // the current entry (0: none yet)
  let first; // its next block(s) at hand: a Uint8Array, or an array of them
  let complete = true; // whether its data was read to the end by the session
  // The batch being handed out.
  let names = [];
  let nums;
  let data;
  let spill;
  let at = 0; // next entry of the batch
  let offset = 0; // its data's offset in `data`
  const finish = (cancelSource) => {
    if (!done) {
      done = true;
      names = [];
      release();
      if (cancelSource) cancelReader(reader);
    }
  };
  const fail = (err) => {
    finish(true);
    throw err;
  };
  const aborted = () => makeError("aborted", "unzip: aborted");
  // Reads and feeds the next source chunk.
  const pump = async () => {
    if (signal !== undefined && signal.aborted) throw aborted();
    let r;
    try {
      r = await reader.read();
    } catch (err) {
      if (err instanceof PasserelleError) throw err;
      throw makeError("truncated", "unzip: the source stream failed before the archive was complete");
    }
    if (done) throw makeError("invalid_input", "unzip(): this archive's reading is over (finished, failed or cancelled)");
    if (r.done) return feed(undefined);
    if (!(r.value instanceof Uint8Array)) {
      throw makeError("invalid_input", "unzip(): the stream must yield Uint8Array chunks");
    }
    feed(r.value);
  };
  // Calls `step` until it answers, reading the source when it asks for a chunk. The answer
  // comes as a plain value when no chunk was needed (most calls), else as a promise.
  const drive = (step) => {
    if (busy) return Promise.reject(makeError("invalid_input", "unzip(): wait for the previous read to finish before starting another"));
    let r;
    try {
      r = step();
    } catch (err) {
      finish(true);
      return Promise.reject(err);
    }
    return r === null ? driveAsync(step) : r;
  };
  const driveAsync = async (step) => {
    busy = true;
    try {
      for (;;) {
        await pump();
        const r = step();
        if (r !== null) return r;
      }
    } catch (err) {
      fail(err);
    } finally {
      busy = false;
    }
  };
  const takeFirst = () => {
    const b = first;
    if (Array.isArray(b)) {
      first = b.length > 1 ? b[1] : undefined;
      return b[0];
    }
    first = undefined;
    return b;
  };
  const run = {
    cap: collectCap,
    /** The entry's next block (a value when at hand, else a promise), or undefined at its end. */
    read(i) {
      if (i !== index) {
        return Promise.reject(makeError("invalid_input", "unzip(): this entry's data is gone; read it before moving to the next entry"));
      }
      if (first !== undefined) return takeFirst();
      if (complete) return undefined;
      if (done) return Promise.reject(makeError("invalid_input", "unzip(): this archive's reading is over (finished, failed or cancelled)"));
      return drive(() => {
        if (signal !== undefined && signal.aborted) throw aborted();
        const b = read();
        if (b === undefined) complete = true;
        return b;
      });
    },
    /** Whether entry `i` has nothing left to read. */
    ended(i) {
      return i === index && first === undefined && complete;
    },
    /**
     * When entry `i`'s whole content is at hand: takes it (a Uint8Array, or undefined when
     * empty); else null.
     */
    whole(i) {
      if (i !== index || !complete) return null;
      const b = first;
      first = undefined;
      return Array.isArray(b) ? concat(b, b[0].byteLength + b[1].byteLength) : b;
    },
  };
  const step = () => {
    if (signal !== undefined && signal.aborted) throw aborted();
    return next();
  };
  // Hands out the batch's next entry.
  const take = () => {
    const k = at++;
    const len = nums[3 * k + 1];
    const view = len > 0 ? data.subarray(offset, offset + len) : undefined;
    offset += len;
    index++;
    complete = nums[3 * k + 2] === 1;
    if (at === names.length && spill !== undefined) {
      first = view === undefined ? spill : [view, spill];
    } else {
      first = view;
    }
    return { done: false, value: new ZipEntry(ENTRY_TOKEN, run, index, names[k], nums[3 * k]) };
  };
  const batch = (fields) => {
    if (fields === undefined) {
      finish(false);
      return { done: true, value: undefined };
    }
    names = fields[0].split("\0");
    nums = fields[1];
    data = fields[2];
    spill = fields[3];
    at = 0;
    offset = 0;
    return take();
  };
  return {
    [Symbol.asyncIterator]() {
      return {
        next() {
          if (done) return Promise.resolve({ done: true, value: undefined });
          if (at < names.length) {
            if (signal !== undefined && signal.aborted) {
              finish(true);
              return Promise.reject(aborted());
            }
            return Promise.resolve(take());
          }
          const fields = drive(step);
          return fields instanceof Promise ? fields.then(batch) : Promise.resolve(batch(fields));
        },
        async return() {
          finish(true);
          return { done: true, value: undefined };
        },
      };
    },
  };
}
