//! SQL column types: what a column or an expression result is, how it maps
//! to the wire protocol, and how it prints in `SHOW CREATE TABLE`.

use serde::{Deserialize, Serialize};

/// The family of a SQL type.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum TypeKind {
    TinyInt,
    SmallInt,
    MediumInt,
    Int,
    BigInt,
    Decimal,
    Float,
    Double,
    Char,
    Varchar,
    Text,
    Binary,
    Varbinary,
    Blob,
    Date,
    DateTime,
    Timestamp,
    /// The type of a bare `NULL` literal.
    Null,
}

/// A full SQL type: family plus modifiers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct SqlType {
    pub kind: TypeKind,
    pub unsigned: bool,
    /// Display width / char length / decimal precision / fsp.
    pub len: u32,
    /// Decimal scale (digits after the point).
    pub scale: u8,
    /// `TINYINT(1)` written as BOOLEAN / BOOL.
    pub is_bool: bool,
    /// TEXT/BLOB size class: 0 tiny, 1 normal, 2 medium, 3 long.
    pub size_class: u8,
}

impl SqlType {
    pub const fn new(kind: TypeKind) -> Self {
        Self { kind, unsigned: false, len: 0, scale: 0, is_bool: false, size_class: 1 }
    }
    pub const fn bigint() -> Self {
        Self { len: 21, ..Self::new(TypeKind::BigInt) }
    }
    pub const fn int() -> Self {
        Self { len: 11, ..Self::new(TypeKind::Int) }
    }
    pub const fn double() -> Self {
        Self { len: 22, scale: 31, ..Self::new(TypeKind::Double) }
    }
    pub const fn decimal(precision: u32, scale: u8) -> Self {
        Self { len: precision, scale, ..Self::new(TypeKind::Decimal) }
    }
    pub const fn varchar(len: u32) -> Self {
        Self { len, ..Self::new(TypeKind::Varchar) }
    }
    pub const fn text() -> Self {
        Self { len: 65535, ..Self::new(TypeKind::Text) }
    }
    pub const fn null() -> Self {
        Self::new(TypeKind::Null)
    }

    pub fn is_integer(&self) -> bool {
        matches!(
            self.kind,
            TypeKind::TinyInt | TypeKind::SmallInt | TypeKind::MediumInt | TypeKind::Int | TypeKind::BigInt
        )
    }
    pub fn is_float(&self) -> bool {
        matches!(self.kind, TypeKind::Float | TypeKind::Double)
    }
    pub fn is_numeric(&self) -> bool {
        self.is_integer() || self.is_float() || self.kind == TypeKind::Decimal
    }
    pub fn is_string(&self) -> bool {
        matches!(self.kind, TypeKind::Char | TypeKind::Varchar | TypeKind::Text)
    }
    pub fn is_binary(&self) -> bool {
        matches!(self.kind, TypeKind::Binary | TypeKind::Varbinary | TypeKind::Blob)
    }
    pub fn is_temporal(&self) -> bool {
        matches!(self.kind, TypeKind::Date | TypeKind::DateTime | TypeKind::Timestamp)
    }

    /// Range of an integer column, as (min, max) in i128.
    pub fn int_range(&self) -> (i128, i128) {
        let bits = match self.kind {
            TypeKind::TinyInt => 8,
            TypeKind::SmallInt => 16,
            TypeKind::MediumInt => 24,
            TypeKind::Int => 32,
            _ => 64,
        };
        if self.unsigned {
            (0, (1i128 << bits) - 1)
        } else {
            (-(1i128 << (bits - 1)), (1i128 << (bits - 1)) - 1)
        }
    }

    /// The type as `SHOW CREATE TABLE` and `DESCRIBE` print it (MySQL 8 style).
    pub fn sql_name(&self) -> String {
        let uns = if self.unsigned { " unsigned" } else { "" };
        match self.kind {
            TypeKind::TinyInt if self.is_bool => "tinyint(1)".into(),
            TypeKind::TinyInt => format!("tinyint{uns}"),
            TypeKind::SmallInt => format!("smallint{uns}"),
            TypeKind::MediumInt => format!("mediumint{uns}"),
            TypeKind::Int => format!("int{uns}"),
            TypeKind::BigInt => format!("bigint{uns}"),
            TypeKind::Decimal => format!("decimal({},{}){uns}", self.len, self.scale),
            TypeKind::Float => format!("float{uns}"),
            TypeKind::Double => format!("double{uns}"),
            TypeKind::Char => format!("char({})", self.len),
            TypeKind::Varchar => format!("varchar({})", self.len),
            TypeKind::Text => match self.size_class {
                0 => "tinytext".into(),
                2 => "mediumtext".into(),
                3 => "longtext".into(),
                _ => "text".into(),
            },
            TypeKind::Binary => format!("binary({})", self.len),
            TypeKind::Varbinary => format!("varbinary({})", self.len),
            TypeKind::Blob => match self.size_class {
                0 => "tinyblob".into(),
                2 => "mediumblob".into(),
                3 => "longblob".into(),
                _ => "blob".into(),
            },
            TypeKind::Date => "date".into(),
            TypeKind::DateTime if self.len > 0 => format!("datetime({})", self.len),
            TypeKind::DateTime => "datetime".into(),
            TypeKind::Timestamp if self.len > 0 => format!("timestamp({})", self.len),
            TypeKind::Timestamp => "timestamp".into(),
            TypeKind::Null => "null".into(),
        }
    }

    /// Maximum byte length of a string/binary column (for `Data too long`).
    pub fn max_bytes(&self) -> Option<usize> {
        match self.kind {
            TypeKind::Char | TypeKind::Varchar | TypeKind::Binary | TypeKind::Varbinary => Some(self.len as usize),
            TypeKind::Text | TypeKind::Blob => Some(match self.size_class {
                0 => 255,
                1 => 65_535,
                2 => 16_777_215,
                _ => 4_294_967_295,
            }),
            _ => None,
        }
    }

    /// Display length sent in the column definition packet.
    pub fn display_len(&self) -> u32 {
        match self.kind {
            TypeKind::TinyInt => 4,
            TypeKind::SmallInt => 6,
            TypeKind::MediumInt => 9,
            TypeKind::Int => 11,
            TypeKind::BigInt => 20,
            TypeKind::Decimal => self.len + 2,
            TypeKind::Float => 12,
            TypeKind::Double => 22,
            TypeKind::Char | TypeKind::Varchar => self.len * 4,
            TypeKind::Binary | TypeKind::Varbinary => self.len,
            TypeKind::Text | TypeKind::Blob => self.max_bytes().unwrap_or(0) as u32,
            TypeKind::Date => 10,
            TypeKind::DateTime | TypeKind::Timestamp => 19,
            TypeKind::Null => 0,
        }
    }
}
