//! Starting a server: open the engine named by the configuration, load the
//! catalog, bind the listener and serve.

use std::sync::Arc;

use guocedb_engines::KvEngine;

use crate::config::Config;
use crate::db::Database;

/// Open the storage engine the configuration names.
pub fn open_engine(config: &Config) -> anyhow::Result<Arc<dyn KvEngine>> {
    match config.engine.as_str() {
        "memory" => Ok(Arc::new(guocedb_engines::memory::MemoryEngine::new())),
        #[cfg(not(madsim))]
        "rocksdb" => {
            std::fs::create_dir_all(&config.data_dir)?;
            let engine = guocedb_engines::rocks::RocksEngine::open_with(
                &config.data_dir,
                guocedb_engines::rocks::RocksConfig { block_cache_bytes: config.block_cache_bytes },
            )?;
            Ok(Arc::new(engine))
        }
        other => anyhow::bail!("unknown engine {other:?}"),
    }
}

/// Open the database and serve MySQL connections until the listener fails.
pub async fn run(config: Config) -> anyhow::Result<()> {
    config.validate()?;
    if config.root_password.is_empty() {
        tracing::warn!(bind = %config.bind, "root has an empty password; allowed only because the server is bound to a loopback address");
    }
    let engine = open_engine(&config)?;
    let db = Database::open(engine, config.clone()).map_err(|e| anyhow::anyhow!("{e}"))?;
    let addr = std::net::SocketAddr::new(config.bind, config.port);
    let listener = tokio::net::TcpListener::bind(addr).await?;
    tracing::info!(%addr, data_dir = %config.data_dir.display(), engine = %config.engine, version = crate::SERVER_VERSION, "guocedb listening");
    crate::mysql::serve(db, listener).await?;
    Ok(())
}
