//! An entry's data: stored bytes counted out, or a raw Deflate stream whose end the inflater
//! finds. Keeps the CRC-32 and both sizes of what went through.

use miniz_oxide::inflate::stream::{inflate, InflateState, MinReset};
use miniz_oxide::{DataFormat, MZError, MZFlush, MZStatus};

use super::crc::Crc32;
use super::whole;

/// What one step produced.
#[derive(Debug)]
pub(super) enum Progress {
    /// `n` uncompressed bytes were written at the start of the output block.
    Data(usize),
    /// Input was consumed but nothing came out yet; step again.
    Continue,
    /// More input is needed.
    NeedInput,
    /// The data is over (stored count reached, or the Deflate stream's final block ended).
    Finished,
}

enum Kind {
    Stored { remaining: u64 },
    Deflate { done: bool },
}

/// The data of the entry being read.
pub(super) struct Body {
    kind: Kind,
    hasher: Crc32,
    /// Compressed bytes consumed.
    pub(super) compressed: u64,
    /// Uncompressed bytes produced.
    pub(super) uncompressed: u64,
}

impl Body {
    pub(super) fn stored(size: u64) -> Body {
        Body::with(Kind::Stored { remaining: size })
    }

    pub(super) fn deflate() -> Body {
        Body::with(Kind::Deflate { done: false })
    }

    fn with(kind: Kind) -> Body {
        Body {
            kind,
            hasher: Crc32::new(),
            compressed: 0,
            uncompressed: 0,
        }
    }

    /// Whether all the data has been produced (stored count reached, or the end of the Deflate
    /// stream seen).
    pub(super) fn is_complete(&self) -> bool {
        match self.kind {
            Kind::Stored { remaining } => remaining == 0,
            Kind::Deflate { done } => done,
        }
    }

    /// CRC-32 of the bytes produced so far.
    pub(super) fn crc(&self) -> u32 {
        self.hasher.value()
    }

    /// One step: reads from `input`, writes at most `out.len()` bytes to `out`. Returns the
    /// number of input bytes consumed and the progress; `None` when the Deflate stream is
    /// invalid. `inflater` must have been reset for this entry before its first step.
    pub(super) fn step(
        &mut self,
        input: &[u8],
        out: &mut [u8],
        inflater: &mut InflateState,
    ) -> Option<(usize, Progress)> {
        match &mut self.kind {
            Kind::Stored { remaining } => {
                if *remaining == 0 {
                    return Some((0, Progress::Finished));
                }
                let n = usize::try_from(*remaining)
                    .unwrap_or(usize::MAX)
                    .min(input.len())
                    .min(out.len());
                if n == 0 {
                    return Some((0, Progress::NeedInput));
                }
                let (Some(src), Some(dst)) = (input.get(..n), out.get_mut(..n)) else {
                    return Some((0, Progress::NeedInput));
                };
                dst.copy_from_slice(src);
                *remaining -= n as u64;
                self.hasher.update(src);
                self.compressed += n as u64;
                self.uncompressed += n as u64;
                Some((n, Progress::Data(n)))
            }
            Kind::Deflate { done } => {
                if *done {
                    return Some((0, Progress::Finished));
                }
                if self.compressed == 0 {
                    // All of a small entry may be at hand: then it is read in one go.
                    if let Some((used, written)) = whole::inflate(input, out) {
                        *done = true;
                        self.compressed = used as u64;
                        self.uncompressed = written as u64;
                        let data = out.get(..written).unwrap_or_default();
                        self.hasher.update(data);
                        let progress = if written > 0 {
                            Progress::Data(written)
                        } else {
                            Progress::Finished
                        };
                        return Some((used, progress));
                    }
                }
                let r = inflate(inflater, input, out, MZFlush::None);
                let (used, written) = (r.bytes_consumed, r.bytes_written);
                self.compressed += used as u64;
                self.uncompressed += written as u64;
                self.hasher.update(out.get(..written).unwrap_or_default());
                let progress = match r.status {
                    Ok(MZStatus::StreamEnd) => {
                        *done = true;
                        if written > 0 {
                            Progress::Data(written)
                        } else {
                            Progress::Finished
                        }
                    }
                    Ok(_) | Err(MZError::Buf) => {
                        if written > 0 {
                            Progress::Data(written)
                        } else if used > 0 {
                            Progress::Continue
                        } else {
                            Progress::NeedInput
                        }
                    }
                    Err(_) => return None,
                };
                Some((used, progress))
            }
        }
    }
}

/// A fresh raw-Deflate inflater (about 43 KiB, boxed: the 32 KiB window lives in it).
pub(super) fn new_inflater() -> Box<InflateState> {
    InflateState::new_boxed(DataFormat::Raw)
}

/// Prepares `inflater` for a new entry. Its 32 KiB window is not zeroed (that cost more than
/// inflating a small file): the window only ever holds bytes this archive already produced, and
/// an entry is checked against its CRC-32 and sizes whatever its back-references read.
pub(super) fn reset_inflater(inflater: &mut InflateState) {
    inflater.reset_as(MinReset);
}
