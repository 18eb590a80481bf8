//! Databases, tables, columns and indexes — stored in the engine like any
//! data (under the `0x01` key prefix), cached in memory for binding.
//!
//! The in-memory [`Catalog`] is a copy-on-write snapshot: readers clone an
//! `Arc<Catalog>` and bind against it without locks; DDL builds a new catalog,
//! writes the changed definitions in the same synced write batch as the data
//! it touches, and only then publishes the new snapshot. The catalog never
//! holds row data and never decides visibility of rows.

pub mod keys;
pub mod row;

use std::collections::BTreeMap;
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::error::{DbError, Result};
use crate::sql::types::SqlType;
use crate::sql::value::Value;
use guocedb_engines::{Direction, KeyRange, KvSnapshot, WriteBatch};

/// Index id of every table's primary (clustered) index.
pub const PRIMARY_INDEX_ID: u32 = 1;

/// Limits on what DDL may create.
pub const MAX_COLUMNS: usize = 4096;
pub const MAX_INDEXES: usize = 64;
pub const MAX_KEY_PARTS: usize = 16;
pub const MAX_NAME_LEN: usize = 64;

/// A column's default.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum ColumnDefault {
    /// No DEFAULT clause: NULL for nullable columns, an error for NOT NULL.
    None,
    /// A constant, stored as its text form plus a null flag.
    Const(Option<String>),
    /// `CURRENT_TIMESTAMP` / `NOW()`.
    CurrentTimestamp,
}

/// One column.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ColumnDef {
    pub name: String,
    pub ty: SqlType,
    pub nullable: bool,
    pub default: ColumnDefault,
    pub auto_increment: bool,
    pub on_update_now: bool,
    pub comment: String,
    /// `CHARACTER SET` of a string column when it differs from the
    /// table's (NATIONAL types are `utf8mb3`). Values are stored as UTF-8
    /// whatever it says; shown by SHOW CREATE TABLE and information_schema.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub charset: Option<String>,
    /// `COLLATE` of a string column when given explicitly.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub collation: Option<String>,
    /// `SRID n` of a spatial column.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub srid: Option<u32>,
    /// `GENERATED ALWAYS AS (expr) VIRTUAL|STORED`: the value is computed
    /// from the row's other columns on every write. VIRTUAL columns are
    /// stored like STORED ones (see ARCHITECTURE.md).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub generated: Option<GeneratedDef>,
}

/// A generated column's expression.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GeneratedDef {
    /// The expression in MySQL's printed form (`(`a` + `b`)`), which is
    /// also what is parsed and bound again when rows are written.
    pub expr: String,
    pub stored: bool,
}

/// A CHECK constraint.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CheckDef {
    pub name: String,
    /// The condition in MySQL's printed form (`(`a` > 0)`).
    pub expr: String,
    pub enforced: bool,
}

/// One index. The primary index (id 1) holds the rows; secondary indexes map
/// their key columns to the primary key.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IndexDef {
    pub id: u32,
    pub name: String,
    /// Positions of the key columns in the table's column list.
    pub columns: Vec<usize>,
    pub unique: bool,
    pub primary: bool,
}

/// One table.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TableDef {
    pub id: u64,
    pub db: String,
    pub name: String,
    pub columns: Vec<ColumnDef>,
    /// Secondary indexes and, when declared, the primary key (`primary`).
    pub indexes: Vec<IndexDef>,
    /// Engine name as given in `ENGINE=` (display only; rows live in the
    /// server's engine).
    pub engine: String,
    pub next_index_id: u32,
    pub comment: String,
    /// The other table options given at CREATE TABLE.
    #[serde(default)]
    pub options: TableOptions,
    /// FOREIGN KEY constraints (enforced by `sql::fk` while
    /// `foreign_key_checks` is on).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub foreign_keys: Vec<ForeignKeyDef>,
    /// CHECK constraints, in declaration order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub checks: Vec<CheckDef>,
}

/// A FOREIGN KEY constraint as declared.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ForeignKeyDef {
    pub name: String,
    /// Referencing column names, in this table.
    pub columns: Vec<String>,
    /// The referenced table's database, when it is not this table's.
    pub ref_db: Option<String>,
    pub ref_table: String,
    pub ref_columns: Vec<String>,
    /// `ON DELETE …` / `ON UPDATE …` as written (e.g. "CASCADE").
    pub on_delete: Option<String>,
    pub on_update: Option<String>,
}

