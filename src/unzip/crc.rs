//! CRC-32 as zip uses it (IEEE 802.3, reflected, polynomial `0xEDB88320`), slice-by-8.
//!
//! The eight 256-entry tables (8 KiB) are computed on first use rather than stored in the
//! binary: a static table is incompressible data that every download of the `.wasm` pays for,
//! while computing it takes a few microseconds once per instance.

use std::sync::OnceLock;

const POLY: u32 = 0xEDB8_8320;

type Tables = [[u32; 256]; 8];

static TABLES: OnceLock<Box<Tables>> = OnceLock::new();

fn tables() -> &'static Tables {
    TABLES.get_or_init(|| {
        let mut t: Box<Tables> = Box::new([[0; 256]; 8]);
        let [first, rest @ ..] = &mut *t;
        for (i, slot) in (0u32..).zip(first.iter_mut()) {
            let mut c = i;
            for _ in 0..8 {
                c = if c & 1 != 0 { POLY ^ (c >> 1) } else { c >> 1 };
            }
            *slot = c;
        }
        // Table k advances a byte's contribution by k more zero bytes.
        let mut prev: [u32; 256] = *first;
        for table in rest.iter_mut() {
            for (slot, &p) in table.iter_mut().zip(prev.iter()) {
                *slot = (p >> 8) ^ first[usize::from(p as u8)];
            }
            prev = *table;
        }
        t
    })
}

/// A running CRC-32.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Crc32 {
    state: u32,
}

impl Default for Crc32 {
    fn default() -> Crc32 {
        Crc32::new()
    }
}

impl Crc32 {
    pub(crate) fn new() -> Crc32 {
        Crc32 { state: !0 }
    }

    /// Adds `data`.
    pub(crate) fn update(&mut self, data: &[u8]) {
        let t = tables();
        let [t0, t1, t2, t3, t4, t5, t6, t7] = t;
        let at = |table: &[u32; 256], byte: u32| table[(byte & 0xff) as usize];
        let mut c = self.state;
        let mut blocks = data.chunks_exact(8);
        for b in &mut blocks {
            let lo = c ^ u32::from_le_bytes([b[0], b[1], b[2], b[3]]);
            let hi = u32::from_le_bytes([b[4], b[5], b[6], b[7]]);
            c = at(t7, lo)
                ^ at(t6, lo >> 8)
                ^ at(t5, lo >> 16)
                ^ at(t4, lo >> 24)
                ^ at(t3, hi)
                ^ at(t2, hi >> 8)
                ^ at(t1, hi >> 16)
                ^ at(t0, hi >> 24);
        }
        for &b in blocks.remainder() {
            c = (c >> 8) ^ at(t0, c ^ u32::from(b));
        }
        self.state = c;
    }

    /// The CRC-32 of everything added so far.
    pub(crate) fn value(&self) -> u32 {
        !self.state
    }
}

/// The CRC-32 of `data`.
pub(crate) fn hash(data: &[u8]) -> u32 {
    let mut c = Crc32::new();
    c.update(data);
    c.value()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Bit by bit, straight from the definition.
    fn reference(data: &[u8]) -> u32 {
        let mut c = !0u32;
        for &b in data {
            c ^= u32::from(b);
            for _ in 0..8 {
                c = if c & 1 != 0 { POLY ^ (c >> 1) } else { c >> 1 };
            }
        }
        !c
    }

    #[test]
    fn known_values() {
        assert_eq!(hash(b""), 0);
        assert_eq!(hash(b"123456789"), 0xCBF4_3926);
        assert_eq!(
            hash(b"The quick brown fox jumps over the lazy dog"),
            0x414F_A339
        );
    }

    #[test]
    fn matches_the_definition_at_every_length_and_split() {
        let data: Vec<u8> = (0u32..1000)
            .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
            .collect();
        for len in [0, 1, 7, 8, 9, 15, 16, 17, 63, 64, 65, 999, 1000] {
            let slice = &data[..len];
            assert_eq!(hash(slice), reference(slice), "length {len}");
            for split in [0, 1, 3, 8, len / 2, len] {
                let split = split.min(len);
                let mut c = Crc32::new();
                c.update(&slice[..split]);
                c.update(&slice[split..]);
                assert_eq!(c.value(), reference(slice), "length {len} split {split}");
            }
        }
    }
}
