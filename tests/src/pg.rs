//! A throw-away PostgreSQL cluster for one test: `initdb` into a temporary
//! directory, listening on a unix socket and a free loopback port, stopped and
//! removed on drop. As root, the server runs as the `postgres` (or `nobody`) user.

use std::path::{Path, PathBuf};
use std::process::Command;

/// A running cluster.
pub struct TestPostgres {
    dir: PathBuf,
    bin: PathBuf,
    user: Option<String>,
    /// Connection URL of the `postgres` database.
    pub url: String,
}

fn find_bin() -> PathBuf {
    if let Some(dir) = std::env::var_os("PG_BIN") {
        return PathBuf::from(dir);
    }
    let on_path = std::env::var_os("PATH").and_then(|p| {
        std::env::split_paths(&p).find(|d| d.join("initdb").is_file() && d.join("pg_ctl").is_file())
    });
    // Follow a symlinked initdb (e.g. in /usr/local/bin) to the directory
    // that holds all of PostgreSQL's tools.
    on_path
        .and_then(|dir| std::fs::canonicalize(dir.join("initdb")).ok())
        .and_then(|initdb| initdb.parent().map(Path::to_path_buf))
        .or_else(|| {
            let mut versions: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
                .ok()?
                .filter_map(|e| e.ok().map(|e| e.path().join("bin")))
                .filter(|b| b.join("initdb").is_file())
                .collect();
            versions.sort();
            versions.pop()
        })
        .expect("PostgreSQL binaries (initdb, pg_ctl) not found: install PostgreSQL or set PG_BIN")
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .map(|o| o.stdout.starts_with(b"0\n"))
        .unwrap_or(false)
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

impl TestPostgres {
    /// A directory for a cluster, owned by the user the server runs as.
    fn prepare() -> TestPostgres {
        let bin = find_bin();
        let dir =
            std::env::temp_dir().join(format!("ce-pg-{}-{}", std::process::id(), free_port()));
        std::fs::create_dir_all(&dir).unwrap();
        let user = is_root().then(|| {
            let user = if Command::new("id")
                .arg("postgres")
                .output()
                .is_ok_and(|o| o.status.success())
            {
                "postgres"
            } else {
                "nobody"
            };
            let status = Command::new("chown")
                .arg("-R")
                .arg(user)
                .arg(&dir)
                .status()
                .unwrap();
            assert!(status.success(), "chown {}", dir.display());
            user.to_string()
        });
        TestPostgres {
            dir,
            bin,
            user,
            url: String::new(),
        }
    }

    /// Starts a fresh cluster.
    pub fn start() -> TestPostgres {
        let mut pg = TestPostgres::prepare();
        let data = pg.data();
        pg.run(
            "initdb",
            &[
                "-D",
                data.to_str().unwrap(),
                "-U",
                "postgres",
                "-A",
                "trust",
                "--no-sync",
                "-E",
                "UTF8",
            ],
        );
        pg.url = format!("postgres://postgres@127.0.0.1:{}/postgres", free_port());
        pg.start_server();
        pg
    }

    /// A streaming replica of this cluster (`pg_basebackup -R`), running:
    /// read-only, replaying the primary's changes.
    pub fn replica(&self) -> TestPostgres {
        let mut replica = TestPostgres::prepare();
        let data = replica.data();
        replica.run(
            "pg_basebackup",
            &[
                "-D",
                data.to_str().unwrap(),
                "-h",
                "127.0.0.1",
                "-p",
                self.port(),
                "-U",
                "postgres",
                "-R",
                "-X",
                "stream",
                "--no-sync",
            ],
        );
        replica.url = format!("postgres://postgres@127.0.0.1:{}/postgres", free_port());
        replica.start_server();
        replica
    }

    /// Stops the server (fast shutdown: connections are closed).
    pub fn stop(&self) {
        let data = self.data();
        self.run(
            "pg_ctl",
            &["-D", data.to_str().unwrap(), "-m", "fast", "-w", "stop"],
        );
    }

    /// Starts the stopped server again, on the same port with the same data.
    pub fn start_server(&self) {
        let data = self.data();
        let options = format!(
            "-p {} -k {} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200",
            self.port(),
            self.dir.display()
        );
        let log = self.dir.join("log");
        self.run(
            "pg_ctl",
            &[
                "-D",
                data.to_str().unwrap(),
                "-o",
                &options,
                "-l",
                log.to_str().unwrap(),
                "-w",
                "start",
            ],
        );
    }

    fn data(&self) -> PathBuf {
        self.dir.join("data")
    }

    /// `tool` from the PostgreSQL binaries, as the cluster's user.
    fn command(&self, tool: &str) -> Command {
        let exe = self.bin.join(tool);
        match &self.user {
            Some(user) => {
                let mut c = Command::new("runuser");
                c.args(["-u", user, "--"]).arg(&exe);
                c
            }
            None => Command::new(&exe),
        }
    }

    fn run(&self, tool: &str, args: &[&str]) {
        let out = self
            .command(tool)
            .args(args)
            .current_dir(&self.dir)
            .output()
            .unwrap_or_else(|e| panic!("run {tool}: {e}"));
        assert!(
            out.status.success(),
            "{tool} failed: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }

    /// Creates database `name` and returns its URL.
    pub fn database(&self, name: &str) -> String {
        self.run(
            "createdb",
            &["-h", "127.0.0.1", "-p", self.port(), "-U", "postgres", name],
        );
        self.url_of(name)
    }

    /// The URL of database `name` on this server (a replica holds the
    /// primary's databases).
    pub fn url_of(&self, name: &str) -> String {
        format!("postgres://postgres@127.0.0.1:{}/{name}", self.port())
    }

    fn port(&self) -> &str {
        self.url
            .rsplit(':')
            .next()
            .unwrap()
            .split('/')
            .next()
            .unwrap()
    }
}

impl Drop for TestPostgres {
    fn drop(&mut self) {
        let data = self.data();
        let _ = self
            .command("pg_ctl")
            .args(["-D", data.to_str().unwrap(), "-m", "immediate", "stop"])
            .output();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
