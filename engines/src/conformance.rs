//! The conformance suite every engine must pass.
//!
//! Each test is a plain function over `&dyn KvEngine`; the
//! [`conformance_suite!`] macro instantiates all of them (plus a `proptest`
//! model test against a `BTreeMap`) for one engine factory. An engine is
//! conformant when the whole suite passes with no engine-specific exceptions:
//! add a new engine by adding one `conformance_suite!` line at the bottom.

use std::collections::BTreeMap;
use std::ops::Bound;
use std::sync::Arc;

use proptest::prelude::*;
use proptest::test_runner::TestCaseError;

use crate::{Direction, KeyRange, KvEngine, KvPair, KvSnapshot, WriteBatch, WriteOptions};

/// The model: the latest state of the keyspace.
type Model = BTreeMap<Vec<u8>, Vec<u8>>;

/// An engine under test plus whatever must outlive it (e.g. its directory).
pub(crate) struct Fixture {
    /// Declared first: dropped before `_keep` (e.g. before a `TempDir` goes).
    pub engine: Arc<dyn KvEngine>,
    pub _keep: Option<Box<dyn std::any::Any>>,
}

/// Instantiate the whole suite as `mod $name` for the engine built by
/// `$factory: fn() -> Fixture`, with `$cases` proptest cases.
macro_rules! conformance_suite {
    ($name:ident, $factory:expr, $cases:expr) => {
        mod $name {
            use super::*;

            fn fixture() -> Fixture {
                ($factory)()
            }

            #[test]
            fn put_get_delete() {
                super::put_get_delete(&*fixture().engine);
            }
            #[test]
            fn batch_last_op_wins() {
                super::batch_last_op_wins(&*fixture().engine);
            }
            #[test]
            fn batch_is_atomic_for_snapshots() {
                super::batch_is_atomic_for_snapshots(&*fixture().engine);
            }
            #[cfg(not(madsim))]
            #[test]
            fn batch_is_atomic_under_concurrent_readers() {
                super::batch_is_atomic_under_concurrent_readers(fixture().engine);
            }
            #[test]
            fn snapshot_isolation() {
                super::snapshot_isolation(&*fixture().engine);
            }
            #[test]
            fn scan_bound_combinations() {
                super::scan_bound_combinations(&*fixture().engine);
            }
            #[test]
            fn prefix_ranges() {
                super::prefix_ranges(&*fixture().engine);
            }
            #[test]
            fn empty_ranges() {
                super::empty_ranges(&*fixture().engine);
            }
            #[test]
            fn long_scans() {
                super::long_scans(&*fixture().engine);
            }
            #[test]
            fn scans_interleaved_with_writes() {
                super::scans_interleaved_with_writes(&*fixture().engine);
            }
            #[test]
            fn scan_outlives_snapshot_handle() {
                super::scan_outlives_snapshot_handle(&*fixture().engine);
            }

            proptest! {
                #![proptest_config(ProptestConfig {
                    cases: $cases,
                    failure_persistence: None,
                    ..ProptestConfig::default()
                })]
                #[test]
                fn matches_btreemap_model(ops in super::ops_strategy()) {
                    super::run_model(&*fixture().engine, ops)?;
                }
            }
        }
    };
}

// ---------------------------------------------------------------- helpers

fn put(e: &dyn KvEngine, k: &[u8], v: &[u8]) {
    let mut b = WriteBatch::new();
    b.put(k, v);
    e.write(b, WriteOptions::default()).unwrap();
}

fn delete(e: &dyn KvEngine, k: &[u8]) {
    let mut b = WriteBatch::new();
    b.delete(k);
    e.write(b, WriteOptions::default()).unwrap();
}

fn scan(s: &dyn KvSnapshot, range: KeyRange, dir: Direction) -> Vec<KvPair> {
    s.scan(range, dir).unwrap().collect::<crate::Result<Vec<_>>>().unwrap()
}

/// What a scan of `range` over `model` must return.
fn expected(model: &Model, range: &KeyRange, dir: Direction) -> Vec<KvPair> {
    let mut out: Vec<KvPair> =
        model.iter().filter(|(k, _)| range.contains(k)).map(|(k, v)| (k.clone(), v.clone())).collect();
    if dir == Direction::Reverse {
        out.reverse();
    }
    out
}

