//! The `guocedb` binary: `guocedb serve [--config FILE] [--data-dir DIR]
//! [--port N] [--bind ADDR]`.

use std::net::IpAddr;
use std::path::PathBuf;

use clap::{Parser, Subcommand};
use guocedb::config::Config;

#[cfg(not(madsim))]
#[global_allocator]
static ALLOC: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Parser)]
#[command(name = "guocedb", version, about = "A MySQL-compatible database")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the server.
    Serve {
        /// TOML configuration file (see guocedb.example.toml).
        #[arg(long, env = "GUOCEDB_CONFIG")]
        config: Option<PathBuf>,
        /// Data directory (default ./guocedb-data).
        #[arg(long, env = "GUOCEDB_DATA_DIR")]
        data_dir: Option<PathBuf>,
        /// MySQL protocol port (default 3306).
        #[arg(long, env = "GUOCEDB_PORT")]
        port: Option<u16>,
        /// Address to listen on (default 127.0.0.1).
        #[arg(long, env = "GUOCEDB_BIND")]
        bind: Option<IpAddr>,
        /// Password of the root account (default empty: loopback only).
        #[arg(long, env = "GUOCEDB_ROOT_PASSWORD", hide_env_values = true)]
        root_password: Option<String>,
        /// Storage engine: rocksdb (default) or memory.
        #[arg(long, env = "GUOCEDB_ENGINE")]
        engine: Option<String>,
    },
}

fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    match cli.command {
        Command::Serve { config, data_dir, port, bind, root_password, engine } => {
            let mut cfg = match &config {
                Some(p) => Config::from_file(p)?,
                None => Config::default(),
            };
            if let Some(d) = data_dir {
                cfg.data_dir = d;
            }
            if let Some(p) = port {
                cfg.port = p;
            }
            if let Some(b) = bind {
                cfg.bind = b;
            }
            if let Some(pw) = root_password {
                cfg.root_password = pw;
            }
            if let Some(e) = engine {
                cfg.engine = e;
            }
            let filter = tracing_subscriber::EnvFilter::try_from_env("GUOCEDB_LOG")
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(&cfg.log));
            tracing_subscriber::fmt().with_env_filter(filter).with_target(false).init();
            // Deeply nested SQL recurses deeply in the binder and evaluator: give
            // statement threads room (a 2 MiB default overflows in debug builds).
            #[cfg(not(madsim))]
            let rt = tokio::runtime::Builder::new_multi_thread().thread_stack_size(32 << 20).enable_all().build()?;
            #[cfg(madsim)]
            let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
            rt.block_on(guocedb::server::run(cfg))
        }
    }
}
