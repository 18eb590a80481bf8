//! Built-in scalar functions: name lookup, argument checking, result types
//! and evaluation with MySQL's NULL rules (most functions return NULL when
//! an argument is NULL; COALESCE, IFNULL, IF, CONCAT_WS and friends are the
//! documented exceptions).

use rust_decimal::prelude::ToPrimitive;
use rust_decimal::Decimal;

use crate::error::{DbError, Result};
use crate::sql::expr::{self, Ctx, Expr};
use crate::sql::temporal;
use crate::sql::types::{SqlType, TypeKind};
use crate::sql::value::{self, compare, Value};

/// A built-in scalar function.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Func {
    Abs,
    Ceil,
    Floor,
    Round,
    Truncate,
    Mod,
    Pow,
    Sqrt,
    Exp,
    Ln,
    Log,
    Log2,
    Log10,
    Sign,
    Pi,
    Greatest,
    Least,
    Coalesce,
    IfNull,
    NullIf,
    If,
    IsNullFn,
    Concat,
    ConcatWs,
    Length,
    CharLength,
    Upper,
    Lower,
    Substring,
    Left,
    Right,
    Trim,
    LTrim,
    RTrim,
    Replace,
    Repeat,
    Reverse,
    Instr,
    Locate,
    Lpad,
    Rpad,
    Hex,
    Space,
    Ascii,
    Now,
    CurDate,
    CurTime,
    UnixTimestamp,
    Year,
    Month,
    Day,
    Hour,
    Minute,
    Second,
    Date,
    /// TIME(expr): the time part, as a TIME.
    Time,
    Database,
    User,
    Version,
    ConnectionId,
    LastInsertId,
    RowCount,
    FoundRows,
    Format,
    Unhex,
    Md5,
    Sha1,
    Bin,
    Oct,
    /// DATE_ADD(d, amount, unit): amount may be negative (DATE_SUB).
    DateAdd,
    DateDiff,
    /// TIMESTAMPDIFF(unit, a, b).
    TimestampDiff,
    DateFormat,
    StrToDate,
    /// EXTRACT(unit FROM d).
    Extract,
    DayOfWeek,
    DayOfYear,
    WeekDay,
    Quarter,
    Week,
    LastDay,
    FromUnixtime,
    UtcTimestamp,
    UtcDate,
    UtcTime,
    ConvertTz,
    // The wider library, evaluated in `funclib`.
    Field,
    Elt,
    Char,
    MakeSet,
    Quote,
    Uuid,
    UuidShort,
    OrdCode,
    Conv,
    Strcmp,
    FindInSet,
    Insert,
    SubstringIndex,
    Sha2,
    Crc32,
    ToBase64,
    FromBase64,
    Soundex,
    ExportSet,
    BitLength,
    RegexpLike,
    RegexpInstr,
    RegexpSubstr,
    RegexpReplace,
    Charset,
    Collation,
    Degrees,
    Radians,
    Sin,
    Cos,
    Tan,
    Asin,
    Acos,
    Atan,
    Atan2,
    Cot,
    BitCount,
    TimeDiff,
    AddTime,
    SubTime,
    SecToTime,
    TimeToSec,
    MakeTime,
    MakeDate,
    ToDays,
    ToSeconds,
    FromDays,
    Microsecond,
    TimestampFn,
    PeriodAdd,
    PeriodDiff,
    YearWeek,
    TimeFormat,
    InetAton,
    InetNtoa,
    IsIpv4,
    IsIpv6,
    Sleep,
    MonthName,
    DayName,
    /// Panics on purpose; looked up only in debug builds, where the tests
    /// use it to prove a panic ends only the statement that raised it.
    DebugPanic,
    /// `x COLLATE …_bin`, and each side of a comparison with a case-sensitive
    /// string: text becomes its bytes, which compare byte for byte. Not
    /// callable by name.
    BinaryCollate,
    /// `x COLLATE …_ci`: the value unchanged, typed case-insensitive. Not
    /// callable by name.
    CiCollate,
}

