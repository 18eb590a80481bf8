//! Real client programs against a real server: the `mariadb` command-line
//! client (tests/smoke/cli.sh) and PyMySQL (tests/smoke/pymysql_test.py).

use std::path::PathBuf;
use std::process::Command;

use guocedb_tests::TestServer;

fn smoke(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("smoke").join(name)
}

fn check(out: std::process::Output, what: &str, server: &TestServer) {
    assert!(
        out.status.success(),
        "{what} failed ({}):\nstdout:\n{}\nstderr:\n{}\nserver stderr:\n{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr),
        server.stderr_log()
    );
}

#[test]
fn mariadb_command_line_client() {
    let server = TestServer::start();
    let out = Command::new("bash").arg(smoke("cli.sh")).arg(server.port().to_string()).output().expect("run cli.sh");
    check(out, "cli.sh", &server);
}

#[test]
fn pymysql_client() {
    let server = TestServer::start();
    let out = Command::new("python3")
        .arg(smoke("pymysql_test.py"))
        .env("GUOCEDB_HOST", "127.0.0.1")
        .env("GUOCEDB_PORT", server.port().to_string())
        .output()
        .expect("run pymysql_test.py");
    check(out, "pymysql_test.py", &server);
}
