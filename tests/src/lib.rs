//! End-to-end test support for guocedb.
//!
//! - [`TestServer`] starts a real `guocedb serve` process on a fresh data
//!   directory and a free loopback port, waits until it accepts MySQL
//!   connections, and kills it when dropped. Tests then talk to it over a
//!   real socket with a real client library (`url()`).
//! - [`slt`] is a sqllogictest runner (also the `slt` binary).
//!
//! This crate never reaches into the server's internals: everything goes
//! through the process boundary and the MySQL protocol.

pub mod slt;

use std::fs::{File, OpenOptions};
use std::io::{Read as _, Write as _};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{bail, Context as _};

/// How long [`TestServer::start`] waits for the server to accept a connection.
pub const STARTUP_TIMEOUT: Duration = Duration::from_secs(20);

/// A `guocedb serve` child process on a temporary data directory.
///
/// ```no_run
/// let server = guocedb_tests::TestServer::start();
/// println!("connect to {}", server.url());
/// // killed (SIGKILL) and its directory removed when `server` drops
/// ```
pub struct TestServer {
    bin: PathBuf,
    /// Holds the data directory and the server's logs; removed on drop.
    root: tempfile::TempDir,
    port: u16,
    child: Option<Child>,
    /// Extra arguments passed to `guocedb serve` (e.g. `--config FILE`).
    extra_args: Vec<String>,
}

impl TestServer {
    /// Starts a server, panicking with the server's stderr if it does not
    /// come up within [`STARTUP_TIMEOUT`].
    pub fn start() -> TestServer {
        match Self::try_start() {
            Ok(s) => s,
            Err(e) => panic!("TestServer::start failed: {e:#}"),
        }
    }

    /// Starts a server, returning an error (with the server's stderr) if it
    /// does not come up.
    pub fn try_start() -> anyhow::Result<TestServer> {
        Self::try_start_with_config("")
    }

    /// Starts a server with `config` (TOML) written to a file and passed as
    /// `--config`; flags for data dir, port and bind still win.
    pub fn start_with_config(config: &str) -> TestServer {
        match Self::try_start_with_config(config) {
            Ok(s) => s,
            Err(e) => panic!("TestServer::start_with_config failed: {e:#}"),
        }
    }

    /// [`TestServer::start_with_config`], returning the error.
    pub fn try_start_with_config(config: &str) -> anyhow::Result<TestServer> {
        let bin = guocedb_binary()?;
        let root =
            tempfile::Builder::new().prefix("guocedb-test-").tempdir().context("creating a temporary directory")?;
        std::fs::create_dir(root.path().join("data")).context("creating the data directory")?;
        let mut server = TestServer { bin, root, port: free_port()?, child: None, extra_args: Vec::new() };
        if !config.is_empty() {
            let path = server.root.path().join("guocedb.toml");
            std::fs::write(&path, config).context("writing the test config")?;
            server.extra_args = vec!["--config".into(), path.display().to_string()];
        }
        // A port picked as free can be taken before the server binds it;
        // retry with another one in that case only.
        let mut attempts = 0;
        loop {
            attempts += 1;
            match server.spawn_and_wait() {
                Ok(()) => return Ok(server),
                Err(e) if attempts < 3 && server.stderr_log().contains("in use") => {
                    let _ = e;
                    server.port = free_port()?;
                }
                Err(e) => return Err(e),
            }
        }
    }

    /// `mysql://root@127.0.0.1:PORT`.
    pub fn url(&self) -> String {
        format!("mysql://root@127.0.0.1:{}", self.port)
    }

    /// The TCP port the server listens on.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The server's data directory.
    pub fn data_dir(&self) -> PathBuf {
        self.root.path().join("data")
    }

    /// Everything the server wrote to stderr so far (across restarts).
    pub fn stderr_log(&self) -> String {
        read_lossy(&self.root.path().join("stderr.log"))
    }

    /// Whether the child process is still running.
    pub fn is_running(&mut self) -> bool {
        match self.child.as_mut() {
            Some(c) => matches!(c.try_wait(), Ok(None)),
            None => false,
        }
    }

    /// Kills the server (SIGKILL) and waits for it to exit. The data
    /// directory stays; [`TestServer::restart`] starts on it again.
    pub fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Kills the server and starts it again on the same data directory and
    /// port, waiting until it accepts connections. Panics if it does not.
    pub fn restart(&mut self) {
        if let Err(e) = self.try_restart() {
            panic!("TestServer::restart failed: {e:#}");
        }
    }

    /// [`TestServer::restart`], returning the error instead of panicking.
    pub fn try_restart(&mut self) -> anyhow::Result<()> {
        self.kill();
        // The port was just released by the dead process; give the kernel a
        // few tries before giving up.
        let deadline = Instant::now() + Duration::from_secs(5);
        loop {
            match self.spawn_and_wait() {
                Ok(()) => return Ok(()),
                Err(e) if self.stderr_log().contains("in use") && Instant::now() < deadline => {
                    let _ = e;
                    std::thread::sleep(Duration::from_millis(200));
                }
                Err(e) => return Err(e),
            }
        }
    }