/// Look a function up by name; `None` when it is not built in.
pub fn lookup(name: &str) -> Option<Func> {
    use Func::*;
    Some(match name.to_ascii_lowercase().as_str() {
        "abs" => Abs,
        "ceil" | "ceiling" => Ceil,
        "floor" => Floor,
        "round" => Round,
        "truncate" => Truncate,
        "mod" => Mod,
        "pow" | "power" => Pow,
        "sqrt" => Sqrt,
        "exp" => Exp,
        "ln" => Ln,
        "log" => Log,
        "log2" => Log2,
        "log10" => Log10,
        "sign" => Sign,
        "pi" => Pi,
        "greatest" => Greatest,
        "least" => Least,
        "coalesce" => Coalesce,
        "ifnull" => IfNull,
        "nullif" => NullIf,
        "if" => If,
        "isnull" => IsNullFn,
        "concat" => Concat,
        "concat_ws" => ConcatWs,
        "length" | "octet_length" => Length,
        "char_length" | "character_length" => CharLength,
        "upper" | "ucase" => Upper,
        "lower" | "lcase" => Lower,
        "substring" | "substr" | "mid" => Substring,
        "left" => Left,
        "right" => Right,
        "trim" => Trim,
        "ltrim" => LTrim,
        "rtrim" => RTrim,
        "replace" => Replace,
        "repeat" => Repeat,
        "reverse" => Reverse,
        "instr" => Instr,
        "locate" | "position" => Locate,
        "lpad" => Lpad,
        "rpad" => Rpad,
        "hex" => Hex,
        "unhex" => Unhex,
        "format" => Format,
        "md5" => Md5,
        "sha1" | "sha" => Sha1,
        "bin" => Bin,
        "oct" => Oct,
        "space" => Space,
        "ascii" => Ascii,
        "now" | "current_timestamp" | "localtime" | "localtimestamp" | "sysdate" => Now,
        "curdate" | "current_date" => CurDate,
        "curtime" | "current_time" => CurTime,
        "unix_timestamp" => UnixTimestamp,
        "year" => Year,
        "month" => Month,
        "day" | "dayofmonth" => Day,
        "hour" => Hour,
        "minute" => Minute,
        "second" => Second,
        "date" => Date,
        "time" => Time,
        "database" | "schema" => Database,
        "user" | "current_user" | "session_user" | "system_user" => User,
        "version" => Version,
        "connection_id" => ConnectionId,
        "last_insert_id" => LastInsertId,
        "row_count" => RowCount,
        "found_rows" => FoundRows,
        "datediff" => DateDiff,
        "date_format" => DateFormat,
        "str_to_date" => StrToDate,
        "dayofweek" => DayOfWeek,
        "dayofyear" => DayOfYear,
        "weekday" => WeekDay,
        "quarter" => Quarter,
        "week" => Week,
        "last_day" => LastDay,
        "from_unixtime" => FromUnixtime,
        "utc_timestamp" => UtcTimestamp,
        "utc_date" => UtcDate,
        "utc_time" => UtcTime,
        "convert_tz" => ConvertTz,
        "field" => Field,
        "elt" => Elt,
        "char" => Char,
        "make_set" => MakeSet,
        "quote" => Quote,
        "uuid" => Uuid,
        "uuid_short" => UuidShort,
        "ord" => OrdCode,
        "conv" => Conv,
        "strcmp" => Strcmp,
        "find_in_set" => FindInSet,
        "insert" => Insert,
        "substring_index" => SubstringIndex,
        "sha2" => Sha2,
        "crc32" => Crc32,
        "to_base64" => ToBase64,
        "from_base64" => FromBase64,
        "soundex" => Soundex,
        "export_set" => ExportSet,
        "bit_length" => BitLength,
        "regexp_like" => RegexpLike,
        "regexp_instr" => RegexpInstr,
        "regexp_substr" => RegexpSubstr,
        "regexp_replace" => RegexpReplace,
        "charset" => Charset,
        "collation" => Collation,
        "degrees" => Degrees,
        "radians" => Radians,
        "sin" => Sin,
        "cos" => Cos,
        "tan" => Tan,
        "asin" => Asin,
        "acos" => Acos,
        "atan" => Atan,
        "atan2" => Atan2,
        "cot" => Cot,
        "bit_count" => BitCount,
        "timediff" => TimeDiff,
        "addtime" => AddTime,
        "subtime" => SubTime,
        "sec_to_time" => SecToTime,
        "time_to_sec" => TimeToSec,
        "maketime" => MakeTime,
        "makedate" => MakeDate,
        "to_days" => ToDays,
        "to_seconds" => ToSeconds,
        "from_days" => FromDays,
        "microsecond" => Microsecond,
        "timestamp" => TimestampFn,
        "period_add" => PeriodAdd,
        "period_diff" => PeriodDiff,
        "yearweek" => YearWeek,
        "time_format" => TimeFormat,
        "inet_aton" => InetAton,
        "inet_ntoa" => InetNtoa,
        "is_ipv4" => IsIpv4,
        "is_ipv6" => IsIpv6,
        "sleep" => Sleep,
        "monthname" => MonthName,
        "dayname" => DayName,
        #[cfg(debug_assertions)]
        "guocedb_debug_panic" => DebugPanic,
        _ => return None,
    })
}

/// Allowed argument counts (min, max).
pub fn arity(f: Func) -> (usize, usize) {
    use Func::*;
    match f {
        Pi | Database | User | Version | ConnectionId | RowCount | FoundRows | DebugPanic => (0, 0),
        BinaryCollate | CiCollate => (1, 1),
        Now | CurTime | UtcTimestamp | UtcTime => (0, 1),
        UtcDate => (0, 0),
        ConvertTz => (3, 3),
        Uuid | UuidShort => (0, 0),
        Field | Elt | MakeSet => (2, usize::MAX),
        Char => (1, usize::MAX),
        Quote | OrdCode | Crc32 | ToBase64 | FromBase64 | Soundex | BitLength | Charset | Collation | Degrees
        | Radians | Sin | Cos | Tan | Asin | Acos | Cot | BitCount | SecToTime | TimeToSec | ToDays | ToSeconds
        | FromDays | Microsecond | InetAton | InetNtoa | IsIpv4 | IsIpv6 | Sleep => (1, 1),
        Strcmp | FindInSet | Sha2 | Atan2 | TimeDiff | AddTime | SubTime | MakeDate | PeriodAdd | PeriodDiff
        | TimeFormat => (2, 2),
        Atan | TimestampFn | YearWeek => (1, 2),
        Conv | SubstringIndex | MakeTime => (3, 3),
        Insert => (4, 4),
        ExportSet => (3, 5),
        RegexpLike => (2, 3),
        RegexpInstr => (2, 6),
        RegexpSubstr => (2, 5),
        RegexpReplace => (3, 6),
        CurDate => (0, 0),
        LastInsertId | UnixTimestamp => (0, 1),
        Abs | Ceil | Floor | Sqrt | Exp | Ln | Log2 | Log10 | Sign | IsNullFn | Length | CharLength | Upper | Lower
        | Trim | LTrim | RTrim | Reverse | Hex | Space | Ascii | Year | Month | Day | Hour | Minute | Second | Date
        | Time => (1, 1),
        Round => (1, 2),
        Log => (1, 2),
        Truncate | Mod | Pow | IfNull | NullIf | Left | Right | Repeat | Instr => (2, 2),
        Locate | Substring => (2, 3),
        If | Replace | Lpad | Rpad | DateAdd | TimestampDiff => (3, 3),
        DateDiff | DateFormat | StrToDate | Extract => (2, 2),
        Format => (2, 3),
        Unhex | Md5 | Sha1 | Bin | Oct => (1, 1),
        DayOfWeek | DayOfYear | WeekDay | Quarter | LastDay | FromUnixtime | MonthName | DayName => (1, 1),
        Week => (1, 2),
        Greatest | Least => (2, usize::MAX),
        Coalesce | Concat => (1, usize::MAX),
        ConcatWs => (2, usize::MAX),
    }
}

