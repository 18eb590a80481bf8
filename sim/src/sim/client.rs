//! A small MySQL client for simulated connections: the handshake with
//! `mysql_native_password`, `COM_QUERY`, and text result sets — just what
//! the workloads need, over madsim's simulated TCP. (Real client libraries
//! run on the real tokio and cannot use the simulated network.)

use std::net::SocketAddr;
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// Capability flags the client asks for.
const CLIENT_LONG_PASSWORD: u32 = 1;
const CLIENT_PROTOCOL_41: u32 = 1 << 9;
const CLIENT_TRANSACTIONS: u32 = 1 << 13;
const CLIENT_SECURE_CONNECTION: u32 = 1 << 15;
const CLIENT_PLUGIN_AUTH: u32 = 1 << 19;
/// Largest packet the client accepts from the server.
const MAX_PACKET: usize = 16 << 20;

/// Why a request failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ClientError {
    /// The server answered with an error packet: the statement failed.
    Server { code: u16, message: String },
    /// The connection broke or timed out: the outcome is unknown.
    Io(String),
}

impl std::fmt::Display for ClientError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ClientError::Server { code, message } => write!(f, "server error {code}: {message}"),
            ClientError::Io(m) => write!(f, "connection: {m}"),
        }
    }
}

pub type Result<T> = std::result::Result<T, ClientError>;

/// A statement's answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Response {
    Ok { affected: u64 },
    Rows(Vec<Vec<Option<String>>>),
}

impl Response {
    pub fn rows(self) -> Vec<Vec<Option<String>>> {
        match self {
            Response::Rows(r) => r,
            Response::Ok { .. } => Vec::new(),
        }
    }

    pub fn affected(&self) -> u64 {
        match self {
            Response::Ok { affected } => *affected,
            Response::Rows(_) => 0,
        }
    }
}

fn io<E: std::fmt::Display>(e: E) -> ClientError {
    ClientError::Io(e.to_string())
}

/// One connection.
pub struct Conn {
    stream: TcpStream,
    seq: u8,
    timeout: Duration,
}

impl Conn {
    /// Connect and log in as `user` with `password`; every later request
    /// fails with [`ClientError::Io`] if it takes longer than `timeout`.
    pub async fn connect(addr: SocketAddr, user: &str, password: &str, timeout: Duration) -> Result<Self> {
        let stream = tokio::time::timeout(timeout, TcpStream::connect(addr))
            .await
            .map_err(|_| ClientError::Io("connect timed out".into()))?
            .map_err(io)?;
        let mut c = Self { stream, seq: 0, timeout };
        tokio::time::timeout(timeout, c.handshake(user, password))
            .await
            .map_err(|_| ClientError::Io("handshake timed out".into()))??;
        Ok(c)
    }

    async fn read_packet(&mut self) -> Result<Vec<u8>> {
        let mut head = [0u8; 4];
        self.stream.read_exact(&mut head).await.map_err(io)?;
        let len = usize::from(head[0]) | usize::from(head[1]) << 8 | usize::from(head[2]) << 16;
        if len > MAX_PACKET {
            return Err(ClientError::Io(format!("packet of {len} bytes")));
        }
        self.seq = head[3].wrapping_add(1);
        let mut body = vec![0u8; len];
        self.stream.read_exact(&mut body).await.map_err(io)?;
        Ok(body)
    }

    async fn write_packet(&mut self, body: &[u8]) -> Result<()> {
        let len = body.len();
        let mut p = Vec::with_capacity(len + 4);
        p.extend_from_slice(&[len as u8, (len >> 8) as u8, (len >> 16) as u8, self.seq]);
        p.extend_from_slice(body);
        self.seq = self.seq.wrapping_add(1);
        self.stream.write_all(&p).await.map_err(io)?;
        self.stream.flush().await.map_err(io)
    }

