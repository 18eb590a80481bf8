//! Packet framing: every MySQL packet is a 3-byte little-endian payload
//! length, a 1-byte sequence id and the payload. A payload of 0xFFFFFF
//! bytes or more travels as a run of full 0xFFFFFF-byte fragments ended by
//! a shorter one (possibly empty).
//!
//! The reader reassembles fragments and checks the logical packet's size
//! against a limit (`max_allowed_packet`) before reading each fragment's
//! payload, so it never buffers more than the limit. The writer frames
//! packets into an output buffer that the connection flushes once per
//! response (or whenever it grows large).

use std::io;

use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};

/// The largest payload of one fragment.
pub const MAX_FRAGMENT: usize = 0xFF_FFFF;

/// Read at most this much of a fragment at a time, so a header that claims a
/// large payload does not make us hold memory for bytes that never arrive.
const READ_CHUNK: usize = 64 * 1024;

/// Why [`read_packet`] returned no packet.
#[derive(Debug)]
pub enum ReadError {
    /// The peer closed the connection cleanly between packets.
    Closed,
    /// A transport error, or end of stream in the middle of a packet.
    Io(io::Error),
    /// The logical packet would exceed the limit. `seq` is the sequence id
    /// of the fragment whose header crossed it; `unread` is the size of that
    /// fragment's payload, none of which was read.
    TooLarge { seq: u8, unread: usize },
}

impl From<io::Error> for ReadError {
    fn from(e: io::Error) -> Self {
        ReadError::Io(e)
    }
}

/// A reassembled packet: its payload and the sequence id of its last
/// fragment (the reply continues from that id plus one).
#[derive(Debug)]
pub struct Packet {
    pub payload: Vec<u8>,
    pub seq: u8,
}

/// Read one logical packet of at most `limit` payload bytes.
pub async fn read_packet<R: AsyncRead + Unpin>(r: &mut R, limit: usize) -> Result<Packet, ReadError> {
    let mut payload = Vec::new();
    let mut first = true;
    loop {
        let mut header = [0u8; 4];
        let mut got = 0;
        while got < header.len() {
            let n = r.read(&mut header[got..]).await?;
            if n == 0 {
                if first && got == 0 {
                    return Err(ReadError::Closed);
                }
                return Err(ReadError::Io(io::ErrorKind::UnexpectedEof.into()));
            }
            got += n;
        }
        first = false;
        let len = u32::from_le_bytes([header[0], header[1], header[2], 0]) as usize;
        let seq = header[3];
        if payload.len().saturating_add(len) > limit {
            return Err(ReadError::TooLarge { seq, unread: len });
        }
        // Address space only: pages are touched as the bytes arrive.
        payload.reserve_exact(len);
        let mut left = len;
        while left > 0 {
            let take = left.min(READ_CHUNK);
            let start = payload.len();
            payload.resize(start + take, 0);
            r.read_exact(&mut payload[start..]).await?;
            left -= take;
        }
        if len < MAX_FRAGMENT {
            return Ok(Packet { payload, seq });
        }
    }
}

/// Frames outgoing packets into a buffer and tracks the sequence id.
#[derive(Debug, Default)]
pub struct PacketWriter {
    out: Vec<u8>,
    seq: u8,
}

impl PacketWriter {
    pub fn new() -> Self {
        Self::default()
    }

    /// Set the sequence id of the next packet.
    pub fn set_seq(&mut self, seq: u8) {
        self.seq = seq;
    }

    /// Frame one logical packet, splitting it into fragments when needed.
    pub fn push(&mut self, payload: &[u8]) {
        let mut rest = payload;
        loop {
            let n = rest.len().min(MAX_FRAGMENT);
            self.out.extend_from_slice(&(n as u32).to_le_bytes()[..3]);
            self.out.push(self.seq);
            self.seq = self.seq.wrapping_add(1);
            self.out.extend_from_slice(&rest[..n]);
            rest = &rest[n..];
            if n < MAX_FRAGMENT {
                return;
            }
        }
    }

    /// Bytes framed but not yet written.
    pub fn pending(&self) -> usize {
        self.out.len()
    }