/// The result type of `f` given its argument types.
pub fn result_type(f: Func, args: &[SqlType]) -> SqlType {
    use Func::*;
    let first = args.first().cloned().unwrap_or(SqlType::null());
    match f {
        Abs | Ceil | Floor | Sign if first.is_integer() => SqlType::bigint(),
        Ceil | Floor if first.kind == TypeKind::Decimal => SqlType::bigint(),
        Abs | Round | Truncate if first.kind == TypeKind::Decimal || first.is_integer() => {
            if first.is_integer() {
                SqlType::bigint()
            } else {
                first
            }
        }
        Mod => expr::arith_type(expr::BinOp::Mod, &first, &args.get(1).cloned().unwrap_or(first.clone())),
        Abs | Ceil | Floor | Round | Truncate | Pow | Sqrt | Exp | Ln | Log | Log2 | Log10 | Pi => SqlType::double(),
        Sign => SqlType::bigint(),
        Greatest | Least | Coalesce | IfNull => expr::unify_types(args),
        NullIf => first,
        If => expr::unify_types(&args[1.min(args.len())..]),
        IsNullFn | Length | CharLength | Instr | Locate | Ascii | ConnectionId | LastInsertId | RowCount
        | FoundRows | UnixTimestamp | Year | Month | Day | Hour | Minute | Second => SqlType::bigint(),
        Now | UtcTimestamp | ConvertTz => SqlType::new(TypeKind::DateTime),
        UtcDate => SqlType::new(TypeKind::Date),
        UtcTime => SqlType::new(TypeKind::Time),
        CurDate | Date => SqlType::new(TypeKind::Date),
        CurTime => SqlType::new(TypeKind::Time),
        Time => SqlType {
            len: args.first().map(|t| if t.is_temporal() { t.len.min(6) } else { 6 }).unwrap_or(0),
            ..SqlType::new(TypeKind::Time)
        },
        Database | User | Version => SqlType::varchar(64),
        DebugPanic => SqlType::bigint(),
        BinaryCollate => SqlType { case_sensitive: first.is_string(), ..first },
        CiCollate => SqlType { case_sensitive: false, ..first },
        // Seconds with the argument's fractional digits, as MariaDB and
        // MySQL type it: BIGINT for whole seconds, DECIMAL otherwise (a
        // string or double may carry microseconds: 6).
        TimeToSec => {
            let frac = if first.is_integer() {
                0
            } else if first.is_temporal() {
                first.len.min(6) as u8
            } else if first.kind == TypeKind::Decimal {
                first.scale.min(6)
            } else {
                6
            };
            if frac == 0 {
                SqlType::bigint()
            } else {
                SqlType::decimal(17 + u32::from(frac), frac)
            }
        }
        Field | OrdCode | Strcmp | FindInSet | Crc32 | BitLength | RegexpLike | RegexpInstr | BitCount | ToDays
        | ToSeconds | Microsecond | PeriodAdd | PeriodDiff | YearWeek | InetAton | IsIpv4 | IsIpv6 | Sleep => {
            SqlType::bigint()
        }
        UuidShort => SqlType { unsigned: true, ..SqlType::bigint() },
        Degrees | Radians | Sin | Cos | Tan | Asin | Acos | Atan | Atan2 | Cot => SqlType::double(),
        Elt => expr::unify_types(&args[1.min(args.len())..]),
        Uuid => SqlType::varchar(36),
        Quote | Conv | Insert | SubstringIndex | Soundex | RegexpSubstr | RegexpReplace | TimeFormat => {
            SqlType::varchar(args.iter().fold(0u32, |n, t| n.saturating_add(t.display_len())).clamp(1, 65535))
        }
        MakeSet | ExportSet | ToBase64 => SqlType::text(),
        Sha2 => SqlType::varchar(128),
        Charset | Collation => SqlType::varchar(64),
        InetNtoa => SqlType::varchar(15),
        Char | FromBase64 => SqlType::new(TypeKind::Blob),
        TimeDiff | SecToTime | MakeTime => SqlType { len: fraction_digits(args), ..SqlType::new(TypeKind::Time) },
        AddTime | SubTime => match first.kind {
            TypeKind::DateTime | TypeKind::Timestamp | TypeKind::Date => {
                SqlType { len: fraction_digits(args), ..SqlType::new(TypeKind::DateTime) }
            }
            TypeKind::Time => SqlType { len: fraction_digits(args), ..SqlType::new(TypeKind::Time) },
            _ => SqlType::varchar(29),
        },
        MakeDate | FromDays => SqlType::new(TypeKind::Date),
        TimestampFn => SqlType::new(TypeKind::DateTime),
        Format => SqlType::varchar(64),
        Unhex => SqlType::new(TypeKind::Blob),
        Md5 => SqlType::varchar(32),
        Sha1 => SqlType::varchar(40),
        Bin | Oct => SqlType::varchar(64),
        DateAdd => match args.first().map(|t| t.kind) {
            Some(TypeKind::DateTime | TypeKind::Timestamp) => SqlType::new(TypeKind::DateTime),
            _ => SqlType::varchar(29),
        },
        DateDiff | TimestampDiff | Extract | DayOfWeek | DayOfYear | WeekDay | Quarter | Week => SqlType::bigint(),
        DateFormat | MonthName | DayName => SqlType::varchar(64),
        StrToDate => SqlType::varchar(29),
        LastDay => SqlType::new(TypeKind::Date),
        FromUnixtime => SqlType::new(TypeKind::DateTime),
        // Hex digits are text whatever the argument (MySQL sends them in the
        // connection character set, not as binary).
        Hex => SqlType::varchar(args.first().map_or(1, |t| t.display_len().saturating_mul(2)).clamp(1, 65535)),
        Concat | ConcatWs | Upper | Lower | Substring | Left | Right | Trim | LTrim | RTrim | Replace | Repeat
        | Reverse | Lpad | Rpad | Space => {
            if args.iter().any(|t| t.is_binary()) {
                SqlType::new(TypeKind::Blob)
            } else {
                SqlType::varchar(args.iter().fold(0u32, |n, t| n.saturating_add(t.display_len())).clamp(1, 65535))
            }
        }
    }
}

