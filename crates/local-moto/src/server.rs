//! moto's server on a free loopback port, under a watchdog that ends it with the test binary;
//! one per test binary, started on first use.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

/// The running server; stopped (through its watchdog) when dropped.
pub struct Moto {
    /// Its URL, `http://127.0.0.1:{port}`, for `AWS_ENDPOINT_URL_*` and SDK clients.
    pub endpoint: String,
    child: Child,
    stdin: Option<ChildStdin>,
}

impl Drop for Moto {
    fn drop(&mut self) {
        // Closing the pipe makes the watchdog kill the server; then reap the watchdog.
        drop(self.stdin.take());
        let _ = self.child.wait();
    }
}

static MOTO: OnceLock<Moto> = OnceLock::new();

/// The shared server, started on first use.
pub fn moto() -> &'static Moto {
    MOTO.get_or_init(start)
}

/// moto's server with DynamoDB's conditional writes made atomic, as in AWS (see the script).
const SERVER_SCRIPT: &str = include_str!("serialized_dynamodb.py");

fn moto_python_path() -> PathBuf {
    let workspace = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..");
    let path = workspace.join(".venv-moto/bin/python");
    assert!(
        path.exists(),
        "{} is missing: the job-store tests need moto's server mode; run `make venv` \
         (or `make .venv-moto/.installed`) at the workspace root",
        path.display()
    );
    path
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("bind a loopback port")
        .port()
}

impl Moto {
    /// Another server of its own, apart from the shared one: moto serves requests on one core (a
    /// Python process), so a load that needs more (the storm benchmark) spreads its services
    /// over several.
    pub fn start() -> Moto {
        start()
    }
}

fn start() -> Moto {
    let python = moto_python_path();
    let port = free_port();
    // Under target/, so `cargo clean` removes it; kept after the run for diagnosis.
    let log = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../target")
        .join(format!("moto-{port}.log"));
    let started = Instant::now();
    let mut child = Command::new("sh")
        .arg("-c")
        .arg(
            r#""$1" -c "$4" 127.0.0.1 "$2" >"$3" 2>&1 & pid=$!; read -r _; kill "$pid"; wait "$pid""#,
        )
        .arg("sh")
        .arg(&python)
        .arg(port.to_string())
        .arg(&log)
        .arg(SERVER_SCRIPT)
        .stdin(Stdio::piped())
        .spawn()
        .expect("spawn the moto_server watchdog");
    let stdin = child.stdin.take();
    let endpoint = format!("http://127.0.0.1:{port}");
    let moto = Moto {
        endpoint,
        child,
        stdin,
    };
    let deadline = started + Duration::from_secs(30);
    while !answers(port) {
        assert!(
            Instant::now() < deadline,
            "moto_server did not answer on port {port} within 30 s; see {}",
            log.display()
        );
        std::thread::sleep(Duration::from_millis(25));
    }
    eprintln!(
        "moto_server on {} answered after {} ms",
        moto.endpoint,
        started.elapsed().as_millis()
    );
    moto
}

/// True once the server answers an HTTP request (its own API), not merely accepts connections.
fn answers(port: u16) -> bool {
    let Ok(mut stream) = TcpStream::connect(("127.0.0.1", port)) else {
        return false;
    };
    let _ = stream.set_read_timeout(Some(Duration::from_secs(2)));
    let request = "GET /moto-api/ HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n";
    if stream.write_all(request.as_bytes()).is_err() {
        return false;
    }
    let mut head = [0u8; 12];
    stream.read_exact(&mut head).is_ok() && head.starts_with(b"HTTP/1.")
}
