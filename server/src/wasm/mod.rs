//! The wasmtime host for user-defined functions (`udf-sdk/ABI.md`).
//!
//! - [`WasmHost`] owns the wasmtime engine (Cranelift, fuel metering, a stack
//!   limit, the pooling instance allocator) and a cache of compiled modules
//!   keyed by the SHA-256 of their bytes.
//! - [`WasmHost::load`] validates a module for one function: size cap, no
//!   imports at all (no WASI: no files, network, clock or randomness), the
//!   ABI exports, and the function's own exports; it reads the optional
//!   self-description (`f__args`, `f__columns`).
//! - [`Udf`] is one loaded function with a pool of instances. A call takes an
//!   instance (or makes one), refuels it, writes the encoded batch through
//!   `guocedb_alloc`, calls, and decodes the result with bounds checks. A
//!   trap, running out of fuel, a denied memory growth or a malformed result
//!   becomes error 3200 naming the function; that instance is thrown away
//!   and nothing else is affected.
//!
//! Values cross as the ABI's tagged values; [`to_abi`] and [`from_abi`]
//! convert them to and from the server's with MySQL's rules.

use std::collections::HashMap;
use std::sync::Arc;

use guocedb_udf::abi::{self, Type, Value as AbiValue};
use parking_lot::Mutex;
use sha2::{Digest, Sha256};
use wasmtime::{
    Config as WtConfig, Engine, Instance, InstanceAllocationStrategy, Memory, Module, PoolingAllocationConfig,
    ResourceLimiter, Store, Trap, TypedFunc,
};

use crate::error::{DbError, Result};
use crate::sql::value::Value;

/// Compiled modules kept at most (least useful evicted first: any, as
/// functions keep their own handle).
const MAX_CACHED_MODULES: usize = 256;
/// Rows per call when the executor batches.
pub const BATCH_ROWS: usize = 1024;

/// Limits for every call of every function (the `[wasm]` config section).
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct WasmLimits {
    /// Fuel (roughly, Wasm instructions) one call may burn.
    pub fuel_per_call: u64,
    /// Largest linear memory an instance may grow to (bytes).
    pub memory_bytes: usize,
    /// Deepest Wasm stack (bytes).
    pub stack_bytes: usize,
    /// Largest module accepted by CREATE FUNCTION (bytes).
    pub module_bytes: usize,
    /// Idle instances kept per function for reuse.
    pub pooled_instances: usize,
    /// Instances alive at once across all functions.
    pub total_instances: u32,
}

impl Default for WasmLimits {
    fn default() -> Self {
        Self {
            fuel_per_call: 1_000_000_000,
            memory_bytes: 64 << 20,
            stack_bytes: 512 << 10,
            module_bytes: 16 << 20,
            pooled_instances: 16,
            total_instances: 256,
        }
    }
}

/// Kind of a loaded function.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum UdfKind {
    Scalar,
    Aggregate,
    Table,
}

/// A function's declared result type (`RETURNS …`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum ReturnType {
    Integer,
    Real,
    String,
    Decimal,
    Table,
}

impl ReturnType {
    /// `mysql.func.ret`: 0 STRING, 1 REAL, 2 INTEGER, 3 ROW, 4 DECIMAL.
    pub fn func_code(self) -> i64 {
        match self {
            ReturnType::String => 0,
            ReturnType::Real => 1,
            ReturnType::Integer => 2,
            ReturnType::Table => 3,
            ReturnType::Decimal => 4,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            ReturnType::Integer => "int",
            ReturnType::Real => "real",
            ReturnType::String => "char",
            ReturnType::Decimal => "decimal",
            ReturnType::Table => "row",
        }
    }
}

/// Error 3200: a function failed while running.
pub fn udf_error(name: &str, why: impl std::fmt::Display) -> DbError {
    DbError::new(3200, "HY000", format!("{name} UDF failed; {why}"))
}

fn cant_open(file: &str, why: impl std::fmt::Display) -> DbError {
    DbError::new(1126, "HY000", format!("Can't open shared library '{file}' (errno: 22 {why})"))
}

/// The engine and the compiled-module cache.
pub struct WasmHost {
    /// Created on first use: a pooling engine reserves its whole pool of
    /// address space, which a server with no UDFs should not pay for (nor a
    /// simulated node on every restart).
    engine: std::sync::OnceLock<Engine>,
    pub limits: WasmLimits,
    cache: Mutex<HashMap<[u8; 32], Module>>,
}