/// MySQL's table options besides ENGINE and COMMENT, as given at CREATE
/// TABLE (the last of a repeated option wins). They are validated as
/// MySQL 8 validates them for InnoDB in strict mode and shown by SHOW
/// CREATE TABLE and information_schema.TABLES; rows live in the server's
/// engine whatever they say. `AUTO_INCREMENT` sets where the table's
/// counter starts; the character set decides the column types a table
/// gets (`binary` turns CHAR/VARCHAR/TEXT into BINARY/VARBINARY/BLOB).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct TableOptions {
    /// `DEFAULT CHARSET`: the table's character set (`None`: utf8mb4).
    pub charset: Option<String>,
    /// `COLLATE` (`None`: the character set's default collation).
    pub collation: Option<String>,
    /// `ROW_FORMAT`, upper case (`None` or `DEFAULT`: not shown).
    pub row_format: Option<String>,
    /// `AUTO_INCREMENT = n`: the first value the counter hands out.
    pub auto_increment: Option<u64>,
    pub key_block_size: u64,
    pub max_rows: u64,
    pub min_rows: u64,
    pub avg_row_length: u64,
    /// `PACK_KEYS`, `STATS_PERSISTENT`, `STATS_AUTO_RECALC`: 0, 1 or DEFAULT (`None`).
    pub pack_keys: Option<bool>,
    pub stats_persistent: Option<bool>,
    pub stats_auto_recalc: Option<bool>,
    /// `STATS_SAMPLE_PAGES` (0: DEFAULT).
    pub stats_sample_pages: u64,
    /// `CHECKSUM` / `TABLE_CHECKSUM` non-zero.
    pub checksum: bool,
    /// `DELAY_KEY_WRITE` non-zero.
    pub delay_key_write: bool,
    pub compression: Option<String>,
    pub encryption: Option<String>,
    pub connection: Option<String>,
    /// `SECONDARY_ENGINE = name` (`NULL`: none).
    pub secondary_engine: Option<String>,
    pub engine_attribute: Option<String>,
    pub secondary_engine_attribute: Option<String>,
    pub autoextend_size: u64,
    pub data_directory: Option<String>,
    pub index_directory: Option<String>,
    pub tablespace: Option<String>,
    pub storage: Option<String>,
    /// `INSERT_METHOD` and `UNION = (…)`: MERGE-table options; kept, and
    /// shown only for a MERGE engine, as MySQL does.
    pub insert_method: Option<String>,
    pub union: Vec<String>,
}

impl TableOptions {
    /// The table's character set.
    pub fn charset(&self) -> &str {
        self.charset.as_deref().unwrap_or("utf8mb4")
    }

    /// The table's collation.
    pub fn collation(&self) -> String {
        match &self.collation {
            Some(c) => c.clone(),
            None => crate::sql::charset::default_collation(self.charset()).unwrap_or("utf8mb4_0900_ai_ci").to_string(),
        }
    }
}

impl TableDef {
    /// The declared primary key, if any. Without one the table is keyed by a
    /// hidden row id.
    pub fn primary_key(&self) -> Option<&IndexDef> {
        self.indexes.iter().find(|i| i.primary)
    }

    pub fn secondary_indexes(&self) -> impl Iterator<Item = &IndexDef> {
        self.indexes.iter().filter(|i| !i.primary)
    }

    pub fn column_index(&self, name: &str) -> Option<usize> {
        self.columns.iter().position(|c| c.name.eq_ignore_ascii_case(name))
    }

    pub fn auto_increment_column(&self) -> Option<usize> {
        self.columns.iter().position(|c| c.auto_increment)
    }

    pub fn index_by_name(&self, name: &str) -> Option<&IndexDef> {
        self.indexes.iter().find(|i| i.name.eq_ignore_ascii_case(name))
    }
}

/// A view: its defining query, re-bound on every use.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ViewDef {
    pub db: String,
    pub name: String,
    /// The SELECT text, as written after `AS`.
    pub query: String,
    /// Column names given as `CREATE VIEW v (a, b)`.
    pub columns: Vec<String>,
}