/// SLEEP(seconds): 0 after the time, or 1 at once when KILL QUERY
/// interrupts it (as MySQL's, the statement then goes on). The statement
/// runs on the blocking pool (see `Session::text_runs_without_waiting`).
fn sleep(secs: &Value, process: Option<&crate::process::Process>) -> Result<Value> {
    let secs = match secs.as_f64() {
        Some(s) if s >= 0.0 && !secs.is_null() => s.min(365.0 * 86_400.0),
        _ => return Err(DbError::wrong_arguments("sleep.")),
    };
    #[cfg(madsim)]
    {
        let _ = (secs, process);
        Err(DbError::unsupported("SLEEP() in the simulator"))
    }
    #[cfg(not(madsim))]
    {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs_f64(secs);
        loop {
            if process.is_some_and(|p| p.check().is_err()) {
                return Ok(Value::Int(1));
            }
            let now = std::time::Instant::now();
            if now >= deadline {
                return Ok(Value::Int(0));
            }
            std::thread::sleep((deadline - now).min(std::time::Duration::from_millis(10)));
        }
    }
}

/// The fractional-second digits a temporal result keeps: the most its
/// temporal arguments have, or a decimal argument's scale (text and
/// integers have none).
fn fraction_digits(args: &[SqlType]) -> u32 {
    args.iter()
        .map(|t| match t.kind {
            TypeKind::Time | TypeKind::DateTime | TypeKind::Timestamp => t.len.min(6),
            TypeKind::Decimal | TypeKind::Double | TypeKind::Float => u32::from(t.scale).min(6),
            _ => 0,
        })
        .max()
        .unwrap_or(0)
}

fn text(v: &Value) -> Option<String> {
    v.to_text()
}

fn int_arg(v: &Value) -> Option<i64> {
    v.as_i64()
}

/// The part of a string of `n` characters (or bytes) that
/// `SUBSTRING(s, pos[, len])` returns: 1-based `pos`, negative from the end,
/// 0 or out of range gives nothing; a `len` below 1 gives nothing.
fn substring_range(n: usize, pos: i64, len: Option<i64>) -> std::ops::Range<usize> {
    let n = n as i64;
    let start = match pos {
        p if p > 0 => p - 1,
        p if p < 0 => n + p,
        _ => return 0..0,
    };
    if start < 0 || start >= n {
        return 0..0;
    }
    let end = match len {
        Some(l) if l <= 0 => return 0..0,
        Some(l) => start.saturating_add(l).min(n),
        None => n,
    };
    start as usize..end as usize
}

/// The part `LEFT(s, k)` (or `RIGHT`) keeps of a string of `n` characters.
fn left_right_range(n: usize, k: i64, left: bool) -> std::ops::Range<usize> {
    let k = k.clamp(0, n as i64) as usize;
    if left {
        0..k
    } else {
        n - k..n
    }
}

