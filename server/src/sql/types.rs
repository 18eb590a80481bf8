//! SQL column types: what a column or an expression result is, how it maps
//! to the wire protocol, and how it prints in `SHOW CREATE TABLE`.
//!
//! Besides the numeric, string and date/time families, MySQL 8's other
//! column types: BIT(M), TIME(fsp), YEAR, ENUM and SET (their members live
//! in [`SqlType::elems`]), JSON (validated, normalized text) and the
//! spatial types (opaque SRID + WKB bytes; no spatial functions yet).

use std::sync::Arc;

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
    /// `TIME(fsp)`: a signed duration, -838:59:59 to 838:59:59.
    Time,
    /// `YEAR`: 1901..2155, or 0 (shown `0000`).
    Year,
    /// `BIT(M)`: an M-bit unsigned number (`len` = M), sent as bytes.
    Bit,
    /// `ENUM('a', …)`: one of `elems` (or '' for invalid values).
    Enum,
    /// `SET('a', …)`: any subset of `elems` (at most 64).
    Set,
    /// `JSON`: a JSON document, stored as MySQL's normalized text.
    Json,
    /// The spatial types: SRID + WKB bytes, checked at insert.
    Geometry(Spatial),
    /// The type of a bare `NULL` literal.
    Null,
}

/// Which spatial type a column is; each but `Geometry` accepts only its own
/// WKB geometry type.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Spatial {
    Geometry,
    Point,
    LineString,
    Polygon,
    MultiPoint,
    MultiLineString,
    MultiPolygon,
    GeometryCollection,
}

impl Spatial {
    pub const ALL: [Spatial; 8] = [
        Spatial::Geometry,
        Spatial::Point,
        Spatial::LineString,
        Spatial::Polygon,
        Spatial::MultiPoint,
        Spatial::MultiLineString,
        Spatial::MultiPolygon,
        Spatial::GeometryCollection,
    ];

    /// The spatial type a type name names (`GEOMCOLLECTION` is
    /// `GEOMETRYCOLLECTION`), case-insensitively.
    pub fn from_name(name: &str) -> Option<Spatial> {
        let n = name.to_ascii_lowercase();
        if n == "geometrycollection" {
            return Some(Spatial::GeometryCollection);
        }
        Spatial::ALL.into_iter().find(|g| g.name() == n)
    }

    /// The type's name in lower case, as SHOW CREATE TABLE prints it.
    pub fn name(self) -> &'static str {
        match self {
            Spatial::Geometry => "geometry",
            Spatial::Point => "point",
            Spatial::LineString => "linestring",
            Spatial::Polygon => "polygon",
            Spatial::MultiPoint => "multipoint",
            Spatial::MultiLineString => "multilinestring",
            Spatial::MultiPolygon => "multipolygon",
            Spatial::GeometryCollection => "geomcollection",
        }
    }

    /// The WKB geometry type code a value of this type has (`None`: any).
    pub fn wkb_type(self) -> Option<u32> {
        match self {
            Spatial::Geometry => None,
            Spatial::Point => Some(1),
            Spatial::LineString => Some(2),
            Spatial::Polygon => Some(3),
            Spatial::MultiPoint => Some(4),
            Spatial::MultiLineString => Some(5),
            Spatial::MultiPolygon => Some(6),
            Spatial::GeometryCollection => Some(7),
        }
    }
}

/// A full SQL type: family plus modifiers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
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
    /// The members of an ENUM or SET, as declared (trailing spaces
    /// removed); shared, so cloning a type never copies them. Read them
    /// with [`SqlType::members`].
    #[serde(default, skip_serializing_if = "Option::is_none", with = "members_serde")]
    pub elems: Option<Arc<[String]>>,
    /// A string that compares byte for byte: its collation is a `_bin` or
    /// `_cs` one (`utf8mb4_bin`), not the default case- and
    /// accent-insensitive `utf8mb4_0900_ai_ci`.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub case_sensitive: bool,
}