/// Per-store state: the memory cap.
struct Limiter {
    memory_bytes: usize,
    denied: bool,
}

impl ResourceLimiter for Limiter {
    fn memory_growing(&mut self, _current: usize, desired: usize, _maximum: Option<usize>) -> wasmtime::Result<bool> {
        if desired > self.memory_bytes {
            self.denied = true;
            wasmtime::bail!("memory limit of {} bytes exceeded", self.memory_bytes);
        }
        Ok(true)
    }

    fn table_growing(&mut self, _current: usize, desired: usize, _maximum: Option<usize>) -> wasmtime::Result<bool> {
        Ok(desired <= 100_000)
    }
}

impl WasmHost {
    pub fn new(limits: WasmLimits) -> Result<Arc<Self>> {
        Ok(Arc::new(Self { engine: std::sync::OnceLock::new(), limits, cache: Mutex::new(HashMap::new()) }))
    }

    /// The wasmtime engine, created on first use.
    fn engine(&self) -> Result<&Engine> {
        if let Some(e) = self.engine.get() {
            return Ok(e);
        }
        let limits = &self.limits;
        let mut cfg = WtConfig::new();
        cfg.consume_fuel(true);
        cfg.max_wasm_stack(limits.stack_bytes);
        // Compilation runs on the calling thread: wasmtime's
        // `parallel-compilation` feature is off (simulator builds refuse
        // system threads).
        let mut pool = PoolingAllocationConfig::new();
        pool.total_core_instances(limits.total_instances);
        pool.total_memories(limits.total_instances);
        pool.total_tables(limits.total_instances);
        pool.max_memory_size(limits.memory_bytes);
        cfg.allocation_strategy(InstanceAllocationStrategy::Pooling(pool));
        let engine = Engine::new(&cfg).map_err(|e| DbError::internal(format!("wasm engine: {e}")))?;
        // Two racing first uses: one engine wins, the other is dropped.
        Ok(self.engine.get_or_init(|| engine))
    }

    /// SHA-256 of module bytes.
    pub fn digest(bytes: &[u8]) -> [u8; 32] {
        Sha256::digest(bytes).into()
    }

    /// Compile (or fetch from the cache) and check the ABI-level rules.
    fn compile(&self, file: &str, bytes: &[u8]) -> Result<Module> {
        if bytes.len() > self.limits.module_bytes {
            return Err(cant_open(
                file,
                format!("module is {} bytes; the limit is {}", bytes.len(), self.limits.module_bytes),
            ));
        }
        if !bytes.starts_with(b"\0asm") {
            return Err(cant_open(file, "not a WebAssembly module"));
        }
        let key = Self::digest(bytes);
        if let Some(m) = self.cache.lock().get(&key) {
            return Ok(m.clone());
        }
        let module = Module::new(self.engine()?, bytes).map_err(|e| cant_open(file, format!("invalid module: {e}")))?;
        if let Some(i) = module.imports().next() {
            return Err(cant_open(
                file,
                format!(
                    "module imports {}::{}; UDF modules may import nothing (no WASI, clock or randomness)",
                    i.module(),
                    i.name()
                ),
            ));
        }
        let mut cache = self.cache.lock();
        if cache.len() >= MAX_CACHED_MODULES {
            if let Some(k) = cache.keys().next().copied() {
                cache.remove(&k);
            }
        }
        cache.insert(key, module.clone());
        Ok(module)
    }

    /// The export a function named `written` calls: the name as written,
    /// else its lowercase form (error 1127 when neither exists).
    pub fn pick_symbol(&self, file: &str, bytes: &[u8], written: &str, kind: UdfKind) -> Result<String> {
        let module = self.compile(file, bytes)?;
        let main = |n: &str| match kind {
            UdfKind::Aggregate => format!("{n}__add"),
            _ => n.to_string(),
        };
        let lower = written.to_ascii_lowercase();
        for cand in [written, lower.as_str()] {
            if module.get_export(&main(cand)).is_some() {
                return Ok(cand.to_string());
            }
        }
        Err(DbError::new(1127, "HY000", format!("Can't find symbol '{}' in library", main(written))))
    }

