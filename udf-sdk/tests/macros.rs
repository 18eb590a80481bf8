//! The glue `#[scalar]`, `#[aggregate]` and `#[table]` generate, driven on
//! the host through the same bytes the server sends to a module.

use guocedb_udf::abi::{self, Batch};
use guocedb_udf::testing;
use guocedb_udf::Value;

fn int(i: i64) -> Value {
    Value::Int(i)
}
fn text(s: &str) -> Value {
    Value::String(s.into())
}

#[guocedb_udf::scalar]
fn add(a: i64, b: i64) -> i64 {
    a.wrapping_add(b)
}

#[guocedb_udf::scalar]
fn shout(s: &str, times: u32) -> String {
    s.to_uppercase().repeat(times as usize)
}

#[guocedb_udf::scalar]
fn describe(x: Option<f64>, flag: bool) -> Option<String> {
    x.map(|x| format!("{x}:{flag}"))
}

#[guocedb_udf::scalar]
fn checked_div(a: i64, b: i64) -> Result<i64, String> {
    a.checked_div(b).ok_or_else(|| String::from("division by zero"))
}

#[guocedb_udf::scalar]
fn byte_len(b: &[u8]) -> u32 {
    b.len() as u32
}

#[guocedb_udf::scalar]
fn bytes_rev(b: Vec<u8>) -> Vec<u8> {
    b.into_iter().rev().collect()
}

// Explicit lifetimes on purpose: the glue must cope with them.
#[allow(clippy::needless_lifetimes)]
#[guocedb_udf::scalar]
fn first_word<'a>(s: &'a str) -> &'a str {
    s.split(' ').next().unwrap_or("")
}

#[guocedb_udf::scalar]
fn tag_of(v: Value) -> &'static str {
    guocedb_udf::convert::tag_name(&v)
}

#[guocedb_udf::scalar(name = "answer")]
fn forty_two() -> i32 {
    42
}

#[test]
fn scalar_round_trip() {
    let rows = [vec![int(1), int(2)], vec![int(-5), int(5)], vec![int(i64::MAX), int(1)]];
    assert_eq!(testing::scalar(__guocedb_call_add, 2, &rows), Ok(vec![int(3), int(0), int(i64::MIN)]));
    assert_eq!(__guocedb_args_add(), "INT,INT");
    assert_eq!(__guocedb_returns_add(), "INT");
    // No rows: an empty one-column batch.
    assert_eq!(testing::scalar(__guocedb_call_add, 2, &[]), Ok(vec![]));
}

#[test]
fn arguments_convert_as_mysql_does() {
    // '12abc' is 12, 2.5 rounds to 3, a STRING where INT was declared.
    let rows = [vec![text("12abc"), Value::Real(2.5)], vec![Value::Decimal("-1.5".into()), text("x")]];
    assert_eq!(testing::scalar(__guocedb_call_add, 2, &rows), Ok(vec![int(15), int(-2)]));
    // INT to STRING is decimal text.
    assert_eq!(testing::scalar(__guocedb_call_shout, 2, &[vec![int(-7), text("2")]]), Ok(vec![text("-7-7")]));
    assert_eq!(__guocedb_args_shout(), "STRING,INT");
    assert_eq!(__guocedb_returns_shout(), "STRING");
    assert_eq!(testing::scalar(__guocedb_call_first_word, 1, &[vec![Value::Real(1.5)]]), Ok(vec![text("1.5")]));
    assert_eq!(
        testing::scalar(__guocedb_call_byte_len, 1, &[vec![text("héllo")], vec![int(1234)]]),
        Ok(vec![int(6), int(4)])
    );
    assert_eq!(__guocedb_args_byte_len(), "BYTES");
    assert_eq!(
        testing::scalar(__guocedb_call_bytes_rev, 1, &[vec![Value::Bytes(vec![1, 2, 3])]]),
        Ok(vec![Value::Bytes(vec![3, 2, 1])])
    );
}