fn load(e: &dyn KvEngine, model: &Model) {
    let mut b = WriteBatch::new();
    for (k, v) in model {
        b.put(k.clone(), v.clone());
    }
    e.write(b, WriteOptions::default()).unwrap();
}

fn key(i: u32) -> Vec<u8> {
    i.to_be_bytes().to_vec()
}

const DIRECTIONS: [Direction; 2] = [Direction::Forward, Direction::Reverse];

// ---------------------------------------------------------------- tests

fn put_get_delete(e: &dyn KvEngine) {
    assert!(!e.name().is_empty());
    assert!(e.capabilities().reverse_scan);
    assert_eq!(e.get(b"a").unwrap(), None);
    put(e, b"a", b"1");
    assert_eq!(e.get(b"a").unwrap(), Some(b"1".to_vec()));
    put(e, b"a", b"2");
    assert_eq!(e.get(b"a").unwrap(), Some(b"2".to_vec()));
    // An empty value is a value, not an absence.
    put(e, b"empty", b"");
    assert_eq!(e.get(b"empty").unwrap(), Some(Vec::new()));
    // The empty key is a key like any other.
    put(e, b"", b"root");
    assert_eq!(e.get(b"").unwrap(), Some(b"root".to_vec()));
    delete(e, b"a");
    assert_eq!(e.get(b"a").unwrap(), None);
    // Deleting an absent key is a no-op.
    delete(e, b"never-there");
    assert_eq!(e.get(b"never-there").unwrap(), None);
    // Binary keys and values, including 0x00 and 0xFF bytes.
    put(e, &[0x00, 0xff, 0x00], &[0xff, 0x00]);
    assert_eq!(e.get(&[0x00, 0xff, 0x00]).unwrap(), Some(vec![0xff, 0x00]));
    assert_eq!(e.get(&[0x00, 0xff]).unwrap(), None);
    // A fresh snapshot agrees with the engine.
    let s = e.snapshot().unwrap();
    assert_eq!(s.get(b"empty").unwrap(), Some(Vec::new()));
    assert_eq!(s.get(b"a").unwrap(), None);
    // Empty batches are accepted; sync works on every engine.
    e.write(WriteBatch::new(), WriteOptions { sync: true }).unwrap();
    e.sync().unwrap();
    assert_eq!(
        scan(&*s, KeyRange::all(), Direction::Forward),
        vec![
            (Vec::new(), b"root".to_vec()),
            (vec![0x00, 0xff, 0x00], vec![0xff, 0x00]),
            (b"empty".to_vec(), Vec::new()),
        ]
    );
}

fn batch_last_op_wins(e: &dyn KvEngine) {
    put(e, b"d", b"old");
    let mut b = WriteBatch::new();
    b.put(b"a".to_vec(), b"1".to_vec());
    b.put(b"a".to_vec(), b"2".to_vec());
    b.delete(b"b".to_vec());
    b.put(b"b".to_vec(), b"3".to_vec());
    b.put(b"c".to_vec(), b"4".to_vec());
    b.delete(b"c".to_vec());
    b.delete(b"d".to_vec());
    b.put(b"d".to_vec(), b"new".to_vec());
    b.delete(b"d".to_vec());
    b.put(b"d".to_vec(), b"newest".to_vec());
    e.write(b, WriteOptions { sync: true }).unwrap();
    assert_eq!(e.get(b"a").unwrap(), Some(b"2".to_vec()));
    assert_eq!(e.get(b"b").unwrap(), Some(b"3".to_vec()));
    assert_eq!(e.get(b"c").unwrap(), None);
    assert_eq!(e.get(b"d").unwrap(), Some(b"newest".to_vec()));
    let s = e.snapshot().unwrap();
    assert_eq!(
        scan(&*s, KeyRange::all(), Direction::Reverse),
        vec![(b"d".to_vec(), b"newest".to_vec()), (b"b".to_vec(), b"3".to_vec()), (b"a".to_vec(), b"2".to_vec()),]
    );
}