    /// Load `symbol` of `bytes` as a function of `kind`, checking every
    /// export it needs. `arg_types` is the typed signature of the inline
    /// form; otherwise the module's `symbol__args`, if any, applies.
    pub fn load(self: &Arc<Self>, spec: UdfSpec<'_>, bytes: &[u8]) -> Result<Arc<Udf>> {
        let UdfSpec { name, file, symbol, kind, ret, arg_types, limits } = spec;
        let too_high = |what: &str, asked: u128, max: u128| {
            DbError::new(
                1123,
                "HY000",
                format!("Can't initialize function '{name}'; {what} = {asked} is above the server's limit of {max}"),
            )
        };
        if let Some(f) = limits.fuel {
            if f == 0 || f > self.limits.fuel_per_call {
                return Err(too_high("FUEL", f as u128, self.limits.fuel_per_call as u128));
            }
        }
        if let Some(m) = limits.memory_bytes {
            if m > self.limits.memory_bytes {
                return Err(too_high("MEMORY", m as u128, self.limits.memory_bytes as u128));
            }
        }
        let module = self.compile(file, bytes)?;
        let udf = Udf {
            name: name.to_string(),
            symbol: symbol.to_string(),
            kind,
            ret,
            arg_types,
            columns: Vec::new(),
            fuel: limits.fuel.unwrap_or(self.limits.fuel_per_call),
            memory_bytes: limits.memory_bytes.unwrap_or(self.limits.memory_bytes),
            host: self.clone(),
            module,
            pool: Mutex::new(Vec::new()),
        };
        let mut slot = udf.instantiate().map_err(|e| cant_open(file, e.message))?;
        let version = slot
            .instance
            .get_typed_func::<(), i32>(&mut slot.store, "guocedb_abi_version")
            .map_err(|_| DbError::new(1127, "HY000", "Can't find symbol 'guocedb_abi_version' in library"))?;
        match version.call(&mut slot.store, ()) {
            Ok(abi::ABI_VERSION) => {}
            Ok(v) => {
                return Err(cant_open(
                    file,
                    format!("module speaks UDF ABI {v}; this server speaks {}", abi::ABI_VERSION),
                ))
            }
            Err(e) => return Err(cant_open(file, format!("guocedb_abi_version trapped: {e}"))),
        }
        let need: Vec<String> = match kind {
            UdfKind::Scalar | UdfKind::Table => vec![symbol.to_string()],
            UdfKind::Aggregate => ["init", "add", "merge", "finish"].iter().map(|s| format!("{symbol}__{s}")).collect(),
        };
        for n in &need {
            if slot.instance.get_func(&mut slot.store, n).is_none() {
                return Err(DbError::new(1127, "HY000", format!("Can't find symbol '{n}' in library")));
            }
        }
        let mut udf = udf;
        if udf.arg_types.is_none() {
            if let Some(text) = slot.describe(&format!("{symbol}__args"))? {
                udf.arg_types = Some(abi::Type::parse_list(&text).ok_or_else(|| {
                    cant_open(file, format!("{symbol}__args returned an unknown type list: {text:?}"))
                })?);
            }
        }
        if kind == UdfKind::Table {
            let text = slot.describe(&format!("{symbol}__columns"))?.ok_or_else(|| {
                DbError::new(1127, "HY000", format!("Can't find symbol '{symbol}__columns' in library"))
            })?;
            udf.columns = abi::parse_columns(&text).filter(|c| !c.is_empty()).ok_or_else(|| {
                cant_open(file, format!("{symbol}__columns returned an invalid column list: {text:?}"))
            })?;
        }
        udf.pool.lock().push(slot);
        Ok(Arc::new(udf))
    }
}

/// What [`WasmHost::load`] needs besides the bytes.
pub struct UdfSpec<'a> {
    /// SQL name (for messages).
    pub name: &'a str,
    /// File name or `<inline f>` (for messages).
    pub file: &'a str,
    /// The export called.
    pub symbol: &'a str,
    pub kind: UdfKind,
    pub ret: ReturnType,
    /// The typed signature of the inline form; otherwise `symbol__args`.
    pub arg_types: Option<Vec<Type>>,
    /// This function's own limits (`WITH (FUEL = n, MEMORY = bytes)`), at
    /// most the server's.
    pub limits: FunctionLimits,
}