#[test]
fn nulls() {
    // NULL for a non-Option parameter: that row's result is NULL, the others are computed.
    let rows = [vec![Value::Null, int(1)], vec![int(1), int(1)], vec![int(1), Value::Null]];
    assert_eq!(testing::scalar(__guocedb_call_add, 2, &rows), Ok(vec![Value::Null, int(2), Value::Null]));
    // An Option parameter sees None; a None result is NULL.
    let rows = [vec![Value::Null, int(1)], vec![Value::Real(0.5), int(0)], vec![text("2"), Value::Real(0.4)]];
    assert_eq!(
        testing::scalar(__guocedb_call_describe, 2, &rows),
        Ok(vec![Value::Null, text("0.5:false"), text("2:false")])
    );
    assert_eq!(__guocedb_args_describe(), "REAL,INT");
    assert_eq!(__guocedb_returns_describe(), "STRING");
    // `Value` parameters get NULL as a value and are declared ANY.
    assert_eq!(
        testing::scalar(__guocedb_call_tag_of, 1, &[vec![Value::Null], vec![Value::Temporal("10:00:00".into())]]),
        Ok(vec![text("NULL"), text("TEMPORAL")])
    );
    assert_eq!(__guocedb_args_tag_of(), "ANY");
}

#[test]
fn errors_are_error_results_not_traps() {
    assert_eq!(testing::scalar(__guocedb_call_checked_div, 2, &[vec![int(6), int(3)]]), Ok(vec![int(2)]));
    assert_eq!(
        testing::scalar(__guocedb_call_checked_div, 2, &[vec![int(6), int(3)], vec![int(1), int(0)]]),
        Err("division by zero".into())
    );
    assert_eq!(__guocedb_returns_checked_div(), "INT");
    assert_eq!(testing::scalar(__guocedb_call_add, 1, &[vec![int(1)]]), Err("add: expected 2 arguments, got 1".into()));
    assert_eq!(
        testing::scalar(__guocedb_call_shout, 2, &[vec![text("a"), int(-1)]]),
        Err("shout: argument 2: value -1 is out of range for u32".into())
    );
    // Garbage in: an error result naming the function.
    let out = __guocedb_call_add(&[0xFF, 0xFF, 0xFF, 0xFF, 2, 0, 0, 0, 1]);
    assert_eq!(
        abi::decode_result(&out),
        Ok(Err("add: malformed argument batch: batch claims more values than it holds".into()))
    );
    let out = __guocedb_call_add(&[]);
    assert!(matches!(abi::decode_result(&out), Ok(Err(m)) if m.starts_with("add: malformed")));
}

#[test]
fn renamed_and_nullary() {
    assert_eq!(testing::scalar(__guocedb_call_forty_two, 0, &[vec![], vec![]]), Ok(vec![int(42), int(42)]));
    assert_eq!(__guocedb_args_forty_two(), "");
    // The SQL name is the one in messages.
    assert_eq!(
        testing::scalar(__guocedb_call_forty_two, 1, &[vec![int(1)]]),
        Err("answer: expected 0 arguments, got 1".into())
    );
}

#[derive(Default)]
struct Median {
    values: Vec<f64>,
}

#[guocedb_udf::aggregate]
impl Median {
    fn add(&mut self, x: f64) {
        self.values.push(x);
    }
    fn merge(&mut self, other: Self) {
        self.values.extend(other.values);
    }
    fn finish(mut self) -> Option<f64> {
        self.values.sort_by(f64::total_cmp);
        let n = self.values.len();
        match n {
            0 => None,
            _ if n % 2 == 1 => Some(self.values[n / 2]),
            _ => Some((self.values[n / 2 - 1] + self.values[n / 2]) / 2.0),
        }
    }
}

#[derive(Default)]
struct CountPositive(i64);