/// A loadable (Wasm) function as stored: `CREATE [AGGREGATE] FUNCTION`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FunctionDef {
    /// SQL name, lowercase (function names are case-insensitive).
    pub name: String,
    /// The export called: the name as written at CREATE, or its lowercase
    /// form when only that exists.
    pub symbol: String,
    pub kind: crate::wasm::UdfKind,
    pub ret: crate::wasm::ReturnType,
    /// `SONAME` file, or `None` for an inline module.
    pub soname: Option<String>,
    /// SHA-256 of the module bytes (hex); the bytes live under `module_key`.
    pub sha256: String,
    /// The inline form's typed signature: (argument name, ABI type name).
    pub args: Option<Vec<(String, String)>>,
    /// `WITH (FUEL = n, MEMORY = bytes)`: this function's own limits.
    #[serde(default)]
    pub limits: crate::wasm::FunctionLimits,
}

/// A function definition with its loaded module.
#[derive(Debug, Clone)]
pub struct Function {
    pub def: FunctionDef,
    pub udf: Arc<crate::wasm::Udf>,
}

/// One database (schema).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DatabaseDef {
    pub name: String,
    pub charset: String,
    pub collation: String,
}

/// The whole catalog at one moment.
#[derive(Debug, Clone, Default)]
pub struct Catalog {
    pub databases: BTreeMap<String, DatabaseDef>,
    pub tables: BTreeMap<(String, String), Arc<TableDef>>,
    pub views: BTreeMap<(String, String), Arc<ViewDef>>,
    /// Loadable functions by lowercase name.
    pub functions: BTreeMap<String, Arc<Function>>,
    pub next_table_id: u64,
}

impl Catalog {
    /// Load every definition from a snapshot of the engine.
    pub fn load(snap: &dyn KvSnapshot) -> Result<Self> {
        let mut cat = Catalog { next_table_id: 1, ..Default::default() };
        for item in snap.scan(KeyRange::prefix(&keys::db_def_prefix()), Direction::Forward)? {
            let (_, v) = item?;
            let db: DatabaseDef = decode_def(&v)?;
            cat.databases.insert(db.name.clone(), db);
        }
        for item in snap.scan(KeyRange::prefix(&keys::table_def_prefix()), Direction::Forward)? {
            let (_, v) = item?;
            let t: TableDef = decode_def(&v)?;
            cat.next_table_id = cat.next_table_id.max(t.id + 1);
            cat.tables.insert((t.db.clone(), t.name.clone()), Arc::new(t));
        }
        for item in snap.scan(KeyRange::prefix(&keys::view_def_prefix()), Direction::Forward)? {
            let (_, v) = item?;
            let view: ViewDef = decode_def(&v)?;
            cat.views.insert((view.db.clone(), view.name.clone()), Arc::new(view));
        }
        if let Some(v) = snap.get(&keys::next_table_id_key())? {
            let arr: [u8; 8] = v.as_slice().try_into().map_err(|_| DbError::internal("corrupt table id counter"))?;
            cat.next_table_id = cat.next_table_id.max(u64::from_be_bytes(arr));
        }
        Ok(cat)
    }

    pub fn database(&self, name: &str) -> Option<&DatabaseDef> {
        self.databases.get(name)
    }

    pub fn table(&self, db: &str, name: &str) -> Option<&Arc<TableDef>> {
        self.tables.get(&(db.to_string(), name.to_string()))
    }

    pub fn view(&self, db: &str, name: &str) -> Option<&Arc<ViewDef>> {
        self.views.get(&(db.to_string(), name.to_string()))
    }

    pub fn views_in(&self, db: &str) -> impl Iterator<Item = &Arc<ViewDef>> {
        let db = db.to_string();
        self.views.values().filter(move |v| v.db == db)
    }