fn batch_is_atomic_for_snapshots(e: &dyn KvEngine) {
    let before = e.snapshot().unwrap();
    let mut b = WriteBatch::new();
    for i in 0..1000 {
        b.put(key(i), b"v".to_vec());
    }
    e.write(b, WriteOptions::default()).unwrap();
    let after = e.snapshot().unwrap();
    assert!(scan(&*before, KeyRange::all(), Direction::Forward).is_empty());
    assert_eq!(scan(&*after, KeyRange::all(), Direction::Forward).len(), 1000);
    // Deleting everything in one batch is just as atomic.
    let mut b = WriteBatch::new();
    for i in 0..1000 {
        b.delete(key(i));
    }
    e.write(b, WriteOptions::default()).unwrap();
    assert_eq!(scan(&*after, KeyRange::all(), Direction::Reverse).len(), 1000);
    assert!(scan(&*e.snapshot().unwrap(), KeyRange::all(), Direction::Forward).is_empty());
}

/// A writer keeps rewriting ten keys to the same value in one batch while
/// readers check, through snapshots, that they never see a mix.
#[cfg(not(madsim))]
fn batch_is_atomic_under_concurrent_readers(e: Arc<dyn KvEngine>) {
    const KEYS: u32 = 10;
    const ROUNDS: u32 = 300;
    std::thread::scope(|scope| {
        let writer = Arc::clone(&e);
        scope.spawn(move || {
            for round in 0..ROUNDS {
                let mut b = WriteBatch::new();
                for k in 0..KEYS {
                    b.put(key(k), round.to_be_bytes().to_vec());
                }
                writer.write(b, WriteOptions::default()).unwrap();
            }
        });
        for _ in 0..2 {
            let reader = Arc::clone(&e);
            scope.spawn(move || {
                for _ in 0..ROUNDS {
                    let s = reader.snapshot().unwrap();
                    let rows = scan(&*s, KeyRange::all(), Direction::Forward);
                    assert!(rows.is_empty() || rows.len() == KEYS as usize);
                    if let Some((_, first)) = rows.first() {
                        assert!(rows.iter().all(|(_, v)| v == first), "torn batch: {rows:?}");
                        for k in 0..KEYS {
                            assert_eq!(s.get(&key(k)).unwrap().as_ref(), Some(first));
                        }
                    }
                }
            });
        }
    });
}

fn snapshot_isolation(e: &dyn KvEngine) {
    put(e, b"a", b"1");
    put(e, b"b", b"1");
    let s1 = e.snapshot().unwrap();
    put(e, b"a", b"2");
    put(e, b"c", b"2");
    delete(e, b"b");
    let s2 = e.snapshot().unwrap();
    delete(e, b"a");
    delete(e, b"c");
    put(e, b"b", b"3");

    // s1 sees exactly the state when it was taken, despite later deletes.
    assert_eq!(s1.get(b"a").unwrap(), Some(b"1".to_vec()));
    assert_eq!(s1.get(b"b").unwrap(), Some(b"1".to_vec()));
    assert_eq!(s1.get(b"c").unwrap(), None);
    assert_eq!(
        scan(&*s1, KeyRange::all(), Direction::Forward),
        vec![(b"a".to_vec(), b"1".to_vec()), (b"b".to_vec(), b"1".to_vec())]
    );
    assert_eq!(
        scan(&*s2, KeyRange::all(), Direction::Reverse),
        vec![(b"c".to_vec(), b"2".to_vec()), (b"a".to_vec(), b"2".to_vec())]
    );
    // The latest state.
    assert_eq!(e.get(b"a").unwrap(), None);
    assert_eq!(e.get(b"b").unwrap(), Some(b"3".to_vec()));
    // Dropping one snapshot does not disturb another.
    drop(s1);
    for i in 0..50u8 {
        put(e, b"a", &[i]);
        put(e, b"c", &[i]);
    }
    assert_eq!(s2.get(b"a").unwrap(), Some(b"2".to_vec()));
    assert_eq!(s2.get(b"b").unwrap(), None);
    assert_eq!(s2.get(b"c").unwrap(), Some(b"2".to_vec()));
    // Two snapshots of the same moment agree.
    let s3 = e.snapshot().unwrap();
    let s4 = e.snapshot().unwrap();
    drop(s3);
    put(e, b"a", b"later");
    assert_eq!(s4.get(b"a").unwrap(), Some(vec![49]));
}

/// Keys chosen around the edges of byte order: empty, 0x00, 0xFF, and
/// keys that are prefixes of one another.
fn edge_keys() -> Vec<Vec<u8>> {
    vec![
        vec![],
        vec![0x00],
        vec![0x00, 0x00],
        vec![0x01],
        vec![0x01, 0x00],
        vec![0x01, 0xff],
        vec![0x02],
        vec![0x7f],
        vec![0x80],
        vec![0xfe, 0xff],
        vec![0xff],
        vec![0xff, 0x00],
        vec![0xff, 0xff],
        vec![0xff, 0xff, 0x01],
    ]
}