#[guocedb_udf::aggregate(name = "count_pos")]
impl CountPositive {
    fn add(&mut self, x: Option<i64>, limit: i64) -> Result<(), String> {
        if self.0 >= limit {
            return Err(format!("count_pos: more than {limit}"));
        }
        if x.is_some_and(|x| x > 0) {
            self.0 += 1;
        }
        Ok(())
    }
    fn finish(&self) -> i64 {
        self.0
    }
}

#[test]
fn aggregate_round_trip() {
    use guocedb_udf::__private::AggregateGlue;
    assert_eq!(<Median as AggregateGlue>::NAME, "median");
    assert_eq!(<CountPositive as AggregateGlue>::NAME, "count_pos");
    let r = |x: f64| vec![Value::Real(x)];
    // Two groups merged; NULL rows skipped; a STRING converted to REAL.
    let groups =
        vec![vec![vec![r(5.0), vec![Value::Null], r(1.0)], vec![r(3.0)]], vec![vec![vec![text("4.5")], r(2.0)]]];
    assert_eq!(testing::aggregate::<Median>(&groups), Ok(Value::Real(3.0)));
    assert_eq!(testing::aggregate::<Median>(&[vec![vec![r(1.0), r(2.0)]]]), Ok(Value::Real(1.5)));
    assert_eq!(testing::aggregate::<Median>(&[]), Ok(Value::Null));
    assert_eq!(
        testing::aggregate::<Median>(&[vec![vec![vec![int(1), int(2)]]]]),
        Err("median: expected 1 argument, got 2".into())
    );

    let row = |x: Value| vec![x, int(3)];
    let g = vec![vec![vec![row(int(1)), row(Value::Null), row(int(-1)), row(text("7"))]]];
    assert_eq!(testing::aggregate::<CountPositive>(&g), Ok(int(2)));
    let g = vec![vec![vec![row(int(1)), row(int(1)), row(int(1)), row(int(1))]]];
    assert_eq!(testing::aggregate::<CountPositive>(&g), Err("count_pos: more than 3".into()));
    // No merge method: merging is an error result, one group is fine.
    assert_eq!(
        testing::aggregate::<CountPositive>(&[vec![], vec![]]),
        Err("count_pos: merging accumulators is not supported".into())
    );
    assert_eq!(<CountPositive as AggregateGlue>::arg_types(), vec![abi::Type::Int, abi::Type::Int]);
}

#[guocedb_udf::table(columns = "part STRING, idx INT")]
fn split(s: &str, sep: &str) -> Result<Vec<(String, i64)>, String> {
    if sep.is_empty() {
        return Err("split: empty separator".into());
    }
    Ok(s.split(sep).zip(1..).map(|(p, i)| (p.to_string(), i)).collect())
}

#[guocedb_udf::table(columns = "n INT")]
fn series(from: i64, to: i64) -> impl Iterator<Item = i64> {
    from..=to
}

#[test]
fn table_round_trip() {
    assert_eq!(
        testing::table(__guocedb_call_split, &[text("a,b,,c"), text(",")]),
        Ok(vec![vec![text("a"), int(1)], vec![text("b"), int(2)], vec![text(""), int(3)], vec![text("c"), int(4)]])
    );
    assert_eq!(__guocedb_columns_split(), "part STRING, idx INT");
    assert_eq!(__guocedb_args_split(), "STRING,STRING");
    assert_eq!(testing::table(__guocedb_call_split, &[text("a"), text("")]), Err("split: empty separator".into()));
    assert_eq!(testing::table(__guocedb_call_split, &[Value::Null, text(",")]), Ok(vec![]));
    assert_eq!(
        testing::table(__guocedb_call_series, &[int(1), text("3")]),
        Ok(vec![vec![int(1)], vec![int(2)], vec![int(3)]])
    );
    // The raw result: one column declared, two rows.
    let out = __guocedb_call_series(&testing::batch(2, &[vec![int(5), int(6)]]));
    assert_eq!(abi::decode_result(&out), Ok(Ok(Batch { nrows: 2, ncols: 1, values: vec![int(5), int(6)] })));
}
