//! The connection phase: the server's greeting (Protocol::HandshakeV10),
//! the client's reply (Protocol::HandshakeResponse41), the
//! `mysql_native_password` scramble and the AuthSwitchRequest that moves
//! clients configured for another plugin (MySQL 8 clients default to
//! `caching_sha2_password`) onto it.

use sha1::{Digest, Sha1};

use super::wire::{caps, charset, put_u16, put_u32, status, Malformed, Reader};

/// The only authentication method the server implements.
pub const NATIVE_PASSWORD: &str = "mysql_native_password";

/// Length of the authentication scramble.
pub const SCRAMBLE_LEN: usize = 20;

/// A fresh scramble: random, printable, without NUL or `$`.
pub fn new_scramble() -> [u8; SCRAMBLE_LEN] {
    let mut s = [0u8; SCRAMBLE_LEN];
    crate::env::random_bytes(&mut s);
    for b in s.iter_mut() {
        *b = (*b % 94) + 33; // '!'..='~'
        if *b == b'$' {
            *b += 1;
        }
    }
    s
}

/// The greeting the server sends first.
pub fn greeting(connection_id: u32, scramble: &[u8; SCRAMBLE_LEN]) -> Vec<u8> {
    let version = crate::SERVER_VERSION.as_bytes();
    let mut out = Vec::with_capacity(80 + version.len());
    out.push(10); // protocol version
    out.extend_from_slice(version);
    out.push(0);
    put_u32(&mut out, connection_id);
    out.extend_from_slice(&scramble[..8]);
    out.push(0); // filler
    put_u16(&mut out, (caps::SERVER & 0xFFFF) as u16);
    out.push(charset::UTF8MB4);
    put_u16(&mut out, status::AUTOCOMMIT);
    put_u16(&mut out, (caps::SERVER >> 16) as u16);
    out.push((SCRAMBLE_LEN + 1) as u8); // auth plugin data length, with its NUL
    out.extend_from_slice(&[0u8; 10]); // reserved
    out.extend_from_slice(&scramble[8..]);
    out.push(0);
    out.extend_from_slice(NATIVE_PASSWORD.as_bytes());
    out.push(0);
    out
}

/// What a client sent in its handshake response.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HandshakeResponse {
    /// The client's capability flags, as sent (not yet intersected).
    pub capabilities: u32,
    pub max_packet: u32,
    pub charset: u8,
    pub user: Vec<u8>,
    pub auth_response: Vec<u8>,
    pub database: Option<Vec<u8>>,
    /// The plugin the auth response was computed with, when the client
    /// named one.
    pub plugin: Option<Vec<u8>>,
}

/// Why a handshake response was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HandshakeError {
    /// The client speaks only the pre-4.1 protocol.
    OldProtocol,
    /// The client asked for TLS, which the server did not offer.
    SslRequested,
    Malformed,
}

impl From<Malformed> for HandshakeError {
    fn from(_: Malformed) -> Self {
        HandshakeError::Malformed
    }
}

/// Parse Protocol::HandshakeResponse41. Fields whose capability the server
/// did not advertise are not expected.
pub fn parse_handshake_response(payload: &[u8]) -> Result<HandshakeResponse, HandshakeError> {
    let mut r = Reader::new(payload);
    // The 4.1 form starts with 4 bytes of flags; a 4.0 client sends only 2.
    let low = r.u16()?;
    if low as u32 & caps::PROTOCOL_41 == 0 {
        return Err(HandshakeError::OldProtocol);
    }
    let high = r.u16()?;
    let client = low as u32 | (high as u32) << 16;
    let negotiated = client & caps::SERVER;
    let max_packet = r.u32()?;
    let charset = r.u8()?;
    r.bytes(23)?; // filler
    if client & caps::SSL != 0 && r.is_empty() {
        // An SSLRequest: the client wants to switch to TLS now.
        return Err(HandshakeError::SslRequested);
    }
    let user = r.nul_bytes()?.to_vec();
    let auth_response = if negotiated & caps::PLUGIN_AUTH_LENENC_CLIENT_DATA != 0 {
        r.lenenc_bytes()?.to_vec()
    } else if negotiated & caps::SECURE_CONNECTION != 0 {
        let n = r.u8()? as usize;
        r.bytes(n)?.to_vec()
    } else {
        r.nul_or_rest().to_vec()
    };
    let database =
        if negotiated & caps::CONNECT_WITH_DB != 0 && !r.is_empty() { Some(r.nul_or_rest().to_vec()) } else { None };
    let plugin =
        if negotiated & caps::PLUGIN_AUTH != 0 && !r.is_empty() { Some(r.nul_or_rest().to_vec()) } else { None };
    // Connection attributes (CLIENT_CONNECT_ATTRS) may follow; the server
    // does not use them.
    Ok(HandshakeResponse { capabilities: client, max_packet, charset, user, auth_response, database, plugin })
}

