//! The input bytes fed but not yet consumed.

/// Capacity kept after the buffer empties; a larger one is released.
const KEEP_CAPACITY: usize = 256 * 1024;

/// A FIFO of input bytes that knows the archive offset of its first byte.
#[derive(Debug, Default)]
pub(super) struct InputBuffer {
    data: Vec<u8>,
    start: usize,
    consumed: u64,
}

impl InputBuffer {
    /// Appends a chunk. Consumed bytes are dropped first when they are at least half of the
    /// storage, which keeps copying amortised O(1) per byte.
    pub(super) fn push(&mut self, chunk: &[u8]) {
        if self.start > 0 && self.start >= self.data.len() - self.start {
            self.data.drain(..self.start);
            self.start = 0;
        }
        self.data.extend_from_slice(chunk);
    }

    /// The unconsumed bytes.
    pub(super) fn bytes(&self) -> &[u8] {
        self.data.get(self.start..).unwrap_or_default()
    }

    /// Number of unconsumed bytes.
    pub(super) fn len(&self) -> usize {
        self.data.len() - self.start
    }

    /// Archive offset of the first unconsumed byte (= bytes consumed so far).
    pub(super) fn offset(&self) -> u64 {
        self.consumed
    }

    /// Drops `n` bytes from the front (at most all of them).
    pub(super) fn consume(&mut self, n: usize) {
        let n = n.min(self.len());
        self.start += n;
        self.consumed += n as u64;
        if self.start == self.data.len() {
            self.data.clear();
            self.start = 0;
            if self.data.capacity() > KEEP_CAPACITY {
                self.data.shrink_to(KEEP_CAPACITY);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fifo_with_offsets() {
        let mut b = InputBuffer::default();
        b.push(b"hello");
        b.consume(2);
        assert_eq!(b.bytes(), b"llo");
        b.push(b" world");
        assert_eq!(b.bytes(), b"llo world");
        assert_eq!(b.offset(), 2);
        b.consume(100);
        assert_eq!(b.len(), 0);
        assert_eq!(b.offset(), 11);
        b.push(b"!");
        assert_eq!(b.bytes(), b"!");
    }
}