/// Per-function limits; `None` takes the server's (`[wasm]`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct FunctionLimits {
    pub fuel: Option<u64>,
    pub memory_bytes: Option<usize>,
}

/// One instance and its exports.
struct Slot {
    store: Store<Limiter>,
    instance: Instance,
    memory: Memory,
    alloc: TypedFunc<i32, i32>,
}

impl Slot {
    /// Call a `() -> i64` descriptor export and read its text, if present.
    fn describe(&mut self, export: &str) -> Result<Option<String>> {
        let Ok(f) = self.instance.get_typed_func::<(), i64>(&mut self.store, export) else { return Ok(None) };
        let packed = f.call(&mut self.store, ()).map_err(|e| udf_error(export, e))?;
        let bytes = self.read(packed).map_err(|e| udf_error(export, e))?;
        String::from_utf8(bytes).map(Some).map_err(|_| udf_error(export, "descriptor is not UTF-8"))
    }

    /// Copy `input` into guest memory through `guocedb_alloc`.
    fn write(&mut self, input: &[u8]) -> std::result::Result<(i32, i32), String> {
        let len = i32::try_from(input.len()).map_err(|_| "input batch too large".to_string())?;
        let ptr = self.alloc.call(&mut self.store, len).map_err(|e| describe_trap(&e, &self.store))?;
        if ptr == 0 {
            return Err("guocedb_alloc failed".into());
        }
        self.memory
            .write(&mut self.store, ptr as u32 as usize, input)
            .map_err(|_| "guocedb_alloc returned a buffer outside memory".to_string())?;
        Ok((ptr, len))
    }

    /// Copy out a packed (ptr, len) result, bounds-checked.
    fn read(&self, packed: i64) -> std::result::Result<Vec<u8>, String> {
        let (ptr, len) = abi::unpack(packed);
        let data = self.memory.data(&self.store);
        let end = (ptr as usize).checked_add(len as usize).ok_or("result pointer overflows")?;
        data.get(ptr as usize..end).map(<[u8]>::to_vec).ok_or_else(|| "result lies outside the module's memory".into())
    }

    fn refuel(&mut self, fuel: u64) -> std::result::Result<(), String> {
        self.store.set_fuel(fuel).map_err(|e| e.to_string())
    }
}

/// Encode argument rows (each `ncols` values) as one ABI batch.
fn encode_rows(rows: &[Vec<AbiValue>], ncols: u32) -> Vec<u8> {
    let mut input = Vec::with_capacity(16 + rows.len() * 16);
    abi::encode_batch_header(&mut input, rows.len() as u32, ncols);
    for r in rows {
        debug_assert_eq!(r.len(), ncols as usize, "every row has ncols values");
        r.iter().for_each(|v| abi::encode_value(&mut input, v));
    }
    input
}

/// Say why a call failed, in words a user can act on.
fn describe_trap(e: &wasmtime::Error, store: &Store<Limiter>) -> String {
    if store.data().denied {
        return format!("memory limit of {} bytes exceeded", store.data().memory_bytes);
    }
    match e.downcast_ref::<Trap>() {
        Some(Trap::OutOfFuel) => {
            "fuel exhausted (the call ran too long; see wasm.fuel_per_call or the function's FUEL)".into()
        }
        Some(Trap::StackOverflow) => "stack overflow (recursion too deep)".into(),
        Some(Trap::UnreachableCodeReached) => "wasm trap: unreachable (the function panicked or aborted)".into(),
        Some(t) => format!("wasm trap: {t}"),
        None => format!("{e}"),
    }
}

/// One loaded function.
pub struct Udf {
    pub name: String,
    pub symbol: String,
    pub kind: UdfKind,
    pub ret: ReturnType,
    /// Argument types to convert to before calling (`None`: pass as is).
    pub arg_types: Option<Vec<Type>>,
    /// A table function's result columns.
    pub columns: Vec<(String, Type)>,
    /// Fuel per call and memory cap of this function.
    pub fuel: u64,
    pub memory_bytes: usize,
    host: Arc<WasmHost>,
    module: Module,
    pool: Mutex<Vec<Slot>>,
}

impl std::fmt::Debug for Udf {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Udf").field("name", &self.name).field("kind", &self.kind).finish()
    }
}