/// A COM_CHANGE_USER request (the command byte already removed).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChangeUser {
    pub user: Vec<u8>,
    pub auth_response: Vec<u8>,
    pub database: Option<Vec<u8>>,
    /// The plugin the auth response was computed with, when named.
    pub plugin: Option<Vec<u8>>,
}

/// Parse COM_CHANGE_USER: user, auth response (length-prefixed with
/// CLIENT_SECURE_CONNECTION), database, then optionally the character set,
/// the auth plugin (CLIENT_PLUGIN_AUTH) and connection attributes, which
/// the server does not use. `caps` are the negotiated capabilities.
pub fn parse_change_user(payload: &[u8], negotiated: u32) -> Result<ChangeUser, Malformed> {
    let mut r = Reader::new(payload);
    let user = r.nul_bytes()?.to_vec();
    let auth_response = if negotiated & caps::SECURE_CONNECTION != 0 {
        let n = r.u8()? as usize;
        r.bytes(n)?.to_vec()
    } else {
        r.nul_bytes()?.to_vec()
    };
    let database = if r.is_empty() { None } else { Some(r.nul_or_rest().to_vec()) };
    let mut plugin = None;
    if r.remaining() >= 2 {
        r.u16()?; // character set: the connection's is always utf8mb4
        if negotiated & caps::PLUGIN_AUTH != 0 && !r.is_empty() {
            plugin = Some(r.nul_or_rest().to_vec());
        }
    }
    Ok(ChangeUser { user, auth_response, database, plugin })
}

/// An AuthSwitchRequest asking the client to answer `scramble` with
/// `mysql_native_password`.
pub fn auth_switch_request(scramble: &[u8; SCRAMBLE_LEN]) -> Vec<u8> {
    let mut out = Vec::with_capacity(2 + NATIVE_PASSWORD.len() + SCRAMBLE_LEN + 1);
    out.push(0xFE);
    out.extend_from_slice(NATIVE_PASSWORD.as_bytes());
    out.push(0);
    out.extend_from_slice(scramble);
    out.push(0);
    out
}

/// `SHA1(password) XOR SHA1(salt + SHA1(SHA1(password)))`.
pub fn native_password_scramble(password: &[u8], salt: &[u8]) -> Vec<u8> {
    let stage1 = Sha1::digest(password);
    let stage2 = Sha1::digest(stage1);
    let mut h = Sha1::new();
    h.update(salt);
    h.update(stage2);
    let mix = h.finalize();
    stage1.iter().zip(mix.iter()).map(|(a, b)| a ^ b).collect()
}