/// Evaluate `f(args)`.
pub fn call(f: &Func, args: &[Expr], row: &[Value], ctx: &Ctx) -> Result<Value> {
    use Func::*;
    // Functions with their own NULL handling evaluate lazily.
    match f {
        Coalesce => {
            for a in args {
                let v = a.eval(row, ctx)?;
                if !v.is_null() {
                    return Ok(v);
                }
            }
            return Ok(Value::Null);
        }
        IfNull => {
            let v = args[0].eval(row, ctx)?;
            return if v.is_null() { args[1].eval(row, ctx) } else { Ok(v) };
        }
        If => {
            let c = args[0].eval(row, ctx)?;
            return if c.truth() == Some(true) { args[1].eval(row, ctx) } else { args[2].eval(row, ctx) };
        }
        _ => {}
    }
    let vals: Vec<Value> = args.iter().map(|a| a.eval(row, ctx)).collect::<Result<_>>()?;
    if let Some(r) = crate::sql::funclib::eval_nullable(*f, &vals) {
        return r;
    }
    let env = ctx.env;
    if *f == Sleep {
        return sleep(&vals[0], env.session.process.as_deref());
    }
    match f {
        DebugPanic => panic!("guocedb_debug_panic() was called"),
        BinaryCollate => {
            return Ok(match vals.into_iter().next() {
                Some(Value::Str(s)) => Value::Bytes(s.into_bytes()),
                Some(v) => v,
                None => Value::Null,
            })
        }
        CiCollate => return Ok(vals.into_iter().next().unwrap_or(Value::Null)),
        Database => return Ok(env.session.database.clone().map(Value::Str).unwrap_or(Value::Null)),
        User => return Ok(Value::Str(format!("{}@{}", env.session.user, env.session.host))),
        Version => return Ok(Value::Str(crate::SERVER_VERSION.to_string())),
        ConnectionId => return Ok(Value::UInt(env.session.connection_id as u64)),
        LastInsertId => {
            return Ok(match vals.first() {
                Some(v) => v.clone(),
                None => Value::UInt(env.session.last_insert_id),
            })
        }
        RowCount => return Ok(Value::Int(env.session.row_count)),
        FoundRows => return Ok(Value::UInt(env.session.found_rows)),
        // NOW() is whole seconds; NOW(fsp) has fsp fractional digits.
        Now => {
            let fsp = vals.first().and_then(int_arg).unwrap_or(0);
            if !(0..=6).contains(&fsp) {
                return Err(DbError::new(
                    1426,
                    "42000",
                    format!("Too-big precision {fsp} specified for 'now'. Maximum is 6."),
                ));
            }
            return Ok(Value::DateTime(value::truncate_fsp(env.now, fsp as u32)));
        }
        UtcTimestamp | UtcDate | UtcTime => {
            let utc = crate::sql::timezone::to_utc(env.now, env.session.time_zone);
            let fsp = vals.first().and_then(int_arg).unwrap_or(0);
            if !(0..=6).contains(&fsp) {
                return Err(DbError::new(
                    1426,
                    "42000",
                    format!(
                        "Too-big precision {fsp} specified for '{}'. Maximum is 6.",
                        format!("{f:?}").to_lowercase()
                    ),
                ));
            }
            let utc = value::truncate_fsp(utc, fsp as u32);
            return Ok(match f {
                UtcDate => Value::Date(utc.date()),
                UtcTime => {
                    use chrono::Timelike;
                    let t = utc.time();
                    Value::Time(i64::from(t.num_seconds_from_midnight()) * 1_000_000 + i64::from(t.nanosecond() / 1000))
                }
                _ => Value::DateTime(utc),
            });
        }
        CurDate => return Ok(Value::Date(env.now.date())),
        CurTime => {
            use chrono::Timelike;
            let t = env.now.time();
            return Ok(Value::Time((t.num_seconds_from_midnight() as i64) * 1_000_000));
        }
        Pi => return Ok(Value::Double(std::f64::consts::PI)),
        UnixTimestamp if vals.is_empty() => {
            let utc = crate::sql::timezone::to_utc(env.now, env.session.time_zone);
            return Ok(Value::Int(utc.and_utc().timestamp()));
        }
        ConcatWs => {
            if vals[0].is_null() {
                return Ok(Value::Null);
            }
            let sep = text(&vals[0]).unwrap_or_default();
            let parts: Vec<String> = vals[1..].iter().filter_map(text).collect();
            return Ok(Value::Str(parts.join(&sep)));
        }
        IsNullFn => return Ok(expr::bool_val(vals[0].is_null())),
        NullIf => {
            return Ok(if compare(&vals[0], &vals[1]) == Some(std::cmp::Ordering::Equal) {
                Value::Null
            } else {
                vals[0].clone()
            })
        }
        _ => {}
    }
    if vals.iter().any(Value::is_null) {
        return Ok(Value::Null);
    }
    let v0 = &vals[0];
    Ok(match f {
        Abs => match v0 {
            Value::Int(i) => match i.checked_abs() {
                Some(a) => Value::Int(a),
                None => return Err(DbError::arith_range("BIGINT", &format!("abs({i})"))),
            },
            Value::UInt(u) => Value::UInt(*u),
            Value::Decimal(d) => Value::Decimal(d.abs()),
            other => Value::Double(other.as_f64().unwrap_or(0.0).abs()),
        },
        Ceil | Floor => match v0 {
            Value::Int(_) | Value::UInt(_) => v0.clone(),
            Value::Decimal(d) => {
                let r = if *f == Ceil { d.ceil() } else { d.floor() };
                r.to_i64().map(Value::Int).unwrap_or(Value::Decimal(r))
            }
            other => {
                let x = other.as_f64().unwrap_or(0.0);
                Value::Double(if *f == Ceil { x.ceil() } else { x.floor() })
            }
        },
        Round | Truncate => {
            let places = vals.get(1).and_then(int_arg).unwrap_or(0);
            round_value(v0, places, *f == Truncate)
        }
        Mod => expr::binary(expr::BinOp::Mod, v0.clone(), vals[1].clone())?,
        Pow => float_result(v0.as_f64().unwrap_or(0.0).powf(vals[1].as_f64().unwrap_or(0.0)))?,
        Sqrt => {
            let x = v0.as_f64().unwrap_or(0.0);
            if x < 0.0 {
                Value::Null
            } else {
                Value::Double(x.sqrt())
            }
        }
        Exp => float_result(v0.as_f64().unwrap_or(0.0).exp())?,
        Ln | Log2 | Log10 | Log => {
            let (base, x) = if *f == Log && vals.len() == 2 {
                (Some(v0.as_f64().unwrap_or(0.0)), vals[1].as_f64().unwrap_or(0.0))
            } else {
                (None, v0.as_f64().unwrap_or(0.0))
            };
            if x <= 0.0 || base.is_some_and(|b| b <= 0.0 || b == 1.0) {
                Value::Null
            } else {
                Value::Double(match (f, base) {
                    (Log2, _) => x.log2(),
                    (Log10, _) => x.log10(),
                    (_, Some(b)) => x.ln() / b.ln(),
                    _ => x.ln(),
                })
            }
        }
        Sign => {
            let x = v0.as_f64().unwrap_or(0.0);
            Value::Int(if x > 0.0 {
                1
            } else if x < 0.0 {
                -1
            } else {
                0
            })
        }
        Greatest | Least => {
            let mut best = v0.clone();
            for v in &vals[1..] {
                let o = compare(v, &best).unwrap_or(std::cmp::Ordering::Equal);
                if (*f == Greatest && o == std::cmp::Ordering::Greater)
                    || (*f == Least && o == std::cmp::Ordering::Less)
                {
                    best = v.clone();
                }
            }
            best
        }
        Concat => {
            if vals.iter().any(|v| matches!(v, Value::Bytes(_))) {
                Value::Bytes(vals.iter().flat_map(|v| v.to_bytes().unwrap_or_default()).collect())
            } else {
                Value::Str(vals.iter().filter_map(text).collect())
            }
        }
        Length => Value::Int(v0.to_bytes().map(|b| b.len()).unwrap_or(0) as i64),
        // On a binary string: its length in bytes; UPPER/LOWER leave it as is.
        CharLength => match v0 {
            Value::Bytes(b) => Value::Int(b.len() as i64),
            other => Value::Int(text(other).map(|s| s.chars().count()).unwrap_or(0) as i64),
        },
        Upper | Lower if matches!(v0, Value::Bytes(_)) => v0.clone(),
        Upper => Value::Str(text(v0).unwrap_or_default().to_uppercase()),
        Lower => Value::Str(text(v0).unwrap_or_default().to_lowercase()),
        Substring => {
            let pos = int_arg(&vals[1]).unwrap_or(0);
            let len = vals.get(2).and_then(int_arg);
            match v0 {
                // A binary string counts bytes, and keeps them as they are.
                Value::Bytes(b) => Value::Bytes(b[substring_range(b.len(), pos, len)].to_vec()),
                other => {
                    let s: Vec<char> = text(other).unwrap_or_default().chars().collect();
                    Value::Str(s[substring_range(s.len(), pos, len)].iter().collect())
                }
            }
        }
        Left | Right => {
            let k = int_arg(&vals[1]).unwrap_or(0);
            match v0 {
                Value::Bytes(b) => Value::Bytes(b[left_right_range(b.len(), k, *f == Left)].to_vec()),
                other => {
                    let s: Vec<char> = text(other).unwrap_or_default().chars().collect();
                    Value::Str(s[left_right_range(s.len(), k, *f == Left)].iter().collect())
                }
            }
        }
        Trim => Value::Str(text(v0).unwrap_or_default().trim_matches(' ').to_string()),
        LTrim => Value::Str(text(v0).unwrap_or_default().trim_start_matches(' ').to_string()),
        RTrim => Value::Str(text(v0).unwrap_or_default().trim_end_matches(' ').to_string()),
        Replace => {
            let from = text(&vals[1]).unwrap_or_default();
            let s = text(v0).unwrap_or_default();
            if from.is_empty() {
                Value::Str(s)
            } else {
                Value::Str(s.replace(&from, &text(&vals[2]).unwrap_or_default()))
            }
        }
        Repeat => {
            let n = int_arg(&vals[1]).unwrap_or(0).max(0) as usize;
            let s = text(v0).unwrap_or_default();
            if s.len().saturating_mul(n) > 16 * 1024 * 1024 {
                Value::Null
            } else {
                Value::Str(s.repeat(n))
            }
        }
        Reverse => match v0 {
            Value::Bytes(b) => Value::Bytes(b.iter().rev().copied().collect()),
            other => Value::Str(text(other).unwrap_or_default().chars().rev().collect()),
        },
        Instr | Locate => {
            let (hay, needle, from) = if *f == Instr {
                (text(v0).unwrap_or_default(), text(&vals[1]).unwrap_or_default(), 1)
            } else {
                (
                    text(&vals[1]).unwrap_or_default(),
                    text(v0).unwrap_or_default(),
                    vals.get(2).and_then(int_arg).unwrap_or(1),
                )
            };
            let hay_l: Vec<char> = value::collate_key(&hay).chars().collect();
            let nee_l: Vec<char> = value::collate_key(&needle).chars().collect();
            if from < 1 {
                return Ok(Value::Int(0));
            }
            let start = (from - 1) as usize;
            let mut found = 0;
            if nee_l.is_empty() {
                found = if start <= hay_l.len() { from } else { 0 };
            } else if hay_l.len() >= nee_l.len() {
                for i in start..=(hay_l.len() - nee_l.len()) {
                    if hay_l[i..i + nee_l.len()] == nee_l[..] {
                        found = i as i64 + 1;
                        break;
                    }
                }
            }
            Value::Int(found)
        }
        Lpad | Rpad => {
            let s: Vec<char> = text(v0).unwrap_or_default().chars().collect();
            let len = int_arg(&vals[1]).unwrap_or(0);
            if !(0..=16 * 1024 * 1024).contains(&len) {
                return Ok(Value::Null);
            }
            let len = len as usize;
            let pad: Vec<char> = text(&vals[2]).unwrap_or_default().chars().collect();
            if s.len() >= len {
                Value::Str(s[..len].iter().collect())
            } else if pad.is_empty() {
                Value::Null
            } else {
                let fill: String = pad.iter().cycle().take(len - s.len()).collect();
                let s: String = s.iter().collect();
                Value::Str(if *f == Lpad { fill + &s } else { s + &fill })
            }
        }
        Hex => match v0 {
            Value::Int(_) | Value::UInt(_) | Value::Double(_) | Value::Decimal(_) | Value::Bit(..) => {
                Value::Str(format!("{:X}", v0.as_i128().unwrap_or(0) as u64))
            }
            other => Value::Str(other.to_bytes().unwrap_or_default().iter().map(|b| format!("{b:02X}")).collect()),
        },
        Unhex => {
            let s = text(v0).unwrap_or_default();
            let s = if s.len() % 2 == 1 { format!("0{s}") } else { s };
            let bytes: Option<Vec<u8>> =
                (0..s.len()).step_by(2).map(|i| s.get(i..i + 2).and_then(|h| u8::from_str_radix(h, 16).ok())).collect();
            bytes.map(Value::Bytes).unwrap_or(Value::Null)
        }
        Format => {
            let places = int_arg(&vals[1]).unwrap_or(0).clamp(0, 30) as u32;
            let d = v0
                .as_decimal()
                .unwrap_or_default()
                .round_dp_with_strategy(places, rust_decimal::RoundingStrategy::MidpointAwayFromZero);
            Value::Str(format_number(d, places))
        }
        Md5 => Value::Str(hex_lower(&md5::compute(v0.to_bytes().unwrap_or_default()).0)),
        Sha1 => {
            use sha1::Digest;
            Value::Str(hex_lower(&sha1::Sha1::digest(v0.to_bytes().unwrap_or_default())))
        }
        Bin | Oct => {
            let n = match v0 {
                Value::UInt(u) => *u,
                other => other.as_i128().unwrap_or(0) as u64,
            };
            Value::Str(if *f == Bin { format!("{n:b}") } else { format!("{n:o}") })
        }
        Space => Value::Str(" ".repeat(int_arg(v0).unwrap_or(0).clamp(0, 1 << 20) as usize)),
        Ascii => Value::Int(v0.to_bytes().and_then(|b| b.first().copied()).unwrap_or(0) as i64),
        // The argument is local time in the session's zone.
        UnixTimestamp => match to_datetime(v0) {
            Some(dt) => Value::Int(crate::sql::timezone::to_utc(dt, env.session.time_zone).and_utc().timestamp()),
            None => Value::Null,
        },
        // NULL for an unknown zone, as in MySQL.
        ConvertTz => {
            let zone = |v: &Value| text(v).and_then(|t| crate::sql::timezone::parse(&t).ok());
            match (to_datetime(v0), zone(&vals[1]), zone(&vals[2])) {
                (Some(dt), Some(from), Some(to)) => {
                    Value::DateTime(crate::sql::timezone::from_utc(crate::sql::timezone::to_utc(dt, from), to))
                }
                _ => Value::Null,
            }
        }
        // HOUR / MINUTE / SECOND read a TIME (hours may pass 23) or the
        // time of a datetime.
        Hour | Minute | Second => match time_part(v0) {
            Some(t) => {
                let secs = (t.unsigned_abs() / 1_000_000) as i64;
                Value::Int(match f {
                    Hour => secs / 3600,
                    Minute => secs / 60 % 60,
                    _ => secs % 60,
                })
            }
            None => Value::Null,
        },
        Time => match time_part(v0) {
            Some(t) => Value::Time(t),
            None => Value::Null,
        },
        Year | Month | Day => {
            use chrono::Datelike;
            match to_datetime(v0) {
                Some(dt) => Value::Int(match f {
                    Year => dt.year() as i64,
                    Month => dt.month() as i64,
                    _ => dt.day() as i64,
                }),
                None => Value::Null,
            }
        }
        Date => match to_datetime(v0) {
            Some(dt) => Value::Date(dt.date()),
            None => Value::Null,
        },
        DateAdd => {
            let unit = text(&vals[2]).unwrap_or_default();
            let date_only = match v0 {
                Value::Date(_) => true,
                Value::DateTime(_) => false,
                other => other.to_text().is_some_and(|s| value::parse_date(&s).is_some() && s.trim().len() <= 10),
            };
            let Some(dt) = to_datetime(v0) else { return Ok(Value::Null) };
            let Some(r) = temporal::add_interval(dt, &vals[1], &unit) else { return Ok(Value::Null) };
            let keeps_date = date_only && temporal::unit_is_date_only(&unit);
            match (v0, keeps_date) {
                (Value::DateTime(_), _) => Value::DateTime(r),
                (Value::Date(_), true) => Value::Date(r.date()),
                (Value::Date(_), false) => Value::DateTime(r),
                (_, true) => Value::Str(r.format("%Y-%m-%d").to_string()),
                (_, false) => Value::Str(value::format_datetime(&r)),
            }
        }
        DateDiff => match (to_datetime(v0), to_datetime(&vals[1])) {
            (Some(a), Some(b)) => Value::Int((a.date() - b.date()).num_days()),
            _ => Value::Null,
        },
        TimestampDiff => match (to_datetime(&vals[1]), to_datetime(&vals[2])) {
            (Some(a), Some(b)) => match temporal::diff(&text(v0).unwrap_or_default(), a, b) {
                Some(n) => Value::Int(n),
                None => return Err(DbError::wrong_arguments("TIMESTAMPDIFF")),
            },
            _ => Value::Null,
        },
        DateFormat => match to_datetime(v0) {
            Some(dt) => Value::Str(temporal::format(dt, &text(&vals[1]).unwrap_or_default())),
            None => Value::Null,
        },
        StrToDate => match temporal::parse(&text(v0).unwrap_or_default(), &text(&vals[1]).unwrap_or_default()) {
            Some((dt, has_time)) => {
                if has_time {
                    Value::Str(value::format_datetime(&dt))
                } else {
                    Value::Str(dt.format("%Y-%m-%d").to_string())
                }
            }
            None => Value::Null,
        },
        // A TIME (or time text) gives its time parts on a day of its own.
        Extract => match to_datetime(&vals[1]).or_else(|| {
            let t = time_part(&vals[1]).filter(|t| (0..86_400_000_000).contains(t))?;
            chrono::NaiveDate::from_ymd_opt(2000, 1, 1)?
                .and_hms_opt(0, 0, 0)?
                .checked_add_signed(chrono::Duration::microseconds(t))
        }) {
            Some(dt) => match temporal::extract(&text(v0).unwrap_or_default(), dt) {
                Some(n) => Value::Int(n),
                None => return Err(DbError::unsupported("EXTRACT unit")),
            },
            None => Value::Null,
        },
        DayOfWeek | DayOfYear | WeekDay | Quarter | Week | LastDay | MonthName | DayName => {
            use chrono::Datelike;
            let Some(dt) = to_datetime(v0) else { return Ok(Value::Null) };
            let d = dt.date();
            match f {
                DayOfWeek => Value::Int(d.weekday().number_from_sunday() as i64),
                DayOfYear => Value::Int(d.ordinal() as i64),
                WeekDay => Value::Int(d.weekday().num_days_from_monday() as i64),
                Quarter => Value::Int((d.month() as i64 - 1) / 3 + 1),
                Week => Value::Int(temporal::week_mode0(d)),
                LastDay => match temporal::last_day_of_month(d) {
                    Some(x) => Value::Date(x),
                    None => Value::Null,
                },
                MonthName => Value::Str(d.format("%B").to_string()),
                _ => Value::Str(d.format("%A").to_string()),
            }
        }
        FromUnixtime => {
            let secs = v0.as_f64().unwrap_or(0.0);
            match chrono::DateTime::from_timestamp_micros((secs * 1e6).round() as i64) {
                Some(d) if secs >= 0.0 => {
                    Value::DateTime(crate::sql::timezone::from_utc(d.naive_utc(), env.session.time_zone))
                }
                _ => Value::Null,
            }
        }
        _ => return crate::sql::funclib::eval(*f, &vals),
    })
}

