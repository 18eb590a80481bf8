//! Server configuration: defaults, the TOML file, environment and flags, in
//! that order of precedence (a flag wins).

use std::net::IpAddr;
use std::path::PathBuf;

use serde::{Deserialize, Serialize};

/// Everything a server needs to start. Every field has a default (see
/// `guocedb.example.toml`).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    /// Directory for the RocksDB data.
    pub data_dir: PathBuf,
    /// Address to listen on.
    pub bind: IpAddr,
    /// MySQL protocol port.
    pub port: u16,
    /// Password of the `root` account. Empty is allowed only when bound to
    /// a loopback address.
    pub root_password: String,
    /// Largest packet a client may send (bytes).
    pub max_allowed_packet: usize,
    /// Most concurrent client connections.
    pub max_connections: usize,
    /// Storage engine: "rocksdb" (persistent) or "memory" (tests).
    pub engine: String,
    /// Sync every commit to stable storage before acknowledging it.
    pub sync_commits: bool,
    /// RocksDB block cache size (bytes).
    pub block_cache_bytes: usize,
    /// Where `CREATE FUNCTION … SONAME 'file.wasm'` looks for modules.
    pub plugin_dir: PathBuf,
    /// Limits on Wasm user-defined functions.
    pub wasm: crate::wasm::WasmLimits,
    /// How often old row versions are garbage-collected (milliseconds).
    pub gc_interval_ms: u64,
    /// Log filter (tracing `EnvFilter` syntax), e.g. "info" or "guocedb=debug".
    pub log: String,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            data_dir: PathBuf::from("./guocedb-data"),
            bind: IpAddr::from([127, 0, 0, 1]),
            port: 3306,
            root_password: String::new(),
            max_allowed_packet: 64 * 1024 * 1024,
            max_connections: 151,
            engine: "rocksdb".into(),
            sync_commits: true,
            block_cache_bytes: 128 * 1024 * 1024,
            gc_interval_ms: 1000,
            plugin_dir: PathBuf::from("./plugins"),
            wasm: crate::wasm::WasmLimits::default(),
            log: "info".into(),
        }
    }
}

impl Config {
    /// Read a TOML file over the defaults.
    pub fn from_file(path: &std::path::Path) -> anyhow::Result<Self> {
        let text = std::fs::read_to_string(path)?;
        Ok(toml::from_str(&text)?)
    }

    /// Check the combination is safe to start with.
    pub fn validate(&self) -> anyhow::Result<()> {
        if self.root_password.is_empty() && !self.bind.is_loopback() {
            anyhow::bail!("refusing to listen on {} with an empty root password: set root_password (or GUOCEDB_ROOT_PASSWORD) or bind to a loopback address", self.bind);
        }
        if self.max_allowed_packet < 1024 || self.max_allowed_packet > 1024 * 1024 * 1024 {
            anyhow::bail!("max_allowed_packet must be between 1 KiB and 1 GiB");
        }
        if self.max_connections == 0 || self.max_connections > 100_000 {
            anyhow::bail!("max_connections must be between 1 and 100000");
        }
        if self.wasm.fuel_per_call == 0 || self.wasm.memory_bytes < 65536 || self.wasm.stack_bytes < 4096 {
            anyhow::bail!(
                "wasm limits: fuel_per_call must be positive, memory_bytes at least 65536, stack_bytes at least 4096"
            );
        }
        if self.wasm.stack_bytes > 16 << 20 {
            anyhow::bail!("wasm.stack_bytes must be at most 16 MiB (the server's threads have 32 MiB stacks)");
        }
        if self.gc_interval_ms == 0 || self.gc_interval_ms > 3_600_000 {
            anyhow::bail!("gc_interval_ms must be between 1 and 3600000");
        }
        if !matches!(self.engine.as_str(), "rocksdb" | "memory") {
            anyhow::bail!("engine must be \"rocksdb\" or \"memory\"");
        }
        Ok(())
    }
}