fn scan_bound_combinations(e: &dyn KvEngine) {
    let model: Model = edge_keys()
        .into_iter()
        .enumerate()
        .filter(|(i, _)| i % 3 != 2) // leave some edge keys out as gaps
        .map(|(i, k)| (k, vec![i as u8]))
        .collect();
    load(e, &model);
    let s = e.snapshot().unwrap();
    // Bound values: every edge key (present or not) plus a few in-betweens.
    let mut values = edge_keys();
    values.extend([vec![0x00, 0x00, 0x00], vec![0x01, 0x00, 0x00], vec![0x03], vec![0xff; 4]]);
    let mut bounds = vec![Bound::Unbounded];
    for v in &values {
        bounds.push(Bound::Included(v.clone()));
        bounds.push(Bound::Excluded(v.clone()));
    }
    let mut checked = 0;
    for start in &bounds {
        for end in &bounds {
            let range = KeyRange { start: start.clone(), end: end.clone() };
            for dir in DIRECTIONS {
                let got = scan(&*s, range.clone(), dir);
                assert_eq!(got, expected(&model, &range, dir), "{range:?} {dir:?}");
                checked += 1;
            }
        }
    }
    assert_eq!(checked, bounds.len() * bounds.len() * 2);
}

fn prefix_ranges(e: &dyn KvEngine) {
    let keys: Vec<Vec<u8>> = vec![
        vec![0x00],
        vec![0x01],
        vec![0x01, 0x00],
        vec![0x01, 0xff],
        vec![0x01, 0xff, 0xff],
        vec![0x02],
        vec![0xfe],
        vec![0xfe, 0xff],
        vec![0xff],
        vec![0xff, 0x00],
        vec![0xff, 0x01, 0x02],
        vec![0xff, 0xff],
        vec![0xff, 0xff, 0xff],
    ];
    let model: Model = keys.iter().map(|k| (k.clone(), k.clone())).collect();
    load(e, &model);
    let s = e.snapshot().unwrap();
    let prefixes: Vec<Vec<u8>> = vec![
        vec![],
        vec![0x01],
        vec![0x01, 0xff],
        vec![0x03],
        vec![0xfe],
        vec![0xff],
        vec![0xff, 0xff],
        vec![0xff, 0xff, 0xff, 0xff],
    ];
    for p in prefixes {
        let range = KeyRange::prefix(&p);
        for dir in DIRECTIONS {
            let got = scan(&*s, range.clone(), dir);
            let mut want: Vec<KvPair> =
                model.iter().filter(|(k, _)| k.starts_with(&p)).map(|(k, v)| (k.clone(), v.clone())).collect();
            if dir == Direction::Reverse {
                want.reverse();
            }
            assert_eq!(got, want, "prefix {p:?} {dir:?}");
        }
    }
    // The 0xFF prefix is unbounded above and must reach the very last key.
    let last = scan(&*s, KeyRange::prefix(&[0xff]), Direction::Reverse);
    assert_eq!(last.first().map(|(k, _)| k.clone()), Some(vec![0xff, 0xff, 0xff]));
}