    fn spawn_and_wait(&mut self) -> anyhow::Result<()> {
        let stderr_path = self.root.path().join("stderr.log");
        let stdout_path = self.root.path().join("stdout.log");
        let stderr = append(&stderr_path)?;
        let stdout = append(&stdout_path)?;
        let data_dir = self.data_dir();
        let port = self.port.to_string();
        let child = Command::new(&self.bin)
            .arg("serve")
            .arg("--data-dir")
            .arg(&data_dir)
            .arg("--port")
            .arg(&port)
            .arg("--bind")
            .arg("127.0.0.1")
            .args(&self.extra_args)
            .env("RUST_BACKTRACE", "1")
            .stdin(Stdio::null())
            .stdout(stdout)
            .stderr(stderr)
            .spawn()
            .with_context(|| format!("running {}", self.bin.display()))?;
        self.child = Some(child);

        let deadline = Instant::now() + STARTUP_TIMEOUT;
        loop {
            if let Some(child) = self.child.as_mut() {
                if let Ok(Some(status)) = child.try_wait() {
                    self.child = None;
                    bail!(
                        "{} serve exited during startup ({status}); its stderr:\n{}",
                        self.bin.display(),
                        self.stderr_log()
                    );
                }
            }
            let last_probe_err = match probe(self.port) {
                Ok(()) => return Ok(()),
                Err(e) => e,
            };
            if Instant::now() >= deadline {
                self.kill();
                bail!(
                    "{} serve did not accept a MySQL connection on port {} within {:?} \
                     (last attempt: {last_probe_err}); its stderr:\n{}",
                    self.bin.display(),
                    self.port,
                    STARTUP_TIMEOUT,
                    self.stderr_log()
                );
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        self.kill();
    }
}

/// Where the `guocedb` binary is: `$GUOCEDB_BIN`, else
/// `$CARGO_TARGET_DIR/debug/guocedb`, else `<workspace>/target/debug/guocedb`.
pub fn guocedb_binary() -> anyhow::Result<PathBuf> {
    if let Some(bin) = std::env::var_os("GUOCEDB_BIN") {
        let bin = PathBuf::from(bin);
        if !bin.is_file() {
            bail!("GUOCEDB_BIN={} is not a file", bin.display());
        }
        return Ok(bin);
    }
    let workspace =
        Path::new(env!("CARGO_MANIFEST_DIR")).parent().map(Path::to_path_buf).unwrap_or_else(|| PathBuf::from("."));
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .or_else(|| option_env!("CARGO_TARGET_DIR").map(PathBuf::from))
        .map(|t| if t.is_relative() { workspace.join(t) } else { t })
        .unwrap_or_else(|| workspace.join("target"));
    let bin = target.join("debug").join(format!("guocedb{}", std::env::consts::EXE_SUFFIX));
    if !bin.is_file() {
        bail!("{} not found: build it with `cargo build -p guocedb`, or set GUOCEDB_BIN", bin.display());
    }
    Ok(bin)
}

fn free_port() -> anyhow::Result<u16> {
    let listener = TcpListener::bind("127.0.0.1:0").context("finding a free port")?;
    Ok(listener.local_addr().context("finding a free port")?.port())
}

fn append(path: &Path) -> anyhow::Result<File> {
    OpenOptions::new().create(true).append(true).open(path).with_context(|| format!("opening {}", path.display()))
}

fn read_lossy(path: &Path) -> String {
    let mut bytes = Vec::new();
    match File::open(path).and_then(|mut f| f.read_to_end(&mut bytes)) {
        Ok(_) => String::from_utf8_lossy(&bytes).into_owned(),
        Err(_) => String::new(),
    }
}

/// Whether a MySQL server on `127.0.0.1:port` completes a login as `root`
/// with no password.
fn probe(port: u16) -> Result<(), String> {
    // Cheap check first: something listening, sending a greeting packet.
    let addr = SocketAddr::from(([127, 0, 0, 1], port));
    let mut stream =
        TcpStream::connect_timeout(&addr, Duration::from_millis(500)).map_err(|e| format!("TCP connect: {e}"))?;
    let _ = stream.set_read_timeout(Some(Duration::from_secs(2)));
    let mut header = [0u8; 5];
    stream.read_exact(&mut header).map_err(|e| format!("reading the greeting: {e}"))?;
    if header[4] == 0xff {
        return Err("the server sent an error packet instead of a greeting".into());
    }
    let _ = stream.flush();
    drop(stream);
    // Then a full login with the real client library, on a thread of its
    // own so this works whether or not the caller is inside a runtime.
    let url = format!("mysql://root@127.0.0.1:{port}");
    std::thread::spawn(move || -> Result<(), String> {
        let rt =
            tokio::runtime::Builder::new_current_thread().enable_all().build().map_err(|e| format!("runtime: {e}"))?;
        rt.block_on(async {
            let opts = slt::runner::connection_opts(&url)?;
            let conn = tokio::time::timeout(Duration::from_secs(3), mysql_async::Conn::new(opts))
                .await
                .map_err(|_| "login timed out".to_string())?
                .map_err(|e| format!("login: {e}"))?;
            let _ = tokio::time::timeout(Duration::from_secs(3), conn.disconnect()).await;
            Ok(())
        })
    })
    .join()
    .map_err(|_| "the probe thread panicked".to_string())?
}
