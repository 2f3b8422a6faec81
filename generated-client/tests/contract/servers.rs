//! Starting and stopping the servers the contract tests talk to: npm packages pinned in
//! `contract/package-lock.json`, run with Node on loopback, on ports picked free.

use std::fs::File;
use std::io::Read;
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

/// The repository root.
pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("the client crate lives one level below the root")
        .to_path_buf()
}

/// `contract/`: the npm project that pins the servers.
pub fn contract_dir() -> PathBuf {
    root().join("contract")
}

/// A folder of `target/` for this run's files (normalised specs, server logs).
pub fn work_dir() -> PathBuf {
    let dir = root().join("target").join("contract");
    std::fs::create_dir_all(&dir).expect("target/contract can be created");
    dir
}

/// Installs the pinned servers with `npm ci` unless they are installed already. Once per test
/// binary, whatever the number of tests asking.
pub fn ensure_installed() {
    static INSTALLED: OnceLock<Result<(), String>> = OnceLock::new();
    let result = INSTALLED.get_or_init(|| {
        let dir = contract_dir();
        if installed_as_locked(&dir) {
            return Ok(());
        }
        // Install scripts are not needed: the gateway's only one applies patches it does
        // not ship.
        let output = Command::new("npm")
            .args(["ci", "--ignore-scripts", "--no-audit", "--no-fund"])
            .current_dir(&dir)
            .output()
            .map_err(|e| format!("cannot run npm (Node.js and npm are needed): {e}"))?;
        if output.status.success() {
            Ok(())
        } else {
            Err(format!(
                "`npm ci` in contract/ failed:\n{}",
                String::from_utf8_lossy(&output.stderr)
            ))
        }
    });
    if let Err(message) = result {
        panic!("{message}");
    }
}

/// Whether the servers in `contract/node_modules` are the versions the lock file pins.
fn installed_as_locked(dir: &Path) -> bool {
    let read = |path: PathBuf| -> Option<serde_json::Value> {
        serde_json::from_str(&std::fs::read_to_string(path).ok()?).ok()
    };
    let Some(lock) = read(dir.join("package-lock.json")) else {
        return false;
    };
    [
        "@stoplight/prism-cli",
        "@portkey-ai/gateway",
        "@hono/node-server",
    ]
    .iter()
    .all(|package| {
        let locked = &lock["packages"][format!("node_modules/{package}")]["version"];
        let installed = read(dir.join("node_modules").join(package).join("package.json"));
        installed.is_some_and(|p| !locked.is_null() && &p["version"] == locked)
    })
}

/// A port nobody listens on right now.
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a loopback port can be bound")
}

/// A server process, killed (and reaped) when dropped: at the end of the test, and also when
/// the test panics.
pub struct Server {
    name: &'static str,
    child: Child,
    log: PathBuf,
    pub port: u16,
}

impl Server {
    /// Starts `node <args>` in `contract/`, its output going to `target/contract/<log>`,
    /// and waits until `ready_path` answers HTTP on `port`.
    pub fn start(
        name: &'static str,
        args: &[&str],
        port: u16,
        log_name: &str,
        ready_path: &str,
    ) -> Server {
        ensure_installed();
        let log = work_dir().join(log_name);
        let out = File::create(&log).expect("the log file can be created");
        let err = out.try_clone().expect("the log file can be shared");
        let child = Command::new("node")
            .args(args)
            .current_dir(contract_dir())
            .stdin(Stdio::null())
            .stdout(out)
            .stderr(err)
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {name} with node: {e}"));
        let mut server = Server {
            name,
            child,
            log,
            port,
        };
        server.wait_ready(ready_path);
        server
    }

    pub fn base_url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// Polls until an HTTP request to `path` gets any answer; fails with the server's log
    /// when the process exits or a minute passes.
    fn wait_ready(&mut self, path: &str) {
        let deadline = Instant::now() + Duration::from_secs(90);
        let addr = SocketAddr::from(([127, 0, 0, 1], self.port));
        loop {
            if let Ok(Some(status)) = self.child.try_wait() {
                panic!(
                    "{} exited ({status}) before it was ready:\n{}",
                    self.name,
                    self.log_text()
                );
            }
            if http_answers(addr, path) {
                return;
            }
            if Instant::now() > deadline {
                panic!(
                    "{} did not answer on port {} within 90 s:\n{}",
                    self.name,
                    self.port,
                    self.log_text()
                );
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// Where the server's output goes.
    pub fn log_path(&self) -> &Path {
        &self.log
    }

    /// The server's output so far (the last 4 KiB).
    pub fn log_text(&self) -> String {
        let text = std::fs::read_to_string(&self.log).unwrap_or_default();
        let start = text.len().saturating_sub(4096);
        let start = (start..text.len())
            .find(|&i| text.is_char_boundary(i))
            .unwrap_or(text.len());
        text[start..].to_string()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Whether a plain `GET path` gets an HTTP status line back.
fn http_answers(addr: SocketAddr, path: &str) -> bool {
    use std::io::Write;
    let Ok(mut stream) = TcpStream::connect_timeout(&addr, Duration::from_millis(500)) else {
        return false;
    };
    let _ = stream.set_read_timeout(Some(Duration::from_secs(5)));
    let request = format!("GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n");
    if stream.write_all(request.as_bytes()).is_err() {
        return false;
    }
    let mut head = [0u8; 12];
    stream.read_exact(&mut head).is_ok() && head.starts_with(b"HTTP/1.")
}

/// Prism mocking `spec` on a free loopback port. `dynamic` answers with values generated from
/// the schemas (with a fixed seed) instead of the spec's examples; `errors` makes an answer
/// that breaks the spec an error too. Its log is `target/contract/<name>-<mode>-<port>.log`.
pub fn prism(spec: &str, dynamic: bool, errors: bool, name: &str) -> Server {
    let port = free_port();
    let port_text = port.to_string();
    let mut args = vec![
        "node_modules/@stoplight/prism-cli/dist/index.js",
        "mock",
        "--host",
        "127.0.0.1",
        "--port",
        &port_text,
    ];
    if errors {
        args.push("--errors");
    }
    if dynamic {
        args.extend(["--dynamic", "--seed", "portkey-contract"]);
    }
    args.push(spec);
    let mode = if dynamic { "dynamic" } else { "static" };
    let log = format!("{name}-{mode}-{port}.log");
    // Any path answers once Prism listens (404 for paths the spec lacks).
    Server::start("Prism", &args, port, &log, "/")
}