fn empty_ranges(e: &dyn KvEngine) {
    // On an empty engine every range is empty.
    let s = e.snapshot().unwrap();
    for dir in DIRECTIONS {
        assert!(scan(&*s, KeyRange::all(), dir).is_empty());
        assert!(scan(&*s, KeyRange::prefix(&[0xff]), dir).is_empty());
    }
    for i in 0..20u8 {
        put(e, &[i], &[i]);
    }
    let s = e.snapshot().unwrap();
    let a = vec![5u8];
    let b = vec![9u8];
    let empties = [
        KeyRange { start: Bound::Included(b.clone()), end: Bound::Included(a.clone()) },
        KeyRange { start: Bound::Excluded(b.clone()), end: Bound::Excluded(a.clone()) },
        KeyRange { start: Bound::Included(a.clone()), end: Bound::Excluded(a.clone()) },
        KeyRange { start: Bound::Excluded(a.clone()), end: Bound::Included(a.clone()) },
        KeyRange { start: Bound::Excluded(a.clone()), end: Bound::Excluded(a.clone()) },
        // Nothing lies strictly between a key and its successor.
        KeyRange { start: Bound::Excluded(a.clone()), end: Bound::Excluded(vec![5, 0]) },
        KeyRange { start: Bound::Included(vec![]), end: Bound::Excluded(vec![]) },
        KeyRange { start: Bound::Unbounded, end: Bound::Excluded(vec![]) },
        KeyRange { start: Bound::Included(vec![100]), end: Bound::Unbounded },
        KeyRange::half_open(vec![5, 0], vec![6]),
        KeyRange::prefix(&[0xff]),
    ];
    for range in empties {
        for dir in DIRECTIONS {
            assert!(scan(&*s, range.clone(), dir).is_empty(), "{range:?} {dir:?}");
        }
    }
    // A one-key range.
    let one = KeyRange { start: Bound::Included(a.clone()), end: Bound::Included(a.clone()) };
    for dir in DIRECTIONS {
        assert_eq!(scan(&*s, one.clone(), dir), vec![(a.clone(), a.clone())]);
    }
}

fn long_scans(e: &dyn KvEngine) {
    const N: u32 = 5000;
    let mut b = WriteBatch::new();
    for i in 0..N {
        b.put(key(i), i.to_le_bytes().to_vec());
    }
    e.write(b, WriteOptions::default()).unwrap();
    // Delete every third key so chunks also span gaps.
    let mut b = WriteBatch::new();
    for i in (0..N).step_by(3) {
        b.delete(key(i));
    }
    e.write(b, WriteOptions::default()).unwrap();
    let live: Vec<u32> = (0..N).filter(|i| i % 3 != 0).collect();
    let s = e.snapshot().unwrap();

    let fwd = scan(&*s, KeyRange::all(), Direction::Forward);
    let want: Vec<KvPair> = live.iter().map(|&i| (key(i), i.to_le_bytes().to_vec())).collect();
    assert_eq!(fwd, want);
    let mut rev = scan(&*s, KeyRange::all(), Direction::Reverse);
    rev.reverse();
    assert_eq!(rev, want);

    // A sub-range with bounds on deleted and live keys.
    let range = KeyRange { start: Bound::Excluded(key(1000)), end: Bound::Included(key(3999)) };
    let sub: Vec<u32> = live.iter().copied().filter(|&i| i > 1000 && i <= 3999).collect();
    for dir in DIRECTIONS {
        let got: Vec<Vec<u8>> = scan(&*s, range.clone(), dir).into_iter().map(|(k, _)| k).collect();
        let mut want: Vec<Vec<u8>> = sub.iter().map(|&i| key(i)).collect();
        if dir == Direction::Reverse {
            want.reverse();
        }
        assert_eq!(got, want, "{dir:?}");
    }
    // Taking just the first few does not need the whole range.
    let first: Vec<_> = s.scan(KeyRange::all(), Direction::Reverse).unwrap().take(3).collect();
    assert_eq!(first.len(), 3);
    assert_eq!(first[0].as_ref().unwrap().0, key(N - 1));
}

fn scans_interleaved_with_writes(e: &dyn KvEngine) {
    const N: u32 = 5000;
    let mut model = Model::new();
    for i in 0..N {
        model.insert(key(i * 2), b"orig".to_vec());
    }
    load(e, &model);
    for dir in DIRECTIONS {
        let s = e.snapshot().unwrap();
        let mut got = Vec::new();
        let mut step = 0u32;
        for pair in s.scan(KeyRange::all(), dir).unwrap() {
            got.push(pair.unwrap());
            // Every so often, rewrite the neighbourhood of where we are:
            // delete the next keys, insert keys in between, overwrite others.
            if got.len() % 97 == 0 {
                step += 1;
                let mut b = WriteBatch::new();
                for i in 0..N {
                    if i % 50 == step % 50 {
                        b.delete(key(i * 2));
                        b.put(key(i * 2 + 1), b"new".to_vec());
                    } else if i % 50 == (step + 1) % 50 {
                        b.put(key(i * 2), b"overwritten".to_vec());
                    }
                }
                e.write(b, WriteOptions::default()).unwrap();
            }
        }
        assert!(step > 10);
        assert_eq!(got, expected(&model, &KeyRange::all(), dir), "{dir:?}");
        // Restore the original state for the next direction.
        let mut b = WriteBatch::new();
        for i in 0..N {
            b.put(key(i * 2), b"orig".to_vec());
            b.delete(key(i * 2 + 1));
        }
        e.write(b, WriteOptions::default()).unwrap();
    }
}

