//! Drives the real `llmx` binary with a cleared environment, a temporary HOME and, usually, a
//! mock provider server started on 127.0.0.1 by the test itself.

use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Stdio};

use llmx_mock::{MockConfig, MockServer, Recorded};
use serde_json::Value;

/// Keys the tests hand to llmx; none of them may ever show up in its output.
pub const OPENAI_KEY: &str = "sk-test-openai-0123456789abcdef";
pub const ANTHROPIC_KEY: &str = "sk-ant-test-0123456789abcdef";
pub const GEMINI_KEY: &str = "AIzaTestGemini0123456789abcdef";

pub struct Out {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Out {
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|e| panic!("stdout is not JSON ({e}):\n{}", self.stdout))
    }

    /// Fail unless nothing anywhere contains a test key.
    pub fn assert_no_secrets(&self) {
        for key in [OPENAI_KEY, ANTHROPIC_KEY, GEMINI_KEY] {
            assert!(
                !self.stdout.contains(key),
                "key in stdout:\n{}",
                self.stdout
            );
            assert!(
                !self.stderr.contains(key),
                "key in stderr:\n{}",
                self.stderr
            );
        }
    }
}

impl std::fmt::Debug for Out {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "exit {}\n--- stdout\n{}\n--- stderr\n{}",
            self.code, self.stdout, self.stderr
        )
    }
}

/// One test's world: a temp dir (HOME and working files), an environment, maybe a server.
pub struct World {
    pub dir: tempfile::TempDir,
    env: Vec<(String, String)>,
    pub server: Option<MockServer>,
    /// Keep the keyring off (`LLMX_NO_KEYRING=1`) unless a test store is in use.
    keyring_off: bool,
}

impl World {
    /// No server, no keys.
    pub fn offline() -> World {
        let dir = tempfile::tempdir().expect("temp dir");
        World {
            env: vec![("HOME".into(), dir.path().display().to_string())],
            dir,
            server: None,
            keyring_off: true,
        }
    }

    /// A mock server from a JSON config, with all three providers pointed at it and keyed.
    pub fn with_server(config: Value) -> World {
        let config: MockConfig = serde_json::from_value(config).expect("mock config");
        let server = MockServer::start(config).expect("mock server");
        let url = server.url();
        let mut w = World::offline();
        w.set("LLMX_OPENAI_BASE_URL", &format!("{url}/v1"));
        w.set("LLMX_ANTHROPIC_BASE_URL", &url);
        w.set("LLMX_GEMINI_BASE_URL", &url);
        w.set("OPENAI_API_KEY", OPENAI_KEY);
        w.set("ANTHROPIC_API_KEY", ANTHROPIC_KEY);
        w.set("GEMINI_API_KEY", GEMINI_KEY);
        w.server = Some(server);
        w
    }

    /// Use a file-backed stand-in for the OS keyring in this world's temp dir.
    pub fn test_keyring(&mut self) -> PathBuf {
        let p = self.path("keyring.json");
        self.set("LLMX_TEST_KEYRING_FILE", &p.display().to_string());
        self.keyring_off = false;
        p
    }

    /// Use the real OS keyring on a system that has none reachable: the keyring's D-Bus session
    /// points at a socket that does not exist (as on a headless server).
    pub fn no_dbus_keyring(&mut self) {
        self.keyring_off = false;
        let bus = format!("unix:path={}", self.path("no-such-bus").display());
        self.set("DBUS_SESSION_BUS_ADDRESS", &bus);
    }