    /// Write everything framed so far.
    pub async fn flush<W: AsyncWrite + Unpin>(&mut self, w: &mut W) -> io::Result<()> {
        if !self.out.is_empty() {
            w.write_all(&self.out).await?;
            self.out.clear();
            if self.out.capacity() > 4 * 1024 * 1024 {
                self.out.shrink_to(64 * 1024);
            }
        }
        w.flush().await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frame(seq: u8, payload: &[u8]) -> Vec<u8> {
        let mut w = PacketWriter::new();
        w.set_seq(seq);
        w.push(payload);
        w.out
    }

    #[test]
    fn small_packet_has_one_header() {
        assert_eq!(frame(3, b"abc"), vec![3, 0, 0, 3, b'a', b'b', b'c']);
        assert_eq!(frame(0, b""), vec![0, 0, 0, 0]);
    }

    #[test]
    fn payloads_split_at_0xffffff() {
        let payload = vec![7u8; MAX_FRAGMENT + 5];
        let framed = frame(0, &payload);
        assert_eq!(&framed[..4], &[0xFF, 0xFF, 0xFF, 0]);
        let second = 4 + MAX_FRAGMENT;
        assert_eq!(&framed[second..second + 4], &[5, 0, 0, 1]);
        assert_eq!(framed.len(), payload.len() + 8);
        // An exact multiple is followed by an empty fragment.
        let framed = frame(9, &vec![1u8; MAX_FRAGMENT]);
        assert_eq!(framed.len(), MAX_FRAGMENT + 8);
        assert_eq!(&framed[MAX_FRAGMENT + 4..], &[0, 0, 0, 10]);
    }

    #[tokio::test]
    async fn split_packets_reassemble_through_a_stream() {
        let payload: Vec<u8> = (0..MAX_FRAGMENT * 2 + 10).map(|i| (i % 251) as u8).collect();
        let (mut client, mut server) = tokio::io::duplex(64 * 1024);
        let sent = payload.clone();
        let writer = tokio::spawn(async move {
            let mut w = PacketWriter::new();
            w.push(&sent);
            w.push(b"next");
            w.flush(&mut client).await.unwrap();
            client
        });
        let p = read_packet(&mut server, 64 * 1024 * 1024).await.unwrap();
        assert_eq!(p.seq, 2);
        assert!(p.payload == payload, "reassembled payload differs");
        let p = read_packet(&mut server, 1024).await.unwrap();
        assert_eq!((p.payload.as_slice(), p.seq), (&b"next"[..], 3));
        drop(writer.await.unwrap());
        assert!(matches!(read_packet(&mut server, 1024).await, Err(ReadError::Closed)));
    }

    #[tokio::test]
    async fn oversize_is_detected_from_the_header() {
        let (mut client, mut server) = tokio::io::duplex(1024);
        // Only the header is sent: the reader must refuse without waiting
        // for (or buffering) the payload.
        client.write_all(&[0x00, 0x00, 0x01, 0x00]).await.unwrap();
        match read_packet(&mut server, 65_535).await {
            Err(ReadError::TooLarge { seq: 0, unread: 65_536 }) => {}
            other => panic!("expected TooLarge, got {other:?}"),
        }
        // The limit applies to the reassembled size across fragments.
        let (mut client, mut server) = tokio::io::duplex(1024);
        let big = vec![0u8; MAX_FRAGMENT + 100];
        let writer = tokio::spawn(async move {
            let mut w = PacketWriter::new();
            w.push(&big);
            let _ = w.flush(&mut client).await;
        });
        match read_packet(&mut server, MAX_FRAGMENT + 50).await {
            Err(ReadError::TooLarge { seq: 1, unread: 100 }) => {}
            other => panic!("expected TooLarge on the second fragment, got {other:?}"),
        }
        drop(server);
        let _ = writer.await;
    }

    #[tokio::test]
    async fn truncated_packet_is_an_error() {
        let (mut client, mut server) = tokio::io::duplex(1024);
        client.write_all(&[10, 0, 0, 0, 1, 2, 3]).await.unwrap();
        drop(client);
        assert!(matches!(read_packet(&mut server, 1024).await, Err(ReadError::Io(_))));
        let (mut client, mut server) = tokio::io::duplex(1024);
        client.write_all(&[10, 0]).await.unwrap();
        drop(client);
        assert!(matches!(read_packet(&mut server, 1024).await, Err(ReadError::Io(_))));
    }
}