/// Whether `response` proves knowledge of `password` for `scramble`. An
/// empty password is matched only by an empty response (a lone NUL, which
/// some clients send, counts as empty).
pub fn check_native_password(password: &[u8], scramble: &[u8], response: &[u8]) -> bool {
    let response = if response == [0] { &[][..] } else { response };
    if password.is_empty() {
        return response.is_empty();
    }
    if response.len() != SCRAMBLE_LEN {
        return false;
    }
    let expected = native_password_scramble(password, scramble);
    // Compare without an early exit.
    expected.iter().zip(response).fold(0u8, |acc, (a, b)| acc | (a ^ b)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn response(flags: u32, user: &str, auth: &[u8], db: Option<&str>, plugin: Option<&str>) -> Vec<u8> {
        let mut p = Vec::new();
        put_u32(&mut p, flags);
        put_u32(&mut p, 1 << 24);
        p.push(255);
        p.extend_from_slice(&[0u8; 23]);
        p.extend_from_slice(user.as_bytes());
        p.push(0);
        if flags & caps::PLUGIN_AUTH_LENENC_CLIENT_DATA != 0 {
            super::super::wire::put_lenenc_bytes(&mut p, auth);
        } else {
            p.push(auth.len() as u8);
            p.extend_from_slice(auth);
        }
        if let Some(db) = db {
            p.extend_from_slice(db.as_bytes());
            p.push(0);
        }
        if let Some(pl) = plugin {
            p.extend_from_slice(pl.as_bytes());
            p.push(0);
        }
        p
    }

    #[test]
    fn greeting_layout() {
        let s = *b"abcdefghijklmnopqrst";
        let g = greeting(7, &s);
        let mut r = Reader::new(&g);
        assert_eq!(r.u8(), Ok(10));
        assert_eq!(r.nul_bytes(), Ok(crate::SERVER_VERSION.as_bytes()));
        assert_eq!(r.u32(), Ok(7));
        assert_eq!(r.bytes(8), Ok(&b"abcdefgh"[..]));
        assert_eq!(r.u8(), Ok(0));
        let low = r.u16().unwrap() as u32;
        assert_eq!(r.u8(), Ok(255));
        assert_eq!(r.u16(), Ok(status::AUTOCOMMIT));
        let high = r.u16().unwrap() as u32;
        assert_eq!(low | high << 16, caps::SERVER);
        assert_eq!(r.u8(), Ok(21));
        assert_eq!(r.bytes(10), Ok(&[0u8; 10][..]));
        assert_eq!(r.nul_bytes(), Ok(&b"ijklmnopqrst"[..]));
        assert_eq!(r.nul_bytes(), Ok(NATIVE_PASSWORD.as_bytes()));
        assert!(r.is_empty());
        assert_eq!(caps::SERVER & (caps::SSL | caps::SESSION_TRACK | caps::CONNECT_ATTRS), 0);
    }

    #[test]
    fn scramble_is_printable() {
        for _ in 0..50 {
            let s = new_scramble();
            assert!(s.iter().all(|&b| (33..=126).contains(&b) && b != b'$'));
        }
    }

    #[test]
    fn parses_responses() {
        let all = caps::SERVER | caps::SESSION_TRACK | caps::CONNECT_ATTRS;
        let raw = response(all, "root", &[1; 20], Some("shop"), Some("caching_sha2_password"));
        let p = parse_handshake_response(&raw).unwrap();
        assert_eq!(p.user, b"root");
        assert_eq!(p.auth_response, vec![1; 20]);
        assert_eq!(p.database.as_deref(), Some(&b"shop"[..]));
        assert_eq!(p.plugin.as_deref(), Some(&b"caching_sha2_password"[..]));
        assert_eq!(p.capabilities, all);

        let flags = caps::PROTOCOL_41 | caps::SECURE_CONNECTION | caps::PLUGIN_AUTH;
        let p = parse_handshake_response(&response(flags, "u", b"", None, Some(NATIVE_PASSWORD))).unwrap();
        assert_eq!(
            (p.auth_response.len(), p.database, p.plugin.as_deref()),
            (0, None, Some(NATIVE_PASSWORD.as_bytes()))
        );

        // A plugin name without its NUL is taken to the end of the packet.
        let mut raw = response(flags, "u", b"", None, None);
        raw.extend_from_slice(NATIVE_PASSWORD.as_bytes());
        assert_eq!(parse_handshake_response(&raw).unwrap().plugin.as_deref(), Some(NATIVE_PASSWORD.as_bytes()));

        assert_eq!(parse_handshake_response(&[0, 0, 0, 0]), Err(HandshakeError::OldProtocol));
        let ssl = response(caps::PROTOCOL_41 | caps::SSL, "", b"", None, None);
        assert_eq!(parse_handshake_response(&ssl[..32]), Err(HandshakeError::SslRequested));
        let full = response(all, "root", &[1; 20], None, None);
        for cut in 0..full.len() - 21 {
            assert!(parse_handshake_response(&full[..cut]).is_err(), "truncated at {cut}");
        }
    }

    #[test]
    fn parses_change_user() {
        let secure = caps::SERVER;
        let mut p = b"root\0".to_vec();
        p.push(3);
        p.extend_from_slice(b"abc");
        p.extend_from_slice(b"db\0");
        p.extend_from_slice(&[255, 0]);
        p.extend_from_slice(b"mysql_native_password\0");
        p.extend_from_slice(&[0]); // empty connection attributes
        let c = parse_change_user(&p, secure).unwrap();
        assert_eq!(c.user, b"root");
        assert_eq!(c.auth_response, b"abc");
        assert_eq!(c.database.as_deref(), Some(&b"db"[..]));
        assert_eq!(c.plugin.as_deref(), Some(NATIVE_PASSWORD.as_bytes()));
        // The oldest form: NUL-terminated auth, no character set or plugin.
        let c = parse_change_user(b"bob\0pw\0\0", 0).unwrap();
        assert_eq!((c.user.as_slice(), c.auth_response.as_slice()), (&b"bob"[..], &b"pw"[..]));
        assert_eq!((c.database.as_deref(), c.plugin), (Some(&b""[..]), None));
        assert!(parse_change_user(b"root", secure).is_err());
        assert!(parse_change_user(b"root\0\x09abc", secure).is_err());
    }

    #[test]
    fn native_password() {
        let salt = b"01234567890123456789";
        let resp = native_password_scramble(b"secret", salt);
        assert_eq!(resp.len(), 20);
        assert!(check_native_password(b"secret", salt, &resp));
        assert!(!check_native_password(b"secret2", salt, &resp));
        assert!(!check_native_password(b"secret", salt, b""));
        assert!(check_native_password(b"", salt, b""));
        assert!(check_native_password(b"", salt, b"\0"));
        assert!(!check_native_password(b"", salt, &resp));
    }

    proptest! {
        #[test]
        fn change_user_parser_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..120), caps in any::<u32>()) {
            let _ = parse_change_user(&bytes, caps);
        }

        #[test]
        fn handshake_response_parser_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..120)) {
            let _ = parse_handshake_response(&bytes);
        }

        #[test]
        fn handshake_response_parser_survives_mutations(
            cut in 0usize..80,
            flip in 0usize..80,
            val in any::<u8>(),
        ) {
            let mut raw = response(caps::SERVER, "root", &[7; 20], Some("db"), Some(NATIVE_PASSWORD));
            if flip < raw.len() {
                raw[flip] = val;
            }
            raw.truncate(cut.max(1).min(raw.len()));
            let _ = parse_handshake_response(&raw);
        }
    }
}
