// A small synchronous DEFLATE (RFC 1951) decoder, bundled into the package's entry files: the
// WebAssembly module ships inside the JavaScript as base64 of its raw-deflated bytes (about the
// gzip size of the .wasm, where plain base64 costs ~30% more after gzip), and is inflated here
// before a synchronous `WebAssembly.Module`. It only ever reads the package's own module, built
// by scripts/build; a corrupt input makes WebAssembly compilation fail.

// Base lengths and extra bits of length codes 257–285, and of distance codes 0–29.
const LEN_BASE = [3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195, 227, 258];
const LEN_EXTRA = [0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0];
const DIST_BASE = [1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193, 257, 385, 513, 769, 1025, 1537, 2049, 3073, 4097, 6145, 8193, 12289, 16385, 24577];
const DIST_EXTRA = [0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13];
// Order in which a dynamic block sends the code lengths of its code-length alphabet.
const CL_ORDER = [16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15];

// A canonical Huffman code as a lookup table indexed by the next 9 (or fewer) bits, read
// least-significant first; longer codes fall back to a bit-by-bit walk over `count`/`symbols`.
function huffman(lengths) {
  const count = new Uint16Array(16);
  for (const l of lengths) count[l]++;
  count[0] = 0;
  const offset = new Uint16Array(16);
  for (let l = 1; l < 16; l++) offset[l] = offset[l - 1] + count[l - 1];
  const symbols = new Uint16Array(lengths.length);
  for (let s = 0; s < lengths.length; s++) if (lengths[s]) symbols[offset[lengths[s]]++] = s;
  // Fast table: entry = symbol << 4 | length, for codes of at most FAST bits (0 = not there).
  const table = new Uint32Array(1 << FAST);
  let code = 0;
  let index = 0;
  for (let len = 1; len <= FAST; len++) {
    for (let k = 0; k < count[len]; k++, code++, index++) {
      // The code's bits reversed (Huffman codes are sent most-significant bit first).
      let rev = 0;
      for (let b = 0; b < len; b++) rev |= ((code >> b) & 1) << (len - 1 - b);
      for (let fill = rev; fill < 1 << FAST; fill += 1 << len) table[fill] = (symbols[index] << 4) | len;
    }
    code <<= 1;
  }
  return { count, symbols, table };
}
const FAST = 9;

/**
 * Inflates raw DEFLATE data whose inflated size is known.
 * @param {Uint8Array} input The compressed bytes.
 * @param {number} size The inflated size in bytes.
 * @returns {Uint8Array}
 */
export function inflateRaw(input, size) {
  const out = new Uint8Array(size);
  let pos = 0; // next input byte
  let buf = 0; // bits not consumed yet, least-significant first
  let have = 0; // how many
  let at = 0; // next output byte

  const need = (n) => {
    while (have < n) {
      buf |= (input[pos++] ?? 0) << have;
      have += 8;
    }
  };
  const bits = (n) => {
    need(n);
    const v = buf & ((1 << n) - 1);
    buf >>>= n;
    have -= n;
    return v;
  };
  const decode = (h) => {
    need(FAST);
    const hit = h.table[buf & ((1 << FAST) - 1)];
    if (hit) {
      buf >>>= hit & 15;
      have -= hit & 15;
      return hit >> 4;
    }
    // Slow path: walk the canonical code one bit at a time.
    let code = 0;
    let first = 0;
    let index = 0;
    for (let len = 1; len < 16; len++) {
      code |= bits(1);
      const c = h.count[len];
      if (code - first < c) return h.symbols[index + code - first];
      index += c;
      first = (first + c) << 1;
      code <<= 1;
    }
    throw new Error("passerelle: corrupt embedded WebAssembly module");
  };

  let fixed;
  let last = 0;
  while (!last) {
    last = bits(1);
    const type = bits(2);
    if (type === 0) {
      // Stored block: skip to the byte boundary (fewer than 8 bits are ever buffered beyond it).
      buf = 0;
      have = 0;
      const len = input[pos] | (input[pos + 1] << 8);
      pos += 4;
      out.set(input.subarray(pos, pos + len), at);
      pos += len;
      at += len;
      continue;
    }
    let lit;
    let dist;
    if (type === 1) {
      if (!fixed) {
        const l = new Uint8Array(288);
        l.fill(8, 0, 144).fill(9, 144, 256).fill(7, 256, 280).fill(8, 280, 288);
        fixed = [huffman(l), huffman(new Uint8Array(30).fill(5))];
      }
      [lit, dist] = fixed;
    } else if (type === 2) {
      const nlit = bits(5) + 257;
      const ndist = bits(5) + 1;
      const ncl = bits(4) + 4;
      const cl = new Uint8Array(19);
      for (let i = 0; i < ncl; i++) cl[CL_ORDER[i]] = bits(3);
      const clCode = huffman(cl);
      const lengths = new Uint8Array(nlit + ndist);
      for (let i = 0; i < nlit + ndist; ) {
        const sym = decode(clCode);
        if (sym < 16) {
          lengths[i++] = sym;
          continue;
        }
        const prev = sym === 16 ? lengths[i - 1] : 0;
        let repeat = sym === 16 ? 3 + bits(2) : sym === 17 ? 3 + bits(3) : 11 + bits(7);
        while (repeat--) lengths[i++] = prev;
      }
      lit = huffman(lengths.subarray(0, nlit));
      dist = huffman(lengths.subarray(nlit));
    } else {
      throw new Error("passerelle: corrupt embedded WebAssembly module");
    }
    for (;;) {
      let sym = decode(lit);
      if (sym < 256) {
        out[at++] = sym;
      } else if (sym === 256) {
        break;
      } else {
        sym -= 257;
        const len = LEN_BASE[sym] + bits(LEN_EXTRA[sym]);
        const d = decode(dist);
        const from = at - (DIST_BASE[d] + bits(DIST_EXTRA[d]));
        for (let i = 0; i < len; i++) out[at + i] = out[from + i];
        at += len;
      }
    }
  }
  return out;
}

/**
 * The module embedded by scripts/build: base64 of raw DEFLATE, inflated to `size` bytes.
 * @param {string} base64
 * @param {number} size
 */
export function embeddedModule(base64, size) {
  const text = atob(base64);
  const bytes = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) bytes[i] = text.charCodeAt(i);
  return inflateRaw(bytes, size);
}