impl Udf {
    fn instantiate(&self) -> Result<Slot> {
        let mut store = Store::new(self.host.engine()?, Limiter { memory_bytes: self.memory_bytes, denied: false });
        store.limiter(|l| l as &mut dyn ResourceLimiter);
        store.set_fuel(self.fuel).map_err(|e| DbError::internal(e.to_string()))?;
        let instance = Instance::new(&mut store, &self.module, &[]).map_err(|e| {
            let why = describe_trap(&e, &store);
            udf_error(&self.name, format!("instantiation failed: {why}"))
        })?;
        let memory = instance
            .get_memory(&mut store, "memory")
            .ok_or_else(|| DbError::new(1127, "HY000", "Can't find symbol 'memory' in library"))?;
        let alloc = instance
            .get_typed_func::<i32, i32>(&mut store, "guocedb_alloc")
            .map_err(|_| DbError::new(1127, "HY000", "Can't find symbol 'guocedb_alloc' in library"))?;
        Ok(Slot { store, instance, memory, alloc })
    }

    fn take_slot(&self) -> Result<Slot> {
        match self.pool.lock().pop() {
            Some(s) => Ok(s),
            None => self.instantiate(),
        }
    }

    fn give_back(&self, slot: Slot) {
        let mut pool = self.pool.lock();
        if pool.len() < self.host.limits.pooled_instances {
            pool.push(slot);
        }
    }

    /// Check the argument count against the declared types (error 1123).
    pub fn check_arity(&self, n: usize) -> Result<()> {
        match &self.arg_types {
            Some(t) if t.len() != n => Err(DbError::new(
                1123,
                "HY000",
                format!("Can't initialize function '{}'; it takes {} argument(s), {} given", self.name, t.len(), n),
            )),
            _ => Ok(()),
        }
    }

    /// Convert one row of SQL arguments to ABI values.
    pub fn encode_args(&self, args: &[Value]) -> Vec<AbiValue> {
        args.iter()
            .enumerate()
            .map(|(i, v)| to_abi(v, self.arg_types.as_ref().and_then(|t| t.get(i)).copied().unwrap_or(Type::Any)))
            .collect()
    }

    /// Run `f` on an instance; a failure discards the instance.
    fn with_slot<T>(&self, fuel: bool, f: impl FnOnce(&mut Slot) -> std::result::Result<T, String>) -> Result<T> {
        let mut slot = self.take_slot()?;
        if fuel {
            slot.refuel(self.fuel).map_err(|e| udf_error(&self.name, e))?;
        }
        match f(&mut slot) {
            Ok(v) => {
                self.give_back(slot);
                Ok(v)
            }
            Err(e) => Err(udf_error(&self.name, e)),
        }
    }

    /// Encode `rows`, call `export(ptr, len)`, decode the result batch.
    fn call_batch(
        slot: &mut Slot,
        export: &str,
        ncols: u32,
        rows: &[Vec<AbiValue>],
    ) -> std::result::Result<abi::Batch, String> {
        let (ptr, len) = slot.write(&encode_rows(rows, ncols))?;
        let f = slot
            .instance
            .get_typed_func::<(i32, i32), i64>(&mut slot.store, export)
            .map_err(|e| format!("export {export} has the wrong type: {e}"))?;
        let packed = f.call(&mut slot.store, (ptr, len)).map_err(|e| describe_trap(&e, &slot.store))?;
        let out = slot.read(packed)?;
        match abi::decode_result(&out) {
            Ok(Ok(b)) => Ok(b),
            Ok(Err(msg)) => Err(msg),
            Err(e) => Err(format!("malformed result: {e}")),
        }
    }

    /// Call a scalar function on a batch of argument rows: one value per row.
    pub fn call_scalar(&self, rows: &[Vec<AbiValue>]) -> Result<Vec<Value>> {
        debug_assert_eq!(self.kind, UdfKind::Scalar);
        let ncols = rows.first().map_or(0, Vec::len) as u32;
        let batch = self.with_slot(true, |slot| {
            let b = Self::call_batch(slot, &self.symbol, ncols, rows)?;
            if b.nrows as usize != rows.len() || b.ncols != 1 {
                return Err(format!(
                    "malformed result: {} rows x {} columns for {} input rows (want one value per row)",
                    b.nrows,
                    b.ncols,
                    rows.len()
                ));
            }
            Ok(b)
        })?;
        batch.values.into_iter().map(|v| from_abi(v, self.ret, &self.name)).collect()
    }

