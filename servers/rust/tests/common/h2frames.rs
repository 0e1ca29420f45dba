//! Raw HTTP/2 frames (RFC 9113, section 4), for the tests that check what
//! goes on the wire below any client library: the server's SETTINGS, PING,
//! GOAWAY, and its answers to malformed input.

use std::io::{self, Read, Write};

/// The client connection preface.
pub const PREFACE: &[u8] = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";

/// Frame types.
pub const DATA: u8 = 0x0;
pub const HEADERS: u8 = 0x1;
pub const RST_STREAM: u8 = 0x3;
pub const SETTINGS: u8 = 0x4;
pub const PING: u8 = 0x6;
pub const GOAWAY: u8 = 0x7;

/// Flags.
pub const ACK: u8 = 0x1;
pub const END_STREAM: u8 = 0x1;
pub const END_HEADERS: u8 = 0x4;

/// SETTINGS_MAX_CONCURRENT_STREAMS.
pub const MAX_CONCURRENT_STREAMS: u16 = 0x3;

/// Error codes.
pub const PROTOCOL_ERROR: u32 = 0x1;

/// One frame.
#[derive(Debug)]
pub struct Frame {
    pub kind: u8,
    pub flags: u8,
    pub stream: u32,
    pub payload: Vec<u8>,
}

/// Writes one frame.
pub fn write_frame(
    w: &mut impl Write,
    kind: u8,
    flags: u8,
    stream: u32,
    payload: &[u8],
) -> io::Result<()> {
    let len = u32::try_from(payload.len()).unwrap().to_be_bytes();
    let mut frame = vec![len[1], len[2], len[3], kind, flags];
    frame.extend_from_slice(&stream.to_be_bytes());
    frame.extend_from_slice(payload);
    w.write_all(&frame)
}

/// Reads one frame.
pub fn read_frame(r: &mut impl Read) -> io::Result<Frame> {
    let mut head = [0u8; 9];
    r.read_exact(&mut head)?;
    let len = u32::from_be_bytes([0, head[0], head[1], head[2]]) as usize;
    let mut payload = vec![0; len];
    r.read_exact(&mut payload)?;
    Ok(Frame {
        kind: head[3],
        flags: head[4],
        stream: u32::from_be_bytes([head[5], head[6], head[7], head[8]]) & 0x7fff_ffff,
        payload,
    })
}

/// Reads frames until one of kind (and, if given, with the flags), and
/// returns it.
pub fn read_until(r: &mut impl Read, kind: u8, flags: Option<u8>) -> io::Result<Frame> {
    loop {
        let f = read_frame(r)?;
        if f.kind == kind && flags.is_none_or(|fl| f.flags & fl == fl) {
            return Ok(f);
        }
    }
}

/// The (identifier, value) pairs of a SETTINGS payload.
pub fn settings(payload: &[u8]) -> Vec<(u16, u32)> {
    payload
        .chunks_exact(6)
        .map(|c| {
            (
                u16::from_be_bytes([c[0], c[1]]),
                u32::from_be_bytes([c[2], c[3], c[4], c[5]]),
            )
        })
        .collect()
}

/// Sends the preface and an empty SETTINGS, then reads the server's
/// SETTINGS (its first frame) and acknowledges it. It returns the server's
/// settings.
pub fn handshake(c: &mut (impl Read + Write)) -> io::Result<Vec<(u16, u32)>> {
    c.write_all(PREFACE)?;
    write_frame(c, SETTINGS, 0, 0, &[])?;
    let first = read_frame(c)?;
    assert_eq!(
        (first.kind, first.flags & ACK),
        (SETTINGS, 0),
        "the server's first frame: {first:?}"
    );
    write_frame(c, SETTINGS, ACK, 0, &[])?;
    Ok(settings(&first.payload))
}

/// An HPACK header block for a GET of path on authority `test`, scheme
/// http: every field a literal without indexing (RFC 7541, 6.2.2) of an
/// indexed static name, so that no decoder state is involved.
pub fn get_headers(path: &str) -> Vec<u8> {
    let mut block = Vec::new();
    // :method GET (static 2), :scheme http (static 6), fully indexed.
    block.extend_from_slice(&[0x82, 0x86]);
    for (name_index, value) in [(4u8, path), (1u8, "test")] {
        // :path (static 4), :authority (static 1); 4-bit prefix index.
        block.push(name_index);
        let len = u8::try_from(value.len()).expect("a short value");
        assert!(len < 127, "the length must fit a 7-bit prefix");
        block.push(len);
        block.extend_from_slice(value.as_bytes());
    }
    block
}