    /// Load every stored function's module. A module that no longer loads
    /// (a lowered limit, say) is skipped with a warning, not fatal.
    pub fn load_functions(&mut self, snap: &dyn KvSnapshot, host: &Arc<crate::wasm::WasmHost>) -> Result<()> {
        for item in snap.scan(KeyRange::prefix(&keys::function_def_prefix()), Direction::Forward)? {
            let (_, v) = item?;
            let def: FunctionDef = decode_def(&v)?;
            let sha = decode_sha(&def.sha256)?;
            let Some(bytes) = snap.get(&keys::module_key(&sha))? else {
                tracing::warn!(function = %def.name, "module bytes missing; function skipped");
                continue;
            };
            match load_udf(host, &def, &bytes) {
                Ok(udf) => {
                    self.functions.insert(def.name.clone(), Arc::new(Function { def, udf }));
                }
                Err(e) => tracing::warn!(function = %def.name, error = %e, "function not loaded"),
            }
        }
        Ok(())
    }

    /// Store a function and its module bytes.
    pub fn put_function(&mut self, f: Function, bytes: &[u8], batch: &mut WriteBatch) -> Result<()> {
        let sha = decode_sha(&f.def.sha256)?;
        batch.put(keys::module_key(&sha), bytes.to_vec());
        batch.put(keys::function_def_key(&f.def.name), encode_def(&f.def)?);
        self.functions.insert(f.def.name.clone(), Arc::new(f));
        Ok(())
    }

    /// Remove a function (and its module bytes when no other function uses them).
    pub fn drop_function(&mut self, name: &str, batch: &mut WriteBatch) -> Option<Arc<Function>> {
        let f = self.functions.remove(name)?;
        batch.delete(keys::function_def_key(name));
        if !self.functions.values().any(|o| o.def.sha256 == f.def.sha256) {
            if let Ok(sha) = decode_sha(&f.def.sha256) {
                batch.delete(keys::module_key(&sha));
            }
        }
        Some(f)
    }

    pub fn put_view(&mut self, v: ViewDef, batch: &mut WriteBatch) -> Result<()> {
        batch.put(keys::view_def_key(&v.db, &v.name), encode_def(&v)?);
        self.views.insert((v.db.clone(), v.name.clone()), Arc::new(v));
        Ok(())
    }

    pub fn drop_view(&mut self, db: &str, name: &str, batch: &mut WriteBatch) -> bool {
        batch.delete(keys::view_def_key(db, name));
        self.views.remove(&(db.to_string(), name.to_string())).is_some()
    }

    /// Look a table up or fail with 1146.
    pub fn require_table(&self, db: &str, name: &str) -> Result<&Arc<TableDef>> {
        self.table(db, name).ok_or_else(|| DbError::no_table(db, name))
    }

    pub fn tables_in(&self, db: &str) -> impl Iterator<Item = &Arc<TableDef>> {
        let db = db.to_string();
        self.tables.values().filter(move |t| t.db == db)
    }

    /// Allocate a table id and record the counter in `batch`.
    pub fn allocate_table_id(&mut self, batch: &mut WriteBatch) -> u64 {
        let id = self.next_table_id;
        self.next_table_id += 1;
        batch.put(keys::next_table_id_key(), self.next_table_id.to_be_bytes().to_vec());
        id
    }

    /// Record a table definition (insert or replace) in memory and in `batch`.
    pub fn put_table(&mut self, t: TableDef, batch: &mut WriteBatch) -> Result<()> {
        batch.put(keys::table_def_key(t.id), encode_def(&t)?);
        self.tables.insert((t.db.clone(), t.name.clone()), Arc::new(t));
        Ok(())
    }

    /// Remove a table definition and all its rows (in `batch`).
    pub fn drop_table(
        &mut self,
        db: &str,
        name: &str,
        batch: &mut WriteBatch,
        snap: &dyn KvSnapshot,
    ) -> Result<Option<Arc<TableDef>>> {
        let Some(t) = self.tables.remove(&(db.to_string(), name.to_string())) else {
            return Ok(None);
        };
        batch.delete(keys::table_def_key(t.id));
        delete_prefix(snap, &keys::table_prefix(t.id), batch)?;
        Ok(Some(t))
    }

    pub fn put_database(&mut self, db: DatabaseDef, batch: &mut WriteBatch) -> Result<()> {
        batch.put(keys::db_def_key(&db.name), encode_def(&db)?);
        self.databases.insert(db.name.clone(), db);
        Ok(())
    }

