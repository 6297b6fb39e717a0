//! A one-shot raw Deflate decoder for entries whose whole compressed data is already fed: small
//! files, the common case of an archive of many of them.
//!
//! The streaming inflater rebuilds its Huffman tables for every block, the fixed ones included,
//! and for a file of a few dozen bytes that costs more than the rest of its reading. This decoder
//! keeps the fixed tables from entry to entry and builds a dynamic block's tables in one pass. It
//! only ever answers "here is the whole entry" or "not me": when the input stops before the end
//! of the stream, the output would exceed the room given, or anything is unusual (an invalid or
//! incomplete code, a distance reaching before the entry's first byte), it gives up and the
//! streaming inflater reads the entry from its first byte, with its own error reporting. So it
//! changes the speed of reading, never what is read or what is refused.

use std::sync::OnceLock;

/// Bits looked up at once; longer codes (10 to 15 bits, rare) are decoded bit by bit.
const FAST_BITS: u32 = 9;
const FAST_SIZE: usize = 1 << FAST_BITS;

/// Length base and extra bits for length symbols 257..=285.
const LEN_BASE: [u16; 29] = [
    3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59, 67, 83, 99, 115, 131,
    163, 195, 227, 258,
];
const LEN_EXTRA: [u8; 29] = [
    0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0,
];
/// Distance base and extra bits for distance symbols 0..=29.
const DIST_BASE: [u16; 30] = [
    1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193, 257, 385, 513, 769, 1025, 1537,
    2049, 3073, 4097, 6145, 8193, 12289, 16385, 24577,
];
const DIST_EXTRA: [u8; 30] = [
    0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13,
    13,
];
/// Order of the code length code lengths in a dynamic block header.
const CL_ORDER: [usize; 19] = [
    16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15,
];

/// A canonical Huffman code: a table for codes of up to [`FAST_BITS`] bits (entry: symbol << 4 |
/// length, 0 where no such code), and counts and sorted symbols for the longer ones.
struct Code {
    fast: [u16; FAST_SIZE],
    count: [u16; 16],
    symbols: [u16; 288],
}

impl Code {
    const fn empty() -> Code {
        Code {
            fast: [0; FAST_SIZE],
            count: [0; 16],
            symbols: [0; 288],
        }
    }

    /// Builds the code from its code lengths; `None` when they over-subscribe the code space.
    fn build(&mut self, lengths: &[u8]) -> Option<()> {
        self.count = [0; 16];
        for &l in lengths {
            *self.count.get_mut(usize::from(l))? += 1;
        }
        self.count[0] = 0;
        let mut offsets = [0u16; 16];
        let mut left: i32 = 1;
        for len in 1..16 {
            left = (left << 1) - i32::from(self.count[len]);
            if left < 0 {
                return None;
            }
            offsets[len] = offsets[len - 1] + self.count[len - 1];
        }
        let mut next = offsets;
        for (sym, &l) in (0u16..).zip(lengths) {
            if l != 0 {
                let slot = next.get_mut(usize::from(l))?;
                *self.symbols.get_mut(usize::from(*slot))? = sym;
                *slot += 1;
            }
        }
        // Fast table: walk the codes in canonical order, writing each short one (bit-reversed,
        // as the stream sends them) at every index its bits prefix.
        self.fast = [0; FAST_SIZE];
        let mut code: u32 = 0;
        let mut index = 0usize;
        for len in 1..=FAST_BITS {
            for _ in 0..self.count[len as usize] {
                let sym = *self.symbols.get(index)?;
                let rev = code.reverse_bits() >> (32 - len);
                let entry = (sym << 4) | len as u16;
                let mut at = rev as usize;
                while at < FAST_SIZE {
                    self.fast[at] = entry;
                    at += 1 << len;
                }
                code += 1;
                index += 1;
            }
            code <<= 1;
        }
        Some(())
    }
}

/// The fixed codes of block type 1, built once.
struct Fixed {
    lit: Code,
    dist: Code,
}

fn fixed() -> &'static Fixed {
    static FIXED: OnceLock<Box<Fixed>> = OnceLock::new();
    FIXED.get_or_init(|| {
        let mut f = Box::new(Fixed {
            lit: Code::empty(),
            dist: Code::empty(),
        });
        let mut lengths = [0u8; 288];
        for (i, l) in lengths.iter_mut().enumerate() {
            *l = match i {
                0..=143 => 8,
                144..=255 => 9,
                256..=279 => 7,
                _ => 8,
            };
        }
        // Both are complete codes: building them cannot fail.
        let _ = f.lit.build(&lengths);
        let _ = f.dist.build(&[5; 30]);
        f
    })
}

/// Bits of the input, least significant first.
struct Bits<'a> {
    input: &'a [u8],
    pos: usize,
    buf: u64,
    count: u32,
}