/// ENUM / SET members are stored in the catalog as a plain list.
mod members_serde {
    use std::sync::Arc;

    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    pub fn serialize<S: Serializer>(m: &Option<Arc<[String]>>, s: S) -> Result<S::Ok, S::Error> {
        m.as_deref().unwrap_or(&[]).serialize(s)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Arc<[String]>>, D::Error> {
        let v = Vec::<String>::deserialize(d)?;
        Ok((!v.is_empty()).then(|| Arc::from(v)))
    }
}

impl SqlType {
    pub const fn new(kind: TypeKind) -> Self {
        Self {
            kind,
            unsigned: false,
            len: 0,
            scale: 0,
            is_bool: false,
            size_class: 1,
            elems: None,
            case_sensitive: false,
        }
    }
    pub fn bigint() -> Self {
        Self { len: 21, ..Self::new(TypeKind::BigInt) }
    }
    pub fn int() -> Self {
        Self { len: 11, ..Self::new(TypeKind::Int) }
    }
    pub fn double() -> Self {
        Self { len: 22, scale: 31, ..Self::new(TypeKind::Double) }
    }
    pub fn decimal(precision: u32, scale: u8) -> Self {
        Self { len: precision, scale, ..Self::new(TypeKind::Decimal) }
    }
    pub fn varchar(len: u32) -> Self {
        Self { len, ..Self::new(TypeKind::Varchar) }
    }
    pub fn text() -> Self {
        Self { len: 65535, ..Self::new(TypeKind::Text) }
    }
    pub fn null() -> Self {
        Self::new(TypeKind::Null)
    }

    /// The members of an ENUM or SET (empty for other types).
    pub fn members(&self) -> &[String] {
        self.elems.as_deref().unwrap_or(&[])
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
    /// Character strings, ENUM and SET included (they have a character
    /// set and compare as strings).
    pub fn is_string(&self) -> bool {
        matches!(self.kind, TypeKind::Char | TypeKind::Varchar | TypeKind::Text | TypeKind::Enum | TypeKind::Set)
    }
    pub fn is_binary(&self) -> bool {
        matches!(self.kind, TypeKind::Binary | TypeKind::Varbinary | TypeKind::Blob)
    }
    /// DATE, DATETIME, TIMESTAMP and TIME.
    pub fn is_temporal(&self) -> bool {
        matches!(self.kind, TypeKind::Date | TypeKind::DateTime | TypeKind::Timestamp | TypeKind::Time)
    }
    /// ENUM or SET: a string whose value also has a number (its position
    /// or bit mask), the order rows sort and index in.
    pub fn is_enum_or_set(&self) -> bool {
        matches!(self.kind, TypeKind::Enum | TypeKind::Set)
    }
    /// Whether a column of this type may be a key part without a prefix
    /// length (TEXT, BLOB, JSON and spatial types may not).
    pub fn needs_key_prefix(&self) -> bool {
        matches!(self.kind, TypeKind::Text | TypeKind::Blob | TypeKind::Json | TypeKind::Geometry(_))
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
            TypeKind::Time if self.len > 0 => format!("time({})", self.len),
            TypeKind::Time => "time".into(),
            TypeKind::Year => "year".into(),
            TypeKind::Bit => format!("bit({})", self.len),
            TypeKind::Enum | TypeKind::Set => {
                let members: Vec<String> = self
                    .members()
                    .iter()
                    .map(|e| format!("'{}'", e.replace('\\', "\\\\").replace('\'', "''")))
                    .collect();
                format!("{}({})", if self.kind == TypeKind::Enum { "enum" } else { "set" }, members.join(","))
            }
            TypeKind::Json => "json".into(),
            TypeKind::Geometry(g) => g.name().into(),
            TypeKind::Null => "null".into(),
        }
    }

    /// Longest text of a value, in characters: an ENUM's longest member,
    /// a SET's members joined by commas.
    pub fn members_len(&self) -> usize {
        match self.kind {
            TypeKind::Enum => self.members().iter().map(|e| e.chars().count()).max().unwrap_or(0),
            TypeKind::Set => {
                self.members().iter().map(|e| e.chars().count()).sum::<usize>() + self.members().len().saturating_sub(1)
            }
            _ => 0,
        }
    }

    /// Maximum byte length of a string/binary column (for `Data too long`).
    pub fn max_bytes(&self) -> Option<usize> {
        match self.kind {
            TypeKind::Char | TypeKind::Varchar | TypeKind::Binary | TypeKind::Varbinary => Some(self.len as usize),
            TypeKind::Enum | TypeKind::Set => Some(self.members_len()),
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
            TypeKind::Time => 10,
            TypeKind::Year => 4,
            TypeKind::Bit => self.len,
            TypeKind::Enum | TypeKind::Set => self.members_len() as u32 * 4,
            TypeKind::Json | TypeKind::Geometry(_) => u32::MAX,
            TypeKind::Null => 0,
        }
    }
}