    /// Call a table function: its rows, as the declared column types.
    pub fn call_table(&self, args: Vec<AbiValue>) -> Result<Vec<Vec<Value>>> {
        debug_assert_eq!(self.kind, UdfKind::Table);
        let ncols = args.len() as u32;
        let want = self.columns.len() as u32;
        let b = self.with_slot(true, |slot| {
            let b = Self::call_batch(slot, &self.symbol, ncols, &[args])?;
            if b.ncols != want && b.nrows > 0 {
                return Err(format!("malformed result: {} columns, declared {}", b.ncols, want));
            }
            Ok(b)
        })?;
        let mut rows = Vec::with_capacity(b.nrows as usize);
        let mut values = b.values.into_iter();
        for _ in 0..b.nrows {
            let mut row = Vec::with_capacity(self.columns.len());
            for (_, ty) in &self.columns {
                let v = values.next().unwrap_or(AbiValue::Null);
                row.push(from_abi_typed(v, *ty, &self.name)?);
            }
            rows.push(row);
        }
        Ok(rows)
    }

    /// Start an aggregation: one instance held until the run is dropped.
    pub fn aggregate(self: &Arc<Self>) -> Result<AggRun> {
        debug_assert_eq!(self.kind, UdfKind::Aggregate);
        Ok(AggRun { udf: self.clone(), slot: Some(self.take_slot()?) })
    }
}

/// An aggregation in progress: accumulators (one per group) live in one
/// instance.
pub struct AggRun {
    udf: Arc<Udf>,
    slot: Option<Slot>,
}

impl AggRun {
    fn run<T>(&mut self, f: impl FnOnce(&mut Slot, &Udf) -> std::result::Result<T, String>) -> Result<T> {
        let udf = self.udf.clone();
        let Some(slot) = self.slot.as_mut() else { return Err(udf_error(&udf.name, "the instance failed earlier")) };
        if let Err(e) = slot.refuel(udf.fuel) {
            return Err(udf_error(&udf.name, e));
        }
        match f(slot, &udf) {
            Ok(v) => Ok(v),
            Err(e) => {
                self.slot = None; // a failed instance is never reused
                Err(udf_error(&udf.name, e))
            }
        }
    }

    /// A new accumulator's handle.
    pub fn new_group(&mut self) -> Result<i32> {
        self.run(|slot, udf| {
            let f = slot
                .instance
                .get_typed_func::<(), i32>(&mut slot.store, &format!("{}__init", udf.symbol))
                .map_err(|e| e.to_string())?;
            let h = f.call(&mut slot.store, ()).map_err(|e| describe_trap(&e, &slot.store))?;
            if h < 0 {
                return Err(format!("{}__init failed ({h})", udf.symbol));
            }
            Ok(h)
        })
    }

    /// Feed argument rows to accumulator `h`.
    pub fn add(&mut self, h: i32, rows: &[Vec<AbiValue>]) -> Result<()> {
        let ncols = rows.first().map_or(0, Vec::len) as u32;
        self.run(|slot, udf| {
            let (ptr, len) = slot.write(&encode_rows(rows, ncols))?;
            let f = slot
                .instance
                .get_typed_func::<(i32, i32, i32), i64>(&mut slot.store, &format!("{}__add", udf.symbol))
                .map_err(|e| e.to_string())?;
            let packed = f.call(&mut slot.store, (h, ptr, len)).map_err(|e| describe_trap(&e, &slot.store))?;
            let out = slot.read(packed)?;
            match abi::decode_result(&out) {
                Ok(Ok(_)) => Ok(()),
                Ok(Err(m)) => Err(m),
                Err(e) => Err(format!("malformed result: {e}")),
            }
        })
    }

