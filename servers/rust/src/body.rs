//! Response bodies served without copying or allocating: a static chunk
//! sent as often as needed, cut to the exact length asked for. The alphabet
//! pattern of `/bytes/N` is one such chunk, computed at compile time.

use std::convert::Infallible;
use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::Bytes;
use hyper::body::{Body, Frame, SizeHint};

/// Length of the precomputed pattern: a whole number of alphabets
/// (26 × 2521 = 65546 bytes), so each repetition continues the pattern.
const PATTERN_LEN: usize = 26 * 2521;

/// Byte i is `'a' + i % 26`.
static PATTERN: [u8; PATTERN_LEN] = pattern();

/// Computes PATTERN.
const fn pattern() -> [u8; PATTERN_LEN] {
    let mut p = [0u8; PATTERN_LEN];
    let mut i = 0;
    while i < PATTERN_LEN {
        p[i] = b'a' + (i % 26) as u8;
        i += 1;
    }
    p
}

/// A body of `remaining` bytes made of `chunk` repeated; every frame is a
/// slice of the static chunk. Its exact size lets hyper write
/// Content-Length itself, so no response is ever chunked.
pub struct RepeatBody {
    chunk: &'static [u8],
    remaining: usize,
}

impl RepeatBody {
    /// The first n bytes of the endless alphabet pattern.
    pub fn pattern(n: usize) -> Self {
        RepeatBody {
            chunk: &PATTERN,
            remaining: n,
        }
    }

    /// Exactly the bytes of s.
    pub fn text(s: &'static str) -> Self {
        RepeatBody {
            chunk: s.as_bytes(),
            remaining: s.len(),
        }
    }

    /// The number of bytes not yet returned by next_chunk.
    pub fn remaining(&self) -> usize {
        self.remaining
    }

    /// Returns the next frame's bytes, or None at the end.
    pub fn next_chunk(&mut self) -> Option<&'static [u8]> {
        if self.remaining == 0 {
            return None;
        }
        let k = self.remaining.min(self.chunk.len());
        self.remaining -= k;
        Some(&self.chunk[..k])
    }
}

impl Body for RepeatBody {
    type Data = Bytes;
    type Error = Infallible;

    fn poll_frame(
        self: Pin<&mut Self>,
        _: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Infallible>>> {
        let chunk = self.get_mut().next_chunk();
        Poll::Ready(chunk.map(|c| Ok(Frame::data(Bytes::from_static(c)))))
    }

    fn is_end_stream(&self) -> bool {
        self.remaining == 0
    }

    fn size_hint(&self) -> SizeHint {
        SizeHint::with_exact(self.remaining as u64)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Collects every chunk of b.
    fn collect(mut b: RepeatBody) -> Vec<u8> {
        let mut out = Vec::new();
        while let Some(c) = b.next_chunk() {
            assert!(!c.is_empty());
            out.extend_from_slice(c);
        }
        assert!(b.is_end_stream());
        out
    }

    #[test]
    fn pattern_bytes() {
        for n in [
            0,
            1,
            26,
            27,
            PATTERN_LEN - 1,
            PATTERN_LEN,
            PATTERN_LEN + 7,
            1 << 20,
        ] {
            let b = RepeatBody::pattern(n);
            assert_eq!(b.size_hint().exact(), Some(n as u64));
            let got = collect(b);
            assert_eq!(got.len(), n);
            for (i, &c) in got.iter().enumerate() {
                assert_eq!(c, b'a' + (i % 26) as u8, "byte {i} of {n}");
            }
        }
    }

    #[test]
    fn text() {
        assert_eq!(collect(RepeatBody::text("ok")), b"ok");
        assert!(RepeatBody::text("").is_end_stream());
    }
}
