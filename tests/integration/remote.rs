//! Engines on another machine, as a lab VM gives them: `ssh://` and `tcp://` with TLS.
//! The "other machine" is this one, on loopback only: a private sshd (Debian's
//! openssh-server) whose `docker system dial-stdio` reaches this machine's engine, and
//! a TLS terminator (socat, certificates made by openssl) in front of the engine's
//! socket. Each test reaches its engine through a `Reach` (the variables the learner
//! would set), so the same checks can be pointed at another engine.

use crate::support::{Image, Ran, Sandbox, Test, run_within};
use rexpect::session::spawn_command;
use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// How a test reaches an engine: what the learner would set in their environment.
pub struct Reach {
    pub vars: Vec<(&'static str, OsString)>,
}

impl Reach {
    /// `dockerlearn` (and `docker`) with these variables, and no others that choose an engine.
    fn apply(&self, mut test: Test) -> Test {
        for k in ["DOCKER_HOST", "DOCKER_CONTEXT", "DOCKER_TLS_VERIFY", "DOCKER_TLS", "DOCKER_CERT_PATH"] {
            test = test.remove_env(k);
        }
        for (k, v) in &self.vars {
            test = test.env(k, v);
        }
        test
    }

    /// A `docker` CLI call against the same engine, which must succeed.
    #[track_caller]
    fn docker(&self, args: &[&str]) -> String {
        let mut c = Command::new("docker");
        c.args(args).env_remove("DOCKER_HOST").env_remove("DOCKER_CONTEXT");
        c.envs(self.vars.iter().map(|(k, v)| (k, v)));
        let out = c.output().expect("docker CLI runs");
        assert!(out.status.success(), "docker {} failed: {}", args.join(" "), String::from_utf8_lossy(&out.stderr));
        String::from_utf8_lossy(&out.stdout).into_owned()
    }
}

/// A free port on loopback (bound and released: the server binds it right after).
fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

#[track_caller]
fn wait_for_port(port: u16, server: &mut Child, what: &str) {
    let start = Instant::now();
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        if let Ok(Some(status)) = server.try_wait() {
            panic!("{what} ended ({status}) before it listened on 127.0.0.1:{port}");
        }
        assert!(start.elapsed() < Duration::from_secs(10), "{what} did not listen on 127.0.0.1:{port}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[track_caller]
fn run(program: &str, args: &[&str]) {
    let out = Command::new(program).args(args).output().unwrap_or_else(|e| panic!("{program} runs: {e}"));
    assert!(out.status.success(), "{program} {} failed: {}", args.join(" "), String::from_utf8_lossy(&out.stderr));
}

/// A private sshd on 127.0.0.1 with its own host key, letting in one client key. The
/// learner's ssh reads `~/.ssh/config` from the passwd entry's home, not `$HOME`: the
/// client side is an `ssh` first on `PATH` that reads this server's own config file
/// (key, known_hosts), so nothing of the machine's ssh setup is touched or used.
pub struct Sshd {
    dir: tempfile::TempDir,
    pub port: u16,
    server: Child,
}

impl Sshd {
    pub fn start() -> Sshd {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        let p = |name: &str| d.join(name).to_str().unwrap().to_owned();
        for key in ["host_key", "client_key", "wrong_key"] {
            run("ssh-keygen", &["-q", "-t", "ed25519", "-N", "", "-C", key, "-f", &p(key)]);
        }
        std::fs::copy(d.join("client_key.pub"), d.join("authorized_keys")).unwrap();
        let port = free_port();
        let config = format!(
            "Port {port}\nListenAddress 127.0.0.1\nHostKey {}\nPidFile none\nPermitRootLogin prohibit-password\n\
             AuthorizedKeysFile {}\nStrictModes no\nPasswordAuthentication no\nKbdInteractiveAuthentication no\n\
             UsePAM no\nLogLevel ERROR\n",
            p("host_key"),
            p("authorized_keys")
        );
        std::fs::write(d.join("sshd_config"), config).unwrap();
        let client = format!(
            "Host labvm\n  HostName 127.0.0.1\n  Port {port}\nHost *\n  IdentityFile {}\n  IdentitiesOnly yes\n  UserKnownHostsFile {}\n  GlobalKnownHostsFile /dev/null\n",
            p("client_key"),
            p("known_hosts")
        );
        std::fs::write(d.join("ssh_config"), client).unwrap();
        std::fs::create_dir_all(d.join("bin")).unwrap();
        let wrapper = d.join("bin/ssh");
        let ssh = std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default())
            .map(|dir| dir.join("ssh"))
            .find(|f| f.is_file())
            .expect("ssh is installed (Debian: apt-get install openssh-client)");
        let script = format!("#!/bin/sh\nexec '{}' -F '{}' \"$@\"\n", ssh.display(), p("ssh_config"));
        std::fs::write(&wrapper, script).unwrap();
        std::fs::set_permissions(&wrapper, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
        // sshd refuses to start without its privilege separation folder.
        let _ = std::fs::create_dir_all("/run/sshd");
        let sshd = ["/usr/sbin/sshd", "/usr/bin/sshd"].into_iter().find(|s| Path::new(s).exists());
        let sshd = sshd.expect("sshd is installed (Debian: apt-get install openssh-server)");
        let mut server = Command::new(sshd)
            .args(["-D", "-e", "-f", &p("sshd_config")])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("sshd starts");
        wait_for_port(port, &mut server, "sshd");
        let sshd = Sshd { dir, port, server };
        sshd.trust(true);
        sshd
    }

    /// What the client's known_hosts holds for the server: its real key, or another one.
    pub fn trust(&self, real: bool) {
        let key = std::fs::read_to_string(self.dir.path().join(if real { "host_key.pub" } else { "wrong_key.pub" }));
        let line = format!("[127.0.0.1]:{} {}", self.port, key.unwrap().trim());
        std::fs::write(self.dir.path().join("known_hosts"), line + "\n").unwrap();
    }

    /// The learner's view: `DOCKER_HOST=ssh://USER@127.0.0.1:PORT`, with this server's ssh.
    pub fn reach(&self) -> Reach {
        self.reach_at(&format!("127.0.0.1:{}", self.port))
    }

    /// The same server by the name the client's ssh config gives it, as a lab VM is
    /// named: `ssh://USER@labvm`.
    pub fn reach_labvm(&self) -> Reach {
        self.reach_at("labvm")
    }

    fn reach_at(&self, address: &str) -> Reach {
        let user = String::from_utf8(Command::new("id").arg("-un").output().unwrap().stdout).unwrap();
        let host = format!("ssh://{}@{address}", user.trim());
        let mut path = OsString::from(self.dir.path().join("bin"));
        path.push(":");
        path.push(std::env::var_os("PATH").unwrap_or_default());
        Reach { vars: vec![("DOCKER_HOST", host.into()), ("PATH", path)] }
    }
}

impl Drop for Sshd {
    fn drop(&mut self) {
        let _ = self.server.kill();
        let _ = self.server.wait();
    }
}

/// Certificates as a lab VM's TLS engine has them: a CA, the server's for 127.0.0.1 and
/// localhost, and a client's; and a second CA that signed nothing of these.
pub struct Certificates {
    dir: tempfile::TempDir,
}

impl Certificates {
    pub fn make() -> Certificates {
        let dir = tempfile::tempdir().unwrap();
        let p = |name: &str| dir.path().join(name).to_str().unwrap().to_owned();
        for (name, subject) in [("ca", "/CN=dockerlearn test CA"), ("other-ca", "/CN=dockerlearn other CA")] {
            let (key, cert) = (p(&format!("{name}-key.pem")), p(&format!("{name}.pem")));
            let args = ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", subject];
            run("openssl", &[&args[..], &["-keyout", &key, "-out", &cert]].concat());
        }
        let signed = |name: &str, subject: &str, ext: &str| {
            let (key, csr, cert, extfile) = (
                p(&format!("{name}-key.pem")),
                p(&format!("{name}.csr")),
                p(&format!("{name}.pem")),
                p(&format!("{name}.ext")),
            );
            std::fs::write(&extfile, ext).unwrap();
            run(
                "openssl",
                &["req", "-new", "-newkey", "rsa:2048", "-nodes", "-subj", subject, "-keyout", &key, "-out", &csr],
            );
            let (ca, ca_key, serial) = (p("ca.pem"), p("ca-key.pem"), p("ca.srl"));
            let args = ["x509", "-req", "-days", "2", "-in", &csr, "-CA", &ca, "-CAkey", &ca_key];
            run(
                "openssl",
                &[&args[..], &["-CAserial", &serial, "-CAcreateserial", "-extfile", &extfile, "-out", &cert]].concat(),
            );
        };
        signed("server", "/CN=127.0.0.1", "subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n");
        signed("client", "/CN=learner", "extendedKeyUsage=clientAuth\n");
        Certificates { dir }
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// A DOCKER_CERT_PATH folder holding `ca.pem`, `cert.pem`, `key.pem` from these files.
    pub fn cert_path(&self, ca: &str, client: Option<&str>) -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        std::fs::copy(self.path(&format!("{ca}.pem")), dir.path().join("ca.pem")).unwrap();
        if let Some(c) = client {
            std::fs::copy(self.path(&format!("{c}.pem")), dir.path().join("cert.pem")).unwrap();
            std::fs::copy(self.path(&format!("{c}-key.pem")), dir.path().join("key.pem")).unwrap();
        }
        dir
    }
}

/// A TLS engine on 127.0.0.1: socat verifying clients against the CA, in front of this
/// machine's engine socket.
pub struct TlsEngine {
    pub port: u16,
    server: Child,
}

impl TlsEngine {
    pub fn start(certs: &Certificates) -> TlsEngine {
        let port = free_port();
        let s = |name: &str| certs.path(name).to_str().unwrap().to_owned();
        let listen = format!(
            "OPENSSL-LISTEN:{port},bind=127.0.0.1,reuseaddr,fork,cert={},key={},cafile={},verify=1",
            s("server.pem"),
            s("server-key.pem"),
            s("ca.pem")
        );
        let mut server = Command::new("socat")
            .args([listen.as_str(), "UNIX-CONNECT:/var/run/docker.sock"])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("socat is installed (Debian: apt-get install socat)");
        wait_for_port(port, &mut server, "socat");
        TlsEngine { port, server }
    }

    pub fn reach(&self, cert_path: &Path) -> Reach {
        Reach {
            vars: vec![
                ("DOCKER_HOST", format!("tcp://127.0.0.1:{}", self.port).into()),
                ("DOCKER_TLS_VERIFY", "1".into()),
                ("DOCKER_CERT_PATH", cert_path.into()),
            ],
        }
    }
}

impl Drop for TlsEngine {
    fn drop(&mut self) {
        let _ = self.server.kill();
        let _ = self.server.wait();
    }
}

fn check(sb: &Sandbox, reach: &Reach, step: &str) -> Ran {
    reach.apply(sb.dl()).args(["check", step, "--json"]).run()
}

/// The hello-world lesson's first checkpoint, over `reach`: not passed, then passed
/// once a hello-world container ran on that engine. Returns how long the passing check took.
pub fn hello_world_passes_over(reach: &Reach) -> Duration {
    let _image = Image::hello_world();
    let sb = Sandbox::new();
    let before = check(&sb, reach, "hello-world/run-it").code(1);
    assert_eq!(before.json()["passed"], false, "{}", before.stdout);
    let out = reach.docker(&["run", "--label", &sb.label, "hello-world"]);
    assert!(out.contains("Hello from Docker!"), "{out}");
    let start = Instant::now();
    let after = check(&sb, reach, "hello-world/run-it").code(0);
    let took = start.elapsed();
    assert_eq!(after.json()["passed"], true, "{}", after.stdout);
    took
}

/// `dockerlearn check` over `reach` ends within `limit` with exit status 3 (the engine
/// could not be asked), and says `says`.
#[track_caller]
fn refused_within(reach: &Reach, limit: Duration, says: &[&str]) -> (Ran, Duration) {
    let sb = Sandbox::new();
    let start = Instant::now();
    let ran = run_within(reach.apply(sb.dl()).args(["check", "hello-world/run-it"]).command(), limit);
    let took = start.elapsed();
    let all = format!("{}{}", ran.stdout, ran.stderr);
    assert_eq!(ran.code, 3, "{all}");
    for s in says {
        assert!(all.contains(s), "lacks {s:?}:\n{all}");
    }
    (ran, took)
}

#[test]
fn a_checkpoint_passes_over_ssh() {
    let sshd = Sshd::start();
    let took = hello_world_passes_over(&sshd.reach());
    eprintln!("check over ssh took {took:?}");
}

#[test]
fn doctor_describes_the_engine_over_ssh() {
    let sshd = Sshd::start();
    let reach = sshd.reach_labvm();
    let ran = reach.apply(Test::new()).args(["doctor", "--json"]).run();
    let report = ran.json();
    assert_eq!(report["engine"]["info"]["endpoint"], reach.vars[0].1.to_str().unwrap(), "{}", ran.stdout);
    assert!(report["engine"]["info"]["api_version"].as_str().is_some_and(|v| v.starts_with("1.")), "{}", ran.stdout);
    assert_eq!(report["engine_machine"], "labvm");
    // Said plainly to people too; by its address, the engine is this computer's.
    reach.apply(Test::new()).args(["doctor"]).run().stdout_has("machine   labvm: ports it publishes open there");
    let here = sshd.reach().apply(Test::new()).args(["doctor", "--json"]).run();
    assert_eq!(here.json()["engine_machine"], serde_json::Value::Null, "{}", here.stdout);
}

#[test]
fn a_wrong_host_key_is_told_at_once() {
    let sshd = Sshd::start();
    sshd.trust(false);
    let (_, took) = refused_within(&sshd.reach(), Duration::from_secs(15), &["host key", "ssh-keygen -R 127.0.0.1"]);
    eprintln!("a wrong host key was told after {took:?}");
    assert!(took < Duration::from_secs(10), "{took:?}");
}

#[test]
fn an_unknown_host_key_is_not_trusted_silently() {
    let sshd = Sshd::start();
    std::fs::write(sshd.dir.path().join("known_hosts"), "").unwrap();
    refused_within(&sshd.reach(), Duration::from_secs(15), &["does not know the host key", "-p"]);
}

#[test]
fn a_refused_login_and_a_missing_ssh_are_told() {
    let sshd = Sshd::start();
    std::fs::write(sshd.dir.path().join("authorized_keys"), "").unwrap();
    refused_within(&sshd.reach(), Duration::from_secs(15), &["could not log in", "Permission denied"]);
    let mut reach = sshd.reach();
    let empty = tempfile::tempdir().unwrap();
    reach.vars[1].1 = empty.path().into();
    refused_within(&reach, Duration::from_secs(15), &["ssh command is not installed"]);
}

#[test]
fn the_prompt_passes_a_step_over_ssh() {
    let _image = Image::hello_world();
    let _names = crate::support::fixed_names();
    let sshd = Sshd::start();
    let sb = Sandbox::new();
    let test = sshd.reach_labvm().apply(sb.dl()).env("SHELL", "/bin/sh").env("TERM", "xterm-256color");
    let mut p = spawn_command(test.args(["start", "hello-world"]).command(), Some(30_000)).expect("the REPL starts");
    // Once, what a remote engine means: where published ports open, whose folders mount.
    p.exp_string("The Docker engine runs on labvm, not on this computer.").unwrap();
    p.exp_string("[hello-world 1/5] $").unwrap();
    // The learner's docker goes through the recording proxy, then the bridge, then ssh.
    p.send_line(&format!("docker run --label {} hello-world", sb.label)).unwrap();
    p.exp_string("Hello from Docker!").unwrap();
    p.exp_string("Step complete.").unwrap();
    p.exp_string("[hello-world 2/5] $").unwrap();
    p.send_line(":quit").unwrap();
    p.exp_string("Progress saved.").unwrap();
}

#[test]
fn a_checkpoint_passes_over_tls() {
    let certs = Certificates::make();
    let engine = TlsEngine::start(&certs);
    let cert_path = certs.cert_path("ca", Some("client"));
    let took = hello_world_passes_over(&engine.reach(cert_path.path()));
    eprintln!("check over TLS took {took:?}");
}

#[test]
fn wrong_certificates_are_told_and_nothing_hangs() {
    let certs = Certificates::make();
    let engine = TlsEngine::start(&certs);
    let limit = Duration::from_secs(15);
    let other_ca = certs.cert_path("other-ca", Some("client"));
    refused_within(&engine.reach(other_ca.path()), limit, &["is not signed by the CA", "ca.pem"]);
    let no_client = certs.cert_path("ca", None);
    refused_within(&engine.reach(no_client.path()), limit, &["refused dockerlearn's client certificate"]);
    // A client certificate its CA did not sign: the server's own, from another CA's view.
    let foreign = certs.cert_path("ca", None);
    std::fs::copy(certs.path("other-ca.pem"), foreign.path().join("cert.pem")).unwrap();
    std::fs::copy(certs.path("other-ca-key.pem"), foreign.path().join("key.pem")).unwrap();
    refused_within(&engine.reach(foreign.path()), limit, &["refused dockerlearn's client certificate"]);
    // TLS set, but no ca.pem where DOCKER_CERT_PATH points.
    let empty = tempfile::tempdir().unwrap();
    let ran = run_within(
        engine.reach(empty.path()).apply(Test::new()).args(["check", "hello-world/run-it"]).command(),
        limit,
    );
    assert_eq!(ran.code, 3, "{}", ran.stderr);
    assert!(ran.stderr.contains("has no ca.pem"), "{}", ran.stderr);
    // Plain HTTP to the TLS port, and TLS to a port that is not TLS.
    let plain = Reach { vars: vec![("DOCKER_HOST", format!("tcp://127.0.0.1:{}", engine.port).into())] };
    refused_within(&plain, limit, &["it may expect TLS", "DOCKER_TLS_VERIFY=1"]);
    let sshd = Sshd::start();
    let good = certs.cert_path("ca", Some("client"));
    let mut not_tls = engine.reach(good.path());
    not_tls.vars[0].1 = format!("tcp://127.0.0.1:{}", sshd.port).into();
    refused_within(&not_tls, limit, &["does not speak TLS"]);
}

#[test]
fn the_prompts_docker_commands_say_why_the_remote_engine_is_out_of_reach() {
    let sshd = Sshd::start();
    sshd.trust(false);
    let data = tempfile::tempdir().unwrap();
    let test = sshd.reach().apply(Test::new()).env("DOCKERLEARN_DATA_DIR", data.path()).env("SHELL", "/bin/sh");
    let test = test.env("TERM", "xterm-256color").remove_env("DOCKERLEARN_SCOPE").args(["sandbox"]);
    let mut p = spawn_command(test.command(), Some(30_000)).expect("the sandbox starts");
    p.exp_string("[sandbox] $").unwrap();
    // The learner's own docker, through the recording proxy and the bridge, hears ssh's reason.
    p.send_line("docker ps").unwrap();
    p.exp_string("dockerlearn could not reach the Docker engine: ssh refused 127.0.0.1").unwrap();
    p.exp_string("ssh-keygen -R 127.0.0.1").unwrap();
    p.exp_string("[sandbox] $").unwrap();
    p.send_line(":quit").unwrap();
    p.exp_eof().unwrap();
}