    /// The value of accumulator `h` (which is released).
    pub fn finish(&mut self, h: i32) -> Result<Value> {
        let v = self.run(|slot, udf| {
            let f = slot
                .instance
                .get_typed_func::<i32, i64>(&mut slot.store, &format!("{}__finish", udf.symbol))
                .map_err(|e| e.to_string())?;
            let packed = f.call(&mut slot.store, h).map_err(|e| describe_trap(&e, &slot.store))?;
            let out = slot.read(packed)?;
            let b = match abi::decode_result(&out) {
                Ok(Ok(b)) => b,
                Ok(Err(m)) => return Err(m),
                Err(e) => return Err(format!("malformed result: {e}")),
            };
            if b.nrows != 1 || b.ncols != 1 {
                return Err(format!("malformed result: {} rows x {} columns (want 1 x 1)", b.nrows, b.ncols));
            }
            Ok(b.values.into_iter().next().unwrap_or(AbiValue::Null))
        })?;
        from_abi(v, self.udf.ret, &self.udf.name)
    }
}

/// A SQL value as the ABI value of type `want` (MySQL's conversions).
pub fn to_abi(v: &Value, want: Type) -> AbiValue {
    if v.is_null() {
        return AbiValue::Null;
    }
    match want {
        Type::Int => AbiValue::Int(v.as_i64().unwrap_or(0)),
        Type::Real => AbiValue::Real(v.as_f64().unwrap_or(0.0)),
        Type::String => AbiValue::String(v.to_text().unwrap_or_default()),
        Type::Bytes => AbiValue::Bytes(v.to_bytes().unwrap_or_default()),
        Type::Decimal => AbiValue::Decimal(v.as_decimal().map(|d| d.to_string()).unwrap_or_else(|| "0".into())),
        Type::Temporal => AbiValue::Temporal(v.to_text().unwrap_or_default()),
        Type::Any => match v {
            Value::Null => AbiValue::Null,
            Value::Int(i) => AbiValue::Int(*i),
            Value::UInt(u) => i64::try_from(*u).map(AbiValue::Int).unwrap_or(AbiValue::Decimal(u.to_string())),
            Value::Double(d) => AbiValue::Real(*d),
            Value::Decimal(d) => AbiValue::Decimal(d.to_string()),
            Value::Str(s) => AbiValue::String(s.clone()),
            Value::Bytes(b) => AbiValue::Bytes(b.clone()),
            Value::Date(_) | Value::DateTime(_) | Value::Time(_) => AbiValue::Temporal(v.to_text().unwrap_or_default()),
            Value::Bit(..) => AbiValue::Bytes(v.to_bytes().unwrap_or_default()),
            Value::Enum(_, s) => AbiValue::String(s.clone()),
        },
    }
}

/// Plain conversion of an ABI value to a SQL value (no declared type).
fn abi_to_value(v: AbiValue) -> Value {
    match v {
        AbiValue::Null => Value::Null,
        AbiValue::Int(i) => Value::Int(i),
        AbiValue::Real(r) => Value::Double(r),
        AbiValue::String(s) | AbiValue::Temporal(s) => Value::Str(s),
        AbiValue::Bytes(b) => Value::Bytes(b),
        AbiValue::Decimal(s) => match s.parse() {
            Ok(d) => Value::Decimal(d),
            Err(_) => Value::Str(s),
        },
    }
}

/// A function result as its declared return type.
pub fn from_abi(v: AbiValue, ret: ReturnType, name: &str) -> Result<Value> {
    let ty = match ret {
        ReturnType::Integer => Type::Int,
        ReturnType::Real => Type::Real,
        ReturnType::String => Type::String,
        ReturnType::Decimal => Type::Decimal,
        ReturnType::Table => Type::Any,
    };
    from_abi_typed(v, ty, name)
}

fn from_abi_typed(v: AbiValue, ty: Type, name: &str) -> Result<Value> {
    if matches!(v, AbiValue::Real(r) if !r.is_finite()) {
        return Err(udf_error(name, "returned a non-finite REAL"));
    }
    let plain = abi_to_value(v);
    if plain.is_null() {
        return Ok(Value::Null);
    }
    Ok(match ty {
        Type::Int => Value::Int(plain.as_i64().unwrap_or(0)),
        Type::Real => Value::Double(plain.as_f64().unwrap_or(0.0)),
        Type::String | Type::Temporal => match plain {
            Value::Bytes(b) => Value::Bytes(b),
            other => Value::Str(other.to_text().unwrap_or_default()),
        },
        Type::Bytes => Value::Bytes(plain.to_bytes().unwrap_or_default()),
        Type::Decimal => plain.as_decimal().map(Value::Decimal).unwrap_or(Value::Null),
        Type::Any => plain,
    })
}
