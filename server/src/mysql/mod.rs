//! The MySQL wire protocol: a listener, one task per connection, and the
//! shim that turns opensrv-mysql's callbacks into session calls and
//! session results into packets.
//!
//! Statements execute on the blocking pool (`spawn_blocking`, inline under
//! madsim) because the engine is synchronous. A panic while executing a
//! statement is caught and reported as an error on that statement; the
//! connection and the server carry on. Packet size and connection count are
//! bounded by configuration, and exceeding them is a MySQL error.

mod guard;

use std::io;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use async_trait::async_trait;
use opensrv_mysql::{
    AsyncMysqlIntermediary, AsyncMysqlShim, Column, ColumnFlags, ColumnType, ErrorKind, InitWriter,
    IntermediaryOptions, OkResponse, ParamParser, QueryResultWriter, StatementMetaWriter, ValueInner,
};
use sha1::{Digest, Sha1};
use tokio::io::AsyncWrite;
use tokio::net::TcpListener;

use crate::db::Database;
use crate::error::DbError;
use crate::session::Session;
use crate::sql::plan::ColumnInfo;
use crate::sql::types::{SqlType, TypeKind};
use crate::sql::value::Value;
use crate::sql::QueryResult;

/// Accept connections until the listener fails.
pub async fn serve(db: Arc<Database>, listener: TcpListener) -> io::Result<()> {
    let active = Arc::new(AtomicUsize::new(0));
    loop {
        let (stream, peer) = listener.accept().await?;
        let _ = stream.set_nodelay(true);
        let db = db.clone();
        let active = active.clone();
        tokio::spawn(async move {
            let n = active.fetch_add(1, Ordering::SeqCst) + 1;
            db.connections.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            let over = n > db.config.max_connections;
            if let Err(e) = handle_connection(db, stream, peer, over).await {
                tracing::debug!(%peer, error = %e, "connection ended with error");
            }
            active.fetch_sub(1, Ordering::SeqCst);
        });
    }
}

async fn handle_connection(
    db: Arc<Database>,
    stream: tokio::net::TcpStream,
    peer: SocketAddr,
    over_limit: bool,
) -> io::Result<()> {
    let (r, mut w) = stream.into_split();
    if over_limit {
        tracing::warn!(%peer, "refusing connection: max_connections reached");
        return guard::write_error_packet(&mut w, 0, &DbError::too_many_connections()).await;
    }
    let limit = db.config.max_allowed_packet;
    let (reader, tripped) = guard::PacketGuard::new(r, limit);
    let shim = Shim::new(db, peer);
    let result = AsyncMysqlIntermediary::run_with_options(
        shim,
        reader,
        &mut w,
        &IntermediaryOptions { process_use_statement_on_query: true, ..Default::default() },
    )
    .await;
    if let Some(seq) = tripped.get() {
        tracing::info!(%peer, limit, "closing connection: packet larger than max_allowed_packet");
        return guard::write_error_packet(&mut w, seq, &DbError::packet_too_large()).await;
    }
    result
}

/// One connection's protocol state.
pub struct Shim {
    session: Option<Session>,
    db: Arc<Database>,
    salt: [u8; 20],
    peer: SocketAddr,
    connection_id: u32,
}

impl Shim {
    fn new(db: Arc<Database>, peer: SocketAddr) -> Self {
        let mut salt = [0u8; 20];
        crate::env::random_bytes(&mut salt);
        for b in salt.iter_mut() {
            // The scramble must be printable-safe: no NUL and no '$'.
            *b = (*b % 94) + 33;
            if *b == b'$' {
                *b += 1;
            }
        }
        let session = Session::new(db.clone(), "root", &peer.ip().to_string());
        let connection_id = session.info.connection_id;
        Self { session: Some(session), db, salt, peer, connection_id }
    }

    /// Run `f` on the session on the blocking pool, catching panics.
    async fn with_session<T: Send + 'static>(
        &mut self,
        f: impl FnOnce(&mut Session) -> T + Send + 'static,
    ) -> Result<T, DbError> {
        let Some(mut session) = self.session.take() else {
            return Err(DbError::internal("session unavailable"));
        };
        let joined = tokio::task::spawn_blocking(move || {
            let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| f(&mut session)));
            (session, r)
        })
        .await;
        match joined {
            Ok((session, r)) => {
                self.session = Some(session);
                r.map_err(|p| {
                    let msg = p
                        .downcast_ref::<&str>()
                        .map(|s| s.to_string())
                        .or_else(|| p.downcast_ref::<String>().cloned())
                        .unwrap_or_default();
                    tracing::error!(peer = %self.peer, panic = %msg, "statement panicked");
                    DbError::internal(format!("internal error while executing the statement: {msg}"))
                })
            }
            Err(e) => {
                // The blocking task itself failed; start a fresh session.
                self.session = Some(Session::new(self.db.clone(), "root", &self.peer.ip().to_string()));
                Err(DbError::internal(format!("statement task failed: {e}")))
            }
        }
    }
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