    pub fn drop_database(&mut self, name: &str, batch: &mut WriteBatch, snap: &dyn KvSnapshot) -> Result<usize> {
        self.databases.remove(name);
        batch.delete(keys::db_def_key(name));
        let names: Vec<String> = self.tables_in(name).map(|t| t.name.clone()).collect();
        for t in &names {
            self.drop_table(name, t, batch, snap)?;
        }
        let views: Vec<String> = self.views_in(name).map(|v| v.name.clone()).collect();
        for v in &views {
            self.drop_view(name, v, batch);
        }
        Ok(names.len())
    }
}

/// Delete every key under `prefix` (adds deletes to `batch`).
pub fn delete_prefix(snap: &dyn KvSnapshot, prefix: &[u8], batch: &mut WriteBatch) -> Result<()> {
    for item in snap.scan(KeyRange::prefix(prefix), Direction::Forward)? {
        let (k, _) = item?;
        batch.delete(k);
    }
    Ok(())
}

/// Load a stored function's module with its stored signature.
pub fn load_udf(host: &Arc<crate::wasm::WasmHost>, def: &FunctionDef, bytes: &[u8]) -> Result<Arc<crate::wasm::Udf>> {
    let arg_types = match &def.args {
        Some(a) => Some(
            a.iter()
                .map(|(_, t)| guocedb_udf::abi::Type::parse(t))
                .collect::<Option<Vec<_>>>()
                .ok_or_else(|| DbError::internal("corrupt function signature"))?,
        ),
        None => None,
    };
    let file = def.soname.clone().unwrap_or_else(|| format!("<inline {}>", def.name));
    let spec = crate::wasm::UdfSpec {
        name: &def.name,
        file: &file,
        symbol: &def.symbol,
        kind: def.kind,
        ret: def.ret,
        arg_types,
        limits: def.limits,
    };
    host.load(spec, bytes)
}

/// Hex SHA-256 to bytes.
fn decode_sha(hex: &str) -> Result<[u8; 32]> {
    let mut out = [0u8; 32];
    if hex.len() != 64 {
        return Err(DbError::internal("corrupt module digest"));
    }
    for (i, o) in out.iter_mut().enumerate() {
        *o = u8::from_str_radix(&hex[2 * i..2 * i + 2], 16).map_err(|_| DbError::internal("corrupt module digest"))?;
    }
    Ok(out)
}

fn encode_def<T: Serialize>(t: &T) -> Result<Vec<u8>> {
    serde_json::to_vec(t).map_err(|e| DbError::internal(format!("catalog encode: {e}")))
}

fn decode_def<T: for<'de> Deserialize<'de>>(b: &[u8]) -> Result<T> {
    serde_json::from_slice(b).map_err(|e| DbError::internal(format!("corrupt catalog entry: {e}")))
}

impl ColumnDef {
    /// The default value for an omitted column, or the 1364 error.
    pub fn default_value(&self, now: &Value) -> Result<Value> {
        match &self.default {
            ColumnDefault::None if self.nullable || self.auto_increment => Ok(Value::Null),
            // A NOT NULL ENUM without a DEFAULT defaults to its first member.
            ColumnDefault::None if self.ty.kind == crate::sql::types::TypeKind::Enum => Ok(Value::Int(1)),
            ColumnDefault::None => Err(DbError::no_default(&self.name)),
            ColumnDefault::Const(None) => Ok(Value::Null),
            // A BIT default is kept as its number (its bytes need not be text).
            ColumnDefault::Const(Some(s)) if self.ty.kind == crate::sql::types::TypeKind::Bit => {
                Ok(Value::UInt(s.parse().unwrap_or(0)))
            }
            ColumnDefault::Const(Some(s)) => Ok(Value::Str(s.clone())),
            ColumnDefault::CurrentTimestamp => Ok(self.now_at_precision(now)),
        }
    }

    /// The current time `now` as this column takes it by default or ON
    /// UPDATE: cut to the column's fractional-second precision.
    pub fn now_at_precision(&self, now: &Value) -> Value {
        match now {
            Value::DateTime(dt) if self.ty.is_temporal() => {
                Value::DateTime(crate::sql::value::truncate_fsp(*dt, self.ty.len))
            }
            other => other.clone(),
        }
    }
}