    /// Point LLMX_CONFIG at a file with `text`, readable by its owner only.
    pub fn config(&mut self, text: &str) -> PathBuf {
        let p = self.write("config.toml", text);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o600)).unwrap();
        }
        self.set("LLMX_CONFIG", &p.display().to_string());
        p
    }

    pub fn set(&mut self, k: &str, v: &str) {
        self.env.retain(|(name, _)| name != k);
        self.env.push((k.into(), v.into()));
    }

    pub fn unset(&mut self, k: &str) {
        self.env.retain(|(name, _)| name != k);
    }

    /// The mock server's address, `http://127.0.0.1:PORT`.
    pub fn requests_url(&self) -> String {
        self.server.as_ref().expect("server").url()
    }

    pub fn requests(&self) -> Vec<Recorded> {
        self.server
            .as_ref()
            .map(|s| s.requests())
            .unwrap_or_default()
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    pub fn write(&self, name: &str, contents: impl AsRef<[u8]>) -> PathBuf {
        let p = self.path(name);
        std::fs::write(&p, contents).expect("write file");
        p
    }

    pub fn command(&self, args: &[&str]) -> Command {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_llmx"));
        cmd.args(args)
            .env_clear()
            .envs(self.env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
            .current_dir(self.dir.path());
        if self.keyring_off {
            cmd.env("LLMX_NO_KEYRING", "1");
        }
        cmd
    }

    /// Another program (a shell, `script`, `unshare`) run with this world's environment and
    /// working directory, stdin at /dev/null: for tests that wrap llmx in something.
    pub fn wrapper(&self, program: &str) -> Command {
        let llmx = self.command(&[]);
        let mut cmd = Command::new(program);
        cmd.env_clear()
            .envs(llmx.get_envs().filter_map(|(k, v)| Some((k, v?))))
            .current_dir(self.dir.path())
            .stdin(Stdio::null());
        cmd
    }

    /// llmx under a pseudo-terminal `cols` wide and `rows` high (util-linux `script`, as a
    /// person's terminal would have it: stdout and stderr both on it, `TERM=xterm-256color`).
    /// Its stdout is every byte the terminal received.
    #[cfg(target_os = "linux")]
    pub fn pty(&self, args: &[&str], cols: u16, rows: u16) -> Command {
        let quote = |a: &str| format!("'{}'", a.replace('\'', "'\\''"));
        let llmx: Vec<String> = std::iter::once(env!("CARGO_BIN_EXE_llmx"))
            .chain(args.iter().copied())
            .map(quote)
            .collect();
        let line = format!("stty cols {cols} rows {rows}; exec {}", llmx.join(" "));
        let mut cmd = self.wrapper("script");
        cmd.args(["-qec", &line, "/dev/null"])
            .env("TERM", "xterm-256color");
        cmd
    }

    /// Start llmx in the background: stdin at /dev/null, stdout and stderr piped.
    pub fn spawn(&self, args: &[&str]) -> std::process::Child {
        self.command(args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn llmx")
    }

    /// Run with stdin at /dev/null.
    pub fn run(&self, args: &[&str]) -> Out {
        self.run_stdin(args, None)
    }

    /// Run with `stdin` piped in (or /dev/null when `None`).
    pub fn run_stdin(&self, args: &[&str], stdin: Option<&[u8]>) -> Out {
        let mut cmd = self.command(args);
        cmd.stdout(Stdio::piped()).stderr(Stdio::piped());
        cmd.stdin(if stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        });
        let mut child = cmd.spawn().expect("spawn llmx");
        if let Some(bytes) = stdin {
            let mut pipe = child.stdin.take().expect("stdin pipe");
            // llmx may exit without reading stdin (an unknown provider is refused first): a
            // closed pipe is then its answer, judged by the exit code and output below.
            if let Err(e) = pipe.write_all(bytes) {
                assert_eq!(e.kind(), std::io::ErrorKind::BrokenPipe, "write stdin: {e}");
            }
        }
        let out = child.wait_with_output().expect("wait for llmx");
        let o = Out {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        };
        o.assert_no_secrets();
        o
    }
}

/// Parse CSV text into header + records with a real CSV reader.
pub fn read_csv(text: &str) -> (Vec<String>, Vec<Vec<String>>) {
    let mut r = csv::Reader::from_reader(text.as_bytes());
    let headers = r
        .headers()
        .expect("csv header")
        .iter()
        .map(String::from)
        .collect();
    let rows = r
        .records()
        .map(|rec| rec.expect("csv record").iter().map(String::from).collect())
        .collect();
    (headers, rows)
}

/// Send `signal` (`INT`, `TERM`, `HUP`) to a running llmx.
#[cfg(unix)]
pub fn send_signal(child: &std::process::Child, signal: &str) {
    let status = Command::new("kill")
        .args([&format!("-{signal}"), &child.id().to_string()])
        .status()
        .expect("run kill");
    assert!(status.success(), "kill -{signal}");
}