fn scan_outlives_snapshot_handle(e: &dyn KvEngine) {
    for i in 0..200 {
        put(e, &key(i), b"old");
    }
    let s = e.snapshot().unwrap();
    let mut iter = s.scan(KeyRange::all(), Direction::Forward).unwrap();
    drop(s);
    let mut b = WriteBatch::new();
    for i in 0..200 {
        b.delete(key(i));
    }
    e.write(b, WriteOptions::default()).unwrap();
    let first = iter.next().unwrap().unwrap();
    assert_eq!(first, (key(0), b"old".to_vec()));
    assert_eq!(iter.count(), 199);
}

// ---------------------------------------------------------------- model test

type BatchOps = Vec<(Vec<u8>, Option<Vec<u8>>)>;

#[derive(Debug, Clone)]
enum Op {
    Put(Vec<u8>, Vec<u8>),
    Delete(Vec<u8>),
    Batch(BatchOps),
    TakeSnapshot,
    DropSnapshot(usize),
    /// Read at a snapshot (`Some(i)`: the i-th live one, modulo) or latest.
    Get {
        at: Option<usize>,
        key: Vec<u8>,
    },
    /// Scan; after `pause` items, apply `writes` and then read the rest.
    Scan {
        at: Option<usize>,
        range: KeyRange,
        dir: Direction,
        pause: usize,
        writes: BatchOps,
    },
}

fn key_strategy() -> impl Strategy<Value = Vec<u8>> {
    prop::collection::vec(prop::sample::select(vec![0x00u8, 0x01, 0x7f, 0x80, 0xfe, 0xff]), 0..4)
}

fn value_strategy() -> impl Strategy<Value = Vec<u8>> {
    prop::collection::vec(any::<u8>(), 0..4)
}

fn batch_strategy() -> impl Strategy<Value = BatchOps> {
    prop::collection::vec((key_strategy(), prop::option::weighted(0.7, value_strategy())), 0..24)
}

fn bound_strategy() -> impl Strategy<Value = Bound<Vec<u8>>> {
    prop_oneof![
        1 => Just(Bound::Unbounded),
        2 => key_strategy().prop_map(Bound::Included),
        2 => key_strategy().prop_map(Bound::Excluded),
    ]
}

fn range_strategy() -> impl Strategy<Value = KeyRange> {
    prop_oneof![
        4 => (bound_strategy(), bound_strategy()).prop_map(|(start, end)| KeyRange { start, end }),
        1 => key_strategy().prop_map(|p| KeyRange::prefix(&p)),
    ]
}

fn dir_strategy() -> impl Strategy<Value = Direction> {
    prop_oneof![Just(Direction::Forward), Just(Direction::Reverse)]
}

fn ops_strategy() -> impl Strategy<Value = Vec<Op>> {
    let op = prop_oneof![
        5 => (key_strategy(), value_strategy()).prop_map(|(k, v)| Op::Put(k, v)),
        2 => key_strategy().prop_map(Op::Delete),
        3 => batch_strategy().prop_map(Op::Batch),
        1 => Just(Op::TakeSnapshot),
        1 => any::<usize>().prop_map(Op::DropSnapshot),
        2 => (prop::option::of(any::<usize>()), key_strategy())
            .prop_map(|(at, key)| Op::Get { at, key }),
        3 => (
            prop::option::of(any::<usize>()),
            range_strategy(),
            dir_strategy(),
            0usize..80,
            prop::collection::vec(
                (key_strategy(), prop::option::weighted(0.6, value_strategy())),
                0..8
            ),
        )
            .prop_map(|(at, range, dir, pause, writes)| Op::Scan { at, range, dir, pause, writes }),
    ];
    prop::collection::vec(op, 1..80)
}

fn apply(e: &dyn KvEngine, model: &mut Model, ops: &BatchOps) {
    let mut b = WriteBatch::new();
    for (k, v) in ops {
        match v {
            Some(v) => {
                b.put(k.clone(), v.clone());
                model.insert(k.clone(), v.clone());
            }
            None => {
                b.delete(k.clone());
                model.remove(k);
            }
        }
    }
    e.write(b, WriteOptions::default()).unwrap();
}