    async fn handshake(&mut self, user: &str, password: &str) -> Result<()> {
        let hello = self.read_packet().await?;
        if hello.first() == Some(&0xFF) {
            return Err(parse_err(&hello));
        }
        // protocol version, server version NUL, thread id, salt part 1 (8),
        // filler, caps low, charset, status, caps high, auth data len,
        // 10 reserved, salt part 2 (12 + NUL), plugin name.
        let nul = hello.iter().skip(1).position(|&b| b == 0).ok_or_else(|| io("bad greeting"))? + 1;
        let mut i = nul + 1 + 4;
        let mut salt = hello.get(i..i + 8).ok_or_else(|| io("short greeting"))?.to_vec();
        i += 8 + 1 + 2 + 1 + 2 + 2 + 1 + 10;
        salt.extend_from_slice(hello.get(i..i + 12).ok_or_else(|| io("short greeting"))?);
        let caps = CLIENT_LONG_PASSWORD
            | CLIENT_PROTOCOL_41
            | CLIENT_TRANSACTIONS
            | CLIENT_SECURE_CONNECTION
            | CLIENT_PLUGIN_AUTH;
        let auth = if password.is_empty() {
            Vec::new()
        } else {
            guocedb::mysql::native_password_scramble(password.as_bytes(), &salt)
        };
        let mut r = Vec::new();
        r.extend_from_slice(&caps.to_le_bytes());
        r.extend_from_slice(&(MAX_PACKET as u32).to_le_bytes());
        r.push(45); // utf8mb4_general_ci
        r.extend_from_slice(&[0u8; 23]);
        r.extend_from_slice(user.as_bytes());
        r.push(0);
        r.push(auth.len() as u8);
        r.extend_from_slice(&auth);
        r.extend_from_slice(b"mysql_native_password\0");
        self.write_packet(&r).await?;
        let reply = self.read_packet().await?;
        match reply.first() {
            Some(0x00) => Ok(()),
            Some(0xFF) => Err(parse_err(&reply)),
            _ => Err(io("unexpected authentication reply")),
        }
    }

    /// Run one statement.
    pub async fn query(&mut self, sql: &str) -> Result<Response> {
        let t = self.timeout;
        tokio::time::timeout(t, self.query_inner(sql)).await.map_err(|_| ClientError::Io("request timed out".into()))?
    }

    async fn query_inner(&mut self, sql: &str) -> Result<Response> {
        self.seq = 0;
        let mut body = Vec::with_capacity(sql.len() + 1);
        body.push(0x03);
        body.extend_from_slice(sql.as_bytes());
        self.write_packet(&body).await?;
        let first = self.read_packet().await?;
        match first.first() {
            Some(0x00) => {
                let mut i = 1;
                let affected = lenenc(&first, &mut i).ok_or_else(|| io("bad OK packet"))?;
                Ok(Response::Ok { affected })
            }
            Some(0xFF) => Err(parse_err(&first)),
            Some(_) => {
                let mut i = 0;
                let ncols = lenenc(&first, &mut i).ok_or_else(|| io("bad column count"))? as usize;
                for _ in 0..ncols {
                    self.read_packet().await?;
                }
                let eof = self.read_packet().await?;
                if eof.first() != Some(&0xFE) {
                    return Err(io("expected EOF after column definitions"));
                }
                let mut rows = Vec::new();
                loop {
                    let p = self.read_packet().await?;
                    match p.first() {
                        Some(0xFE) if p.len() < 9 => return Ok(Response::Rows(rows)),
                        Some(0xFF) => return Err(parse_err(&p)),
                        _ => {
                            let mut i = 0;
                            let mut row = Vec::with_capacity(ncols);
                            for _ in 0..ncols {
                                if p.get(i) == Some(&0xFB) {
                                    i += 1;
                                    row.push(None);
                                } else {
                                    let n = lenenc(&p, &mut i).ok_or_else(|| io("bad row"))? as usize;
                                    let v = p.get(i..i + n).ok_or_else(|| io("short row"))?;
                                    row.push(Some(String::from_utf8_lossy(v).into_owned()));
                                    i += n;
                                }
                            }
                            rows.push(row);
                        }
                    }
                }
            }
            None => Err(io("empty packet")),
        }
    }
}

fn lenenc(p: &[u8], i: &mut usize) -> Option<u64> {
    let b = *p.get(*i)?;
    *i += 1;
    let n = match b {
        0..=0xFA => return Some(u64::from(b)),
        0xFC => 2,
        0xFD => 3,
        0xFE => 8,
        _ => return None,
    };
    let bytes = p.get(*i..*i + n)?;
    *i += n;
    Some(bytes.iter().rev().fold(0u64, |acc, &x| acc << 8 | u64::from(x)))
}

fn parse_err(p: &[u8]) -> ClientError {
    let code = p.get(1..3).map(|b| u16::from_le_bytes([b[0], b[1]])).unwrap_or(0);
    let msg = if p.get(3) == Some(&b'#') { p.get(9..) } else { p.get(3..) };
    ClientError::Server { code, message: String::from_utf8_lossy(msg.unwrap_or_default()).into_owned() }
}