fn error_kind(e: &DbError) -> ErrorKind {
    ErrorKind::from(e.code)
}

async fn write_error<W: AsyncWrite + Send + Unpin>(w: QueryResultWriter<'_, W>, e: &DbError) -> io::Result<()> {
    w.error(error_kind(e), e.message.as_bytes()).await
}

/// Wire type and flags of a result column.
pub fn column_def(c: &ColumnInfo) -> Column {
    let t = &c.ty;
    let mut flags = ColumnFlags::empty();
    if !c.nullable {
        flags |= ColumnFlags::NOT_NULL_FLAG;
    }
    if t.unsigned {
        flags |= ColumnFlags::UNSIGNED_FLAG;
    }
    if t.is_binary() {
        flags |= ColumnFlags::BINARY_FLAG;
    }
    if t.kind == TypeKind::Blob || t.kind == TypeKind::Text {
        flags |= ColumnFlags::BLOB_FLAG;
    }
    if t.is_numeric() {
        flags |= ColumnFlags::NUM_FLAG;
    }
    let coltype = match t.kind {
        TypeKind::TinyInt => ColumnType::MYSQL_TYPE_TINY,
        TypeKind::SmallInt => ColumnType::MYSQL_TYPE_SHORT,
        TypeKind::MediumInt => ColumnType::MYSQL_TYPE_INT24,
        TypeKind::Int => ColumnType::MYSQL_TYPE_LONG,
        TypeKind::BigInt => ColumnType::MYSQL_TYPE_LONGLONG,
        TypeKind::Decimal => ColumnType::MYSQL_TYPE_NEWDECIMAL,
        TypeKind::Float => ColumnType::MYSQL_TYPE_FLOAT,
        TypeKind::Double => ColumnType::MYSQL_TYPE_DOUBLE,
        TypeKind::Char | TypeKind::Binary => ColumnType::MYSQL_TYPE_STRING,
        TypeKind::Varchar | TypeKind::Varbinary => ColumnType::MYSQL_TYPE_VAR_STRING,
        TypeKind::Text | TypeKind::Blob => ColumnType::MYSQL_TYPE_BLOB,
        TypeKind::Date => ColumnType::MYSQL_TYPE_DATE,
        TypeKind::DateTime => ColumnType::MYSQL_TYPE_DATETIME,
        TypeKind::Timestamp => ColumnType::MYSQL_TYPE_TIMESTAMP,
        TypeKind::Null => ColumnType::MYSQL_TYPE_NULL,
    };
    Column { table: c.table.clone().unwrap_or_default(), column: c.name.clone(), coltype, colflags: flags }
}

/// Text form of a value in a column of type `t`.
fn text_value(v: &Value, t: &SqlType) -> Option<Vec<u8>> {
    match (v, t.kind) {
        (Value::Null, _) => None,
        // FLOAT columns print with single precision, as MySQL does.
        (Value::Double(d), TypeKind::Float) => Some(format!("{}", *d as f32).into_bytes()),
        (Value::Decimal(d), TypeKind::Decimal) => {
            let mut d = *d;
            if d.scale() < t.scale as u32 {
                d.rescale(t.scale as u32);
            }
            Some(d.to_string().into_bytes())
        }
        (other, _) => other.to_bytes(),
    }
}

async fn write_result<W: AsyncWrite + Send + Unpin>(
    w: QueryResultWriter<'_, W>,
    r: QueryResult,
    binary: bool,
) -> io::Result<()> {
    match r {
        QueryResult::Ok { affected, last_insert_id, info } => {
            w.completed(OkResponse { affected_rows: affected, last_insert_id, info, ..Default::default() }).await
        }
        QueryResult::Rows { columns, rows } => {
            let defs: Vec<Column> = columns.iter().map(column_def).collect();
            let mut rw = w.start(&defs).await?;
            for row in rows {
                for (v, c) in row.iter().zip(&columns) {
                    if binary {
                        write_binary_col(&mut rw, v, &c.ty)?;
                    } else {
                        rw.write_col(text_value(v, &c.ty))?;
                    }
                }
                rw.end_row().await?;
            }
            rw.finish().await
        }
    }
}