/// The time of a TIME, a datetime or text that is either (microseconds).
fn time_part(v: &Value) -> Option<i64> {
    use chrono::Timelike;
    let of_datetime = |dt: chrono::NaiveDateTime| {
        let t = dt.time();
        t.num_seconds_from_midnight() as i64 * 1_000_000 + (t.nanosecond() / 1000) as i64
    };
    match v {
        Value::Time(t) => Some(*t),
        Value::DateTime(dt) => Some(of_datetime(*dt)),
        Value::Date(_) => Some(0),
        Value::Null => None,
        other => crate::sql::conversion::to_time(other, 6).ok(),
    }
}

fn to_datetime(v: &Value) -> Option<chrono::NaiveDateTime> {
    match v {
        Value::DateTime(dt) => Some(*dt),
        Value::Date(d) => Some(d.and_time(chrono::NaiveTime::MIN)),
        other => value::parse_datetime(&other.to_text()?),
    }
}

fn float_result(f: f64) -> Result<Value> {
    if f.is_finite() {
        Ok(Value::Double(f))
    } else {
        Err(DbError::arith_range("DOUBLE", "pow/exp"))
    }
}

fn round_value(v: &Value, places: i64, truncate: bool) -> Value {
    let places = places.clamp(-30, 30);
    match v {
        Value::Int(_) | Value::UInt(_) | Value::Decimal(_) => {
            let d = v.as_decimal().unwrap_or_default();
            let strategy = if truncate {
                rust_decimal::RoundingStrategy::ToZero
            } else {
                rust_decimal::RoundingStrategy::MidpointAwayFromZero
            };
            let r = if places >= 0 {
                let mut r = d.round_dp_with_strategy(places as u32, strategy);
                if matches!(v, Value::Decimal(_)) {
                    r.rescale(places as u32);
                }
                r
            } else if places < -28 {
                // Past the largest DECIMAL (about 7.9e28) every value rounds to 0.
                Decimal::ZERO
            } else {
                let p = Decimal::from_i128_with_scale(10i128.pow((-places) as u32), 0);
                match (d / p).round_dp_with_strategy(0, strategy).checked_mul(p) {
                    Some(r) => r,
                    // Rounded up past the largest DECIMAL: give the double.
                    None => {
                        let x = d.to_f64().unwrap_or(0.0);
                        let m = 10f64.powi(-(places as i32));
                        return Value::Double(if truncate { (x / m).trunc() * m } else { (x / m).round() * m });
                    }
                }
            };
            match v {
                Value::Int(_) => r.to_i64().map(Value::Int).unwrap_or(Value::Decimal(r)),
                Value::UInt(_) => r.to_u64().map(Value::UInt).unwrap_or(Value::Decimal(r)),
                _ => Value::Decimal(r),
            }
        }
        other => {
            let x = other.as_f64().unwrap_or(0.0);
            let m = 10f64.powi(places as i32);
            let r = if truncate { (x * m).trunc() / m } else { round_half_even_free(x * m) / m };
            Value::Double(if r.is_finite() { r } else { x })
        }
    }
}

/// MySQL rounds doubles half away from zero.
fn round_half_even_free(x: f64) -> f64 {
    x.round()
}

fn hex_lower(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

/// FORMAT(x, d): thousands separated by commas, `d` decimals (en_US).
fn format_number(d: rust_decimal::Decimal, places: u32) -> String {
    let mut d = d;
    d.rescale(places);
    let s = d.abs().to_string();
    let (int, frac) = match s.split_once('.') {
        Some((i, f)) => (i.to_string(), Some(f.to_string())),
        None => (s, None),
    };
    let mut grouped = String::new();
    for (i, c) in int.chars().enumerate() {
        if i > 0 && (int.len() - i) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(c);
    }
    let sign = if d.is_sign_negative() && !d.is_zero() { "-" } else { "" };
    match frac {
        Some(f) => format!("{sign}{grouped}.{f}"),
        None => format!("{sign}{grouped}"),
    }
}
