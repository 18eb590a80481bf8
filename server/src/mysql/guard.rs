//! A reader wrapper that enforces `max_allowed_packet` on client packets
//! before the protocol library buffers them, and writes the error packet
//! MySQL sends when a client exceeds it.

use std::io;
use std::pin::Pin;
use std::sync::atomic::{AtomicU16, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll};

use tokio::io::{AsyncRead, AsyncWrite, AsyncWriteExt, ReadBuf};

use crate::error::DbError;

/// Shared flag: the sequence id of the packet that broke the limit, if any.
#[derive(Clone, Default)]
pub struct Tripped(Arc<AtomicU16>);

impl Tripped {
    pub fn get(&self) -> Option<u8> {
        let v = self.0.load(Ordering::SeqCst);
        (v != 0).then(|| (v - 1) as u8)
    }
    fn set(&self, seq: u8) {
        self.0.store(seq as u16 + 1, Ordering::SeqCst);
    }
}

/// Parses packet headers as bytes stream through and fails the read once a
/// logical packet (a run of 16 MiB fragments) exceeds the limit.
pub struct PacketGuard<R> {
    inner: R,
    limit: usize,
    header: [u8; 4],
    header_len: usize,
    /// Payload bytes left in the current fragment.
    remaining: usize,
    /// Size of the logical packet so far.
    logical: usize,
    tripped: Tripped,
}

impl<R> PacketGuard<R> {
    pub fn new(inner: R, limit: usize) -> (Self, Tripped) {
        let t = Tripped::default();
        (Self { inner, limit, header: [0; 4], header_len: 0, remaining: 0, logical: 0, tripped: t.clone() }, t)
    }

    fn observe(&mut self, mut data: &[u8]) -> io::Result<()> {
        while !data.is_empty() {
            if self.remaining == 0 {
                let take = (4 - self.header_len).min(data.len());
                self.header[self.header_len..self.header_len + take].copy_from_slice(&data[..take]);
                self.header_len += take;
                data = &data[take..];
                if self.header_len == 4 {
                    let len = u32::from_le_bytes([self.header[0], self.header[1], self.header[2], 0]) as usize;
                    self.header_len = 0;
                    self.logical += len;
                    if self.logical > self.limit {
                        self.tripped.set(self.header[3].wrapping_add(1));
                        return Err(io::Error::new(io::ErrorKind::InvalidData, "packet exceeds max_allowed_packet"));
                    }
                    if len < 0xFF_FFFF {
                        self.logical = 0; // last fragment of this logical packet
                    }
                    self.remaining = len;
                }
            } else {
                let take = self.remaining.min(data.len());
                self.remaining -= take;
                data = &data[take..];
            }
        }
        Ok(())
    }
}

impl<R: AsyncRead + Unpin> AsyncRead for PacketGuard<R> {
    fn poll_read(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        let before = buf.filled().len();
        match Pin::new(&mut self.inner).poll_read(cx, buf) {
            Poll::Ready(Ok(())) => {
                let new = buf.filled()[before..].to_vec();
                match self.observe(&new) {
                    Ok(()) => Poll::Ready(Ok(())),
                    Err(e) => Poll::Ready(Err(e)),
                }
            }
            other => other,
        }
    }
}

/// Write one ERR packet with sequence id `seq`.
pub async fn write_error_packet<W: AsyncWrite + Unpin>(w: &mut W, seq: u8, e: &DbError) -> io::Result<()> {
    let mut payload = vec![0xFF];
    payload.extend_from_slice(&e.code.to_le_bytes());
    payload.push(b'#');
    payload.extend_from_slice(e.state.as_bytes());
    payload.extend_from_slice(e.message.as_bytes());
    let len = payload.len() as u32;
    let mut packet = len.to_le_bytes()[..3].to_vec();
    packet.push(seq);
    packet.extend_from_slice(&payload);
    w.write_all(&packet).await?;
    w.flush().await
}