impl Bits<'_> {
    /// Tops the buffer up to at least 56 bits, or to the end of the input.
    #[inline(always)]
    fn refill(&mut self) {
        if let Some(word) = self.input.get(self.pos..self.pos + 8) {
            let mut b = [0u8; 8];
            b.copy_from_slice(word);
            // The bits past the whole bytes counted are those of the next bytes, which a later
            // refill adds again at the same place: or-ing them twice changes nothing.
            self.buf |= u64::from_le_bytes(b) << self.count;
            let n = (63 - self.count) / 8;
            self.pos += n as usize;
            self.count += n * 8;
            return;
        }
        self.refill_tail();
    }

    /// [`refill`](Self::refill) near the end of the input, a byte at a time.
    #[cold]
    #[inline(never)]
    fn refill_tail(&mut self) {
        while self.count <= 56 {
            let Some(&b) = self.input.get(self.pos) else {
                return;
            };
            self.buf |= u64::from(b) << self.count;
            self.pos += 1;
            self.count += 8;
        }
    }

    /// The next `n` (≤ 32) bits; `None` when the input ends first.
    #[inline]
    fn take(&mut self, n: u32) -> Option<u32> {
        if self.count < n {
            self.refill();
            if self.count < n {
                return None;
            }
        }
        let v = (self.buf & ((1u64 << n) - 1)) as u32;
        self.buf >>= n;
        self.count -= n;
        Some(v)
    }

    /// The next symbol of `code`.
    #[inline(always)]
    fn decode(&mut self, code: &Code) -> Option<u16> {
        if self.count < 15 {
            self.refill();
        }
        let entry = code.fast[(self.buf as usize) & (FAST_SIZE - 1)];
        let len = u32::from(entry & 15);
        if len != 0 {
            if len > self.count {
                return None;
            }
            self.buf >>= len;
            self.count -= len;
            return Some(entry >> 4);
        }
        self.decode_long(code)
    }

    /// A code longer than [`FAST_BITS`], or an invalid one: bit by bit.
    #[cold]
    #[inline(never)]
    fn decode_long(&mut self, code: &Code) -> Option<u16> {
        let (mut code_val, mut first, mut index) = (0i32, 0i32, 0i32);
        for len in 1..16 {
            code_val |= self.take(1)? as i32;
            let count = i32::from(code.count[len]);
            if code_val - first < count {
                return code
                    .symbols
                    .get((index + code_val - first) as usize)
                    .copied();
            }
            index += count;
            first = (first + count) << 1;
            code_val <<= 1;
        }
        None
    }

    /// Input bytes used so far (the bits left of a partly read byte belong to it).
    fn used(&self) -> usize {
        self.pos - (self.count / 8) as usize
    }
}

/// Decodes the raw Deflate stream at the start of `input` into `out`: `Some((input bytes used,
/// bytes written))` when the whole stream was there and its output fits in `out`; `None`
/// otherwise (see the module documentation).
pub(super) fn inflate(input: &[u8], out: &mut [u8]) -> Option<(usize, usize)> {
    let mut bits = Bits {
        input,
        pos: 0,
        buf: 0,
        count: 0,
    };
    let mut written = 0usize;
    let mut dynamic: Option<Box<(Code, Code)>> = None;
    loop {
        let last = bits.take(1)? == 1;
        match bits.take(2)? {
            0 => {
                // Stored: byte-aligned LEN, NLEN, then LEN bytes.
                let skip = bits.count % 8;
                bits.take(skip)?;
                let len = bits.take(16)?;
                let nlen = bits.take(16)?;
                if len != !nlen & 0xffff {
                    return None;
                }
                // Whole bytes still in the bit buffer come first.
                let mut len = len as usize;
                while len > 0 && bits.count >= 8 {
                    *out.get_mut(written)? = bits.take(8)? as u8;
                    written += 1;
                    len -= 1;
                }
                if bits.count == 0 {
                    // Nothing left in the buffer but look-ahead bits, which the jump makes stale.
                    bits.buf = 0;
                }
                let src = input.get(bits.pos..bits.pos + len)?;
                out.get_mut(written..written + len)?.copy_from_slice(src);
                written += len;
                bits.pos += len;
            }
            1 => {
                let f = fixed();
                written = codes(&mut bits, out, written, &f.lit, &f.dist)?;
            }
            2 => {
                let tables =
                    dynamic.get_or_insert_with(|| Box::new((Code::empty(), Code::empty())));
                read_dynamic(&mut bits, &mut tables.0, &mut tables.1)?;
                written = codes(&mut bits, out, written, &tables.0, &tables.1)?;
            }
            _ => return None,
        }
        if last {
            return Some((bits.used(), written));
        }
    }
}