fn write_binary_col<W: AsyncWrite + Send + Unpin>(
    rw: &mut opensrv_mysql::RowWriter<'_, W>,
    v: &Value,
    t: &SqlType,
) -> io::Result<()> {
    if v.is_null() {
        return rw.write_col(None::<i64>);
    }
    let i = || v.as_i128().unwrap_or(0);
    match t.kind {
        TypeKind::TinyInt if t.unsigned => rw.write_col(i().clamp(0, 255) as u8),
        TypeKind::TinyInt => rw.write_col(i().clamp(-128, 127) as i8),
        TypeKind::SmallInt if t.unsigned => rw.write_col(i().clamp(0, 65535) as u16),
        TypeKind::SmallInt => rw.write_col(i().clamp(-32768, 32767) as i16),
        TypeKind::MediumInt | TypeKind::Int if t.unsigned => rw.write_col(i().clamp(0, u32::MAX as i128) as u32),
        TypeKind::MediumInt | TypeKind::Int => rw.write_col(i().clamp(i32::MIN as i128, i32::MAX as i128) as i32),
        TypeKind::BigInt if t.unsigned => rw.write_col(i().clamp(0, u64::MAX as i128) as u64),
        TypeKind::BigInt => rw.write_col(i().clamp(i64::MIN as i128, i64::MAX as i128) as i64),
        TypeKind::Float => rw.write_col(v.as_f64().unwrap_or(0.0) as f32),
        TypeKind::Double => rw.write_col(v.as_f64().unwrap_or(0.0)),
        TypeKind::Date => match v {
            Value::Date(d) => rw.write_col(*d),
            Value::DateTime(dt) => rw.write_col(dt.date()),
            other => rw.write_col(other.to_bytes()),
        },
        TypeKind::DateTime | TypeKind::Timestamp => match v {
            Value::DateTime(dt) => rw.write_col(*dt),
            Value::Date(d) => rw.write_col(d.and_time(chrono::NaiveTime::MIN)),
            other => rw.write_col(other.to_bytes()),
        },
        TypeKind::Null => rw.write_col(None::<i64>),
        _ => rw.write_col(text_value(v, t)),
    }
}

fn param_value(p: opensrv_mysql::ParamValue) -> Value {
    match p.value.into_inner() {
        ValueInner::NULL => Value::Null,
        ValueInner::Int(i) => Value::Int(i),
        ValueInner::UInt(u) => Value::UInt(u),
        ValueInner::Double(d) => {
            if p.coltype == ColumnType::MYSQL_TYPE_FLOAT {
                Value::Double(d as f32 as f64)
            } else {
                Value::Double(d)
            }
        }
        ValueInner::Bytes(b) => match p.coltype {
            ColumnType::MYSQL_TYPE_BLOB
            | ColumnType::MYSQL_TYPE_TINY_BLOB
            | ColumnType::MYSQL_TYPE_MEDIUM_BLOB
            | ColumnType::MYSQL_TYPE_LONG_BLOB => match std::str::from_utf8(b) {
                Ok(s) => Value::Str(s.to_string()),
                Err(_) => Value::Bytes(b.to_vec()),
            },
            ColumnType::MYSQL_TYPE_NEWDECIMAL | ColumnType::MYSQL_TYPE_DECIMAL => {
                let s = String::from_utf8_lossy(b);
                s.parse().map(Value::Decimal).unwrap_or_else(|_| Value::Str(s.into_owned()))
            }
            _ => match std::str::from_utf8(b) {
                Ok(s) => Value::Str(s.to_string()),
                Err(_) => Value::Bytes(b.to_vec()),
            },
        },
        ValueInner::Date(_) | ValueInner::Datetime(_) => match opensrv_mysql::to_naive_datetime(p.value) {
            Ok(dt) if p.coltype == ColumnType::MYSQL_TYPE_DATE => Value::Date(dt.date()),
            Ok(dt) => Value::DateTime(dt),
            Err(_) => Value::Null,
        },
        ValueInner::Time(b) => Value::Str(format!("{b:?}")),
    }
}

#[async_trait]
impl<W: AsyncWrite + Send + Unpin> AsyncMysqlShim<W> for Shim {
    type Error = io::Error;

    fn version(&self) -> String {
        crate::SERVER_VERSION.to_string()
    }