fn run_model(e: &dyn KvEngine, ops: Vec<Op>) -> Result<(), TestCaseError> {
    let mut model = Model::new();
    let mut snapshots: Vec<(Arc<dyn KvSnapshot>, Model)> = Vec::new();
    // A snapshot and its model: the i-th live one, or a fresh one.
    let pick = |at: Option<usize>,
                snapshots: &Vec<(Arc<dyn KvSnapshot>, Model)>,
                model: &Model|
     -> (Arc<dyn KvSnapshot>, Model) {
        match at {
            Some(i) if !snapshots.is_empty() => snapshots[i % snapshots.len()].clone(),
            _ => (e.snapshot().unwrap(), model.clone()),
        }
    };
    for op in ops {
        match op {
            Op::Put(k, v) => apply(e, &mut model, &vec![(k, Some(v))]),
            Op::Delete(k) => apply(e, &mut model, &vec![(k, None)]),
            Op::Batch(ops) => apply(e, &mut model, &ops),
            Op::TakeSnapshot => snapshots.push((e.snapshot().unwrap(), model.clone())),
            Op::DropSnapshot(i) => {
                if !snapshots.is_empty() {
                    let i = i % snapshots.len();
                    snapshots.remove(i);
                }
            }
            Op::Get { at, key } => {
                if at.is_none() {
                    prop_assert_eq!(e.get(&key).unwrap(), model.get(&key).cloned());
                }
                let (snap, snap_model) = pick(at, &snapshots, &model);
                prop_assert_eq!(snap.get(&key).unwrap(), snap_model.get(&key).cloned());
            }
            Op::Scan { at, range, dir, pause, writes } => {
                if at.is_none() {
                    // Without concurrent writes, the latest-state scan and
                    // seek agree with the model.
                    let want = expected(&model, &range, dir);
                    let got: Vec<KvPair> = e.scan_latest(range.clone(), dir).unwrap().map(|r| r.unwrap()).collect();
                    prop_assert_eq!(&got, &want, "scan_latest {:?} {:?}", range, dir);
                    prop_assert_eq!(e.first(range.clone(), dir).unwrap(), want.first().cloned());
                }
                let (snap, snap_model) = pick(at, &snapshots, &model);
                let mut iter = snap.scan(range.clone(), dir).unwrap();
                let mut got: Vec<KvPair> = iter.by_ref().take(pause).map(|r| r.unwrap()).collect();
                apply(e, &mut model, &writes);
                for pair in iter {
                    got.push(pair.unwrap());
                }
                prop_assert_eq!(got, expected(&snap_model, &range, dir), "{:?} {:?}", range, dir);
            }
        }
    }
    // Every snapshot still sees its own moment, and the latest state agrees.
    for (snap, snap_model) in &snapshots {
        prop_assert_eq!(
            scan(&**snap, KeyRange::all(), Direction::Forward),
            expected(snap_model, &KeyRange::all(), Direction::Forward)
        );
    }
    let latest = e.snapshot().unwrap();
    prop_assert_eq!(
        scan(&*latest, KeyRange::all(), Direction::Reverse),
        expected(&model, &KeyRange::all(), Direction::Reverse)
    );
    Ok(())
}

// ---------------------------------------------------------------- engines

fn memory_fixture() -> Fixture {
    Fixture { engine: Arc::new(crate::memory::MemoryEngine::new()), _keep: None }
}

conformance_suite!(memory_engine, memory_fixture, 1024);

#[cfg(all(feature = "rocksdb", not(madsim)))]
fn rocks_fixture() -> Fixture {
    let dir = tempfile::TempDir::new().unwrap();
    let engine = crate::rocks::RocksEngine::open(dir.path()).unwrap();
    Fixture { engine: Arc::new(engine), _keep: Some(Box::new(dir)) }
}

#[cfg(all(feature = "rocksdb", not(madsim)))]
conformance_suite!(rocks_engine, rocks_fixture, 256);

fn simdisk_fixture() -> Fixture {
    let engine = crate::simdisk::SimDiskEngine::open(crate::simdisk::SimDisk::new(42)).unwrap();
    Fixture { engine: Arc::new(engine), _keep: None }
}

conformance_suite!(simdisk_engine, simdisk_fixture, 256);