/// Reads a dynamic block's header into its two codes.
fn read_dynamic(bits: &mut Bits<'_>, lit: &mut Code, dist: &mut Code) -> Option<()> {
    let nlit = bits.take(5)? as usize + 257;
    let ndist = bits.take(5)? as usize + 1;
    let ncl = bits.take(4)? as usize + 4;
    if nlit > 286 || ndist > 30 {
        return None;
    }
    let mut cl_lengths = [0u8; 19];
    for &i in CL_ORDER.get(..ncl)? {
        cl_lengths[i] = bits.take(3)? as u8;
    }
    let mut cl = Code::empty();
    cl.build(&cl_lengths)?;
    let mut lengths = [0u8; 286 + 30];
    let mut i = 0;
    while i < nlit + ndist {
        let sym = bits.decode(&cl)?;
        let (value, repeat) = match sym {
            0..=15 => (sym as u8, 1),
            16 => (*lengths.get(i.checked_sub(1)?)?, 3 + bits.take(2)? as usize),
            17 => (0, 3 + bits.take(3)? as usize),
            18 => (0, 11 + bits.take(7)? as usize),
            _ => return None,
        };
        lengths.get_mut(i..i + repeat)?.fill(value);
        i += repeat;
    }
    if i != nlit + ndist || lengths[256] == 0 {
        return None;
    }
    lit.build(lengths.get(..nlit)?)?;
    dist.build(lengths.get(nlit..nlit + ndist)?)
}

/// Decodes one Huffman-coded block's symbols up to its end-of-block; the new output length.
fn codes(
    bits: &mut Bits<'_>,
    out: &mut [u8],
    mut written: usize,
    lit: &Code,
    dist: &Code,
) -> Option<usize> {
    loop {
        let sym = bits.decode(lit)?;
        match sym {
            0..=255 => {
                *out.get_mut(written)? = sym as u8;
                written += 1;
            }
            256 => return Some(written),
            _ => {
                let i = usize::from(sym - 257);
                let len =
                    usize::from(*LEN_BASE.get(i)?) + bits.take(u32::from(LEN_EXTRA[i]))? as usize;
                let d = usize::from(bits.decode(dist)?);
                let distance =
                    usize::from(*DIST_BASE.get(d)?) + bits.take(u32::from(DIST_EXTRA[d]))? as usize;
                if distance > written || written + len > out.len() {
                    return None;
                }
                let from = written - distance;
                if distance >= len {
                    out.copy_within(from..from + len, written);
                } else {
                    for k in 0..len {
                        out[written + k] = out[from + k];
                    }
                }
                written += len;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use miniz_oxide::deflate::compress_to_vec;

    fn sample(n: usize) -> Vec<u8> {
        (0..n)
            .map(|i| b"PRM;2026-07-21;12.5;kWh\n"[i % 24] ^ ((i / 97) as u8 & 3))
            .collect()
    }

    #[test]
    fn reads_what_miniz_writes_at_every_level() {
        for n in [0, 1, 37, 300, 5000, 40_000] {
            let data = sample(n);
            for level in [0, 1, 6, 9] {
                let mut z = compress_to_vec(&data, level);
                z.extend_from_slice(b"PK\x07\x08trailing");
                let mut out = vec![0; 65536];
                let (used, written) = inflate(&z, &mut out).expect("decoded");
                assert_eq!(&out[..written], &data[..], "n {n} level {level}");
                assert_eq!(&z[used..], b"PK\x07\x08trailing");
            }
        }
    }

    #[test]
    fn corrupted_streams_decode_as_miniz_does_or_not_at_all() {
        use miniz_oxide::inflate::decompress_to_vec;
        let mut seed = 0x2545_f491_4f6c_dd1du64;
        let mut next = || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        let mut out = vec![0; 65536];
        let mut agreed = 0;
        for round in 0..3000 {
            let mut z = compress_to_vec(&sample(40 + round % 700), (round % 10) as u8);
            for _ in 0..=(round % 3) {
                let at = (next() as usize) % z.len();
                z[at] ^= 1 << (next() % 8);
            }
            if let Some((used, written)) = inflate(&z, &mut out) {
                if let Ok(expected) = decompress_to_vec(&z[..used]) {
                    assert_eq!(&out[..written], &expected[..], "round {round}");
                    agreed += 1;
                }
            }
        }
        assert!(
            agreed > 100,
            "only {agreed} corrupted streams still decoded"
        );
    }

    #[test]
    fn short_stored_block_then_more() {
        // A 1-byte stored block, then a final empty fixed block: the stored byte comes out of
        // the bit buffer, and the next block header after it.
        let z = [0x00, 0x01, 0x00, 0xfe, 0xff, 0x41, 0x03, 0x00, 0xaa];
        let mut out = vec![0; 16];
        assert_eq!(inflate(&z, &mut out), Some((8, 1)));
        assert_eq!(out[0], b'A');
    }

    #[test]
    fn gives_up_on_short_input_small_room_and_garbage() {
        let data = sample(5000);
        let z = compress_to_vec(&data, 6);
        let mut out = vec![0; 65536];
        for cut in [0, 1, 2, z.len() / 2, z.len() - 1] {
            assert_eq!(inflate(&z[..cut], &mut out), None, "cut {cut}");
        }
        assert_eq!(inflate(&z, &mut out[..4999]), None);
        assert!(inflate(&[0xff; 64], &mut out).is_none());
        // A distance reaching before the first byte (zlib: "invalid distance too far back"),
        // next to the same fixed block without it.
        assert_eq!(inflate(&[0x03, 0x02, 0x00, 0x00], &mut out), None);
        assert_eq!(inflate(&[0x03, 0x00], &mut out), Some((2, 0)));
    }
}