    fn connect_id(&self) -> u32 {
        self.connection_id
    }

    fn salt(&self) -> [u8; 20] {
        self.salt
    }

    async fn authenticate(&self, auth_plugin: &str, username: &[u8], salt: &[u8], auth_data: &[u8]) -> bool {
        if username != b"root" {
            tracing::info!(peer = %self.peer, user = %String::from_utf8_lossy(username), "access denied: unknown user");
            return false;
        }
        let password = self.db.config.root_password.as_bytes();
        if auth_plugin != "mysql_native_password" {
            return false;
        }
        let ok = if password.is_empty() {
            auth_data.is_empty()
        } else {
            // The salt may arrive with a trailing NUL.
            let salt = salt.strip_suffix(&[0]).unwrap_or(salt);
            !auth_data.is_empty() && native_password_scramble(password, salt) == auth_data
        };
        if !ok {
            tracing::info!(peer = %self.peer, "access denied for root: wrong password");
        }
        ok
    }

    async fn on_prepare<'a>(&'a mut self, query: &'a str, info: StatementMetaWriter<'a, W>) -> io::Result<()> {
        let sql = query.to_string();
        let r = self
            .with_session(move |s| {
                s.prepare(&sql).map(|(id, p)| (id, p.params, p.columns.iter().map(column_def).collect::<Vec<_>>()))
            })
            .await
            .and_then(|r| r);
        match r {
            Ok((id, nparams, cols)) => {
                let params: Vec<Column> = (0..nparams)
                    .map(|_| Column {
                        table: String::new(),
                        column: "?".into(),
                        coltype: ColumnType::MYSQL_TYPE_VAR_STRING,
                        colflags: ColumnFlags::empty(),
                    })
                    .collect();
                info.reply(id, &params, &cols).await
            }
            Err(e) => info.error(error_kind(&e), e.message.as_bytes()).await,
        }
    }

    async fn on_execute<'a>(
        &'a mut self,
        id: u32,
        params: ParamParser<'a>,
        results: QueryResultWriter<'a, W>,
    ) -> io::Result<()> {
        let values: Vec<Value> = params.into_iter().map(param_value).collect();
        let r = self.with_session(move |s| s.execute_prepared(id, &values)).await.and_then(|r| r);
        match r {
            Ok(res) => write_result(results, res, true).await,
            Err(e) => write_error(results, &e).await,
        }
    }

    async fn on_close<'a>(&'a mut self, stmt: u32)
    where
        W: 'async_trait,
    {
        if let Some(s) = self.session.as_mut() {
            s.close_prepared(stmt);
        }
    }

    async fn on_query<'a>(&'a mut self, query: &'a str, results: QueryResultWriter<'a, W>) -> io::Result<()> {
        let sql = query.to_string();
        let outcome = self.with_session(move |s| s.execute(&sql)).await;
        let mut list = match outcome {
            Ok(l) => l,
            Err(e) => vec![Err(e)],
        };
        let last = list.pop().unwrap_or_else(|| Ok(QueryResult::ok(0)));
        let defs_all: Vec<Vec<Column>> = list
            .iter()
            .map(|r| match r {
                Ok(QueryResult::Rows { columns, .. }) => columns.iter().map(column_def).collect(),
                _ => vec![],
            })
            .collect();
        let mut w = results;
        for (r, defs) in list.into_iter().zip(defs_all.iter()) {
            w = match r {
                Ok(QueryResult::Ok { affected, last_insert_id, info }) => {
                    w.complete_one(OkResponse { affected_rows: affected, last_insert_id, info, ..Default::default() })
                        .await?
                }
                Ok(QueryResult::Rows { columns, rows }) => {
                    let mut rw = w.start(defs).await?;
                    for row in rows {
                        for (v, c) in row.iter().zip(&columns) {
                            rw.write_col(text_value(v, &c.ty))?;
                        }
                        rw.end_row().await?;
                    }
                    rw.finish_one().await?
                }
                Err(e) => return write_error(w, &e).await,
            };
        }
        match last {
            Ok(r) => write_result(w, r, false).await,
            Err(e) => write_error(w, &e).await,
        }
    }

    async fn on_init<'a>(&'a mut self, db: &'a str, w: InitWriter<'a, W>) -> io::Result<()> {
        let name = db.to_string();
        match self.with_session(move |s| s.use_database(&name)).await.and_then(|r| r) {
            Ok(()) => w.ok().await,
            Err(e) => w.error(error_kind(&e), e.message.as_bytes()).await,
        }
    }
}
