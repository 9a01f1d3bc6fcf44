//! `ssh://[USER@]HOST[:PORT][/SOCKET]` endpoints, reached as the docker CLI reaches them:
//! each connection is one `ssh … HOST docker system dial-stdio`, whose stdin and stdout
//! are the remote engine's socket. ssh reads the learner's own `~/.ssh/config`, keys,
//! agent and `known_hosts`; `BatchMode` makes it fail rather than ask for a password
//! or to trust a new host key, which no one could answer from inside dockerlearn.

use super::remote::RemoteError;
use std::path::Path;

/// Seconds ssh may take to connect and exchange keys (ssh's `ConnectTimeout`).
pub const CONNECT_SECS: u64 = 10;

/// Where an `ssh://` endpoint points.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SshTarget {
    pub user: Option<String>,
    /// A name, or an address (IPv6 without brackets).
    pub host: String,
    pub port: Option<u16>,
    /// The engine's socket on the remote machine, when the URL names one.
    pub socket: Option<String>,
}

impl SshTarget {
    /// Reads an `ssh://` URL as the docker CLI does: no password, query or fragment.
    pub fn parse(endpoint: &str) -> Result<SshTarget, String> {
        let url = url::Url::parse(endpoint).map_err(|e| format!("it is not an ssh:// address ({e})"))?;
        if url.scheme() != "ssh" {
            return Err("it is not an ssh:// address".to_owned());
        }
        if url.password().is_some() {
            return Err("ssh:// addresses carry no password: use a key (ssh-agent or ~/.ssh)".to_owned());
        }
        if url.query().is_some() || url.fragment().is_some() {
            return Err("an ssh:// address has no `?` or `#` part".to_owned());
        }
        let host = match url.host() {
            Some(url::Host::Ipv6(ip)) => ip.to_string(),
            Some(host) => host.to_string(),
            None => return Err("it names no host".to_owned()),
        };
        if host.is_empty() {
            return Err("it names no host".to_owned());
        }
        let user = percent_encoding::percent_decode_str(url.username()).decode_utf8_lossy().into_owned();
        let socket = Some(url.path()).filter(|p| !p.is_empty() && *p != "/").map(str::to_owned);
        Ok(SshTarget { user: Some(user).filter(|u| !u.is_empty()), host, port: url.port(), socket })
    }

    /// ssh's arguments for one connection, as the docker CLI builds them (`-T`, the user,
    /// the port, `--`, the host, the remote command), with `BatchMode` and a connection
    /// timeout; with `control`, through the master connection listening there when it
    /// is up (ssh connects on its own when it is not).
    pub fn args(&self, control: Option<&Path>) -> Vec<String> {
        let mut args = self.options();
        if let Some(control) = control {
            args.extend(["-o".to_owned(), "ControlMaster=no".to_owned()]);
            args.extend(["-o".to_owned(), format!("ControlPath={}", control.display())]);
        }
        args.extend(["--".to_owned(), self.host.clone(), "docker".to_owned()]);
        if let Some(socket) = &self.socket {
            // The remote shell reads the command line again: quote what came from the URL.
            let host = format!("unix://{socket}");
            args.extend(["--host".to_owned(), shlex::try_quote(&host).map_or(host.clone(), |q| q.into_owned())]);
        }
        args.extend(["system", "dial-stdio"].map(String::from));
        args
    }

    /// The master connection's arguments: logged in once, listening at `control`, so
    /// the next connections skip the key exchange and login (a few ms, not half a second).
    pub fn master_args(&self, control: &Path) -> Vec<String> {
        let mut args = self.options();
        args.extend(["-o".to_owned(), "ControlMaster=yes".to_owned(), "-o".to_owned(), "ControlPersist=no".to_owned()]);
        args.extend(["-o".to_owned(), format!("ControlPath={}", control.display()), "-N".to_owned()]);
        args.extend(["--".to_owned(), self.host.clone()]);
        args
    }

    fn options(&self) -> Vec<String> {
        let mut args: Vec<String> = ["-o", "BatchMode=yes", "-o"].map(String::from).to_vec();
        args.push(format!("ConnectTimeout={CONNECT_SECS}"));
        args.push("-T".to_owned());
        if let Some(user) = &self.user {
            args.extend(["-l".to_owned(), user.clone()]);
        }
        if let Some(port) = self.port {
            args.extend(["-p".to_owned(), port.to_string()]);
        }
        args
    }

    /// How the learner logs in by hand: `me@labvm`, `me@labvm -p 2222`.
    pub fn login(&self) -> String {
        let mut s = match &self.user {
            Some(u) => format!("{u}@{}", self.host),
            None => self.host.clone(),
        };
        if let Some(p) = self.port {
            s.push_str(&format!(" -p {p}"));
        }
        s
    }

    /// Starts one connection: ssh with its stdin and stdout piped, its stderr kept for
    /// `failure`. ssh is killed when the handle is dropped.
    pub fn dial(&self, control: Option<&Path>) -> Result<tokio::process::Child, RemoteError> {
        use std::process::Stdio;
        let mut ssh = tokio::process::Command::new("ssh");
        ssh.args(self.args(control)).stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped());
        self.spawn(ssh)
    }

    /// Starts the master connection (see `master_args`), quiet. It ends when its handle
    /// is dropped and, on Linux, when the thread that started it ends, so a killed
    /// dockerlearn leaves no ssh behind.
    pub fn master(&self, control: &Path) -> Result<tokio::process::Child, RemoteError> {
        use std::process::Stdio;
        let mut ssh = tokio::process::Command::new("ssh");
        ssh.args(self.master_args(control)).stdin(Stdio::null()).stdout(Stdio::null()).stderr(Stdio::null());
        #[cfg(target_os = "linux")]
        // SAFETY: the closure only makes one async-signal-safe system call (prctl).
        unsafe {
            ssh.pre_exec(|| {
                rustix::process::set_parent_process_death_signal(Some(rustix::process::Signal::TERM))
                    .map_err(std::io::Error::from)
            });
        }
        self.spawn(ssh)
    }

    fn spawn(&self, mut ssh: tokio::process::Command) -> Result<tokio::process::Child, RemoteError> {
        ssh.kill_on_drop(true).spawn().map_err(|e| match e.kind() {
            std::io::ErrorKind::NotFound => RemoteError::NoSsh { target: self.login() },
            _ => RemoteError::SshFailed { target: self.login(), detail: format!("ssh could not be started: {e}") },
        })
    }

    /// What went wrong, from what ssh (or the remote docker) said on stderr and its exit
    /// status (255 is ssh's own failure; anything else is the remote command's).
    pub fn failure(&self, stderr: &str, status: Option<i32>) -> RemoteError {
        let text = stderr.to_ascii_lowercase();
        let detail = last_words(stderr);
        let (host, target) = (self.host.clone(), self.login());
        let has = |s: &str| text.contains(s);
        if has("remote host identification has changed") || has("host key for") && has("has changed") {
            RemoteError::ChangedHostKey { host, target }
        } else if has("host key verification failed") || has("no matching host key") {
            RemoteError::UnknownHostKey { host, target }
        } else if has("cannot connect to the docker daemon") || has("while trying to connect to the docker daemon") {
            RemoteError::EngineThere { target, detail }
        } else if has("permission denied") || has("too many authentication failures") {
            RemoteError::LoginRefused { target, detail }
        } else if has("could not resolve hostname")
            || has("connection refused")
            || has("connection timed out")
            || has("operation timed out")
            || has("no route to host")
            || has("network is unreachable")
            || has("connection closed by")
            || has("connection reset")
        {
            RemoteError::SshUnreachable { target, detail }
        } else if status == Some(127) || has("command not found") || has("docker: not found") {
            RemoteError::NoDockerThere { target, detail }
        } else if has("is not a docker command") || has("unknown command") {
            let detail = format!(
                "its docker is too old for `docker system dial-stdio` (Docker 18.09 or newer is needed): {detail}"
            );
            RemoteError::NoDockerThere { target, detail }
        } else {
            let detail = if detail.is_empty() {
                format!(
                    "ssh ended (status {}) before the engine answered",
                    status.map_or("unknown".into(), |s| s.to_string())
                )
            } else {
                detail
            };
            RemoteError::SshFailed { target, detail }
        }
    }
}

/// The last non-empty line of `text`, without ssh's `ssh: ` prefix or a final period.
fn last_words(text: &str) -> String {
    let line = text.lines().map(str::trim).rfind(|l| !l.is_empty()).unwrap_or_default();
    line.trim_start_matches("ssh: ").trim_end_matches('.').chars().take(300).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(url: &str) -> SshTarget {
        SshTarget::parse(url).unwrap_or_else(|e| panic!("{url}: {e}"))
    }

    #[test]
    fn urls_are_read_as_the_docker_cli_reads_them() {
        assert_eq!(parse("ssh://labvm"), SshTarget { user: None, host: "labvm".into(), port: None, socket: None });
        let t = parse("ssh://me@labvm:2222");
        assert_eq!((t.user.as_deref(), t.host.as_str(), t.port), (Some("me"), "labvm", Some(2222)));
        let t = parse("ssh://root@127.0.0.1:22/");
        assert_eq!((t.host.as_str(), t.port, t.socket), ("127.0.0.1", Some(22), None));
        let t = parse("ssh://me@[fe80::1]:2200");
        assert_eq!((t.host.as_str(), t.port), ("fe80::1", Some(2200)));
        assert_eq!(parse("ssh://[::1]").host, "::1");
        assert_eq!(parse("ssh://m%40x@box").user.as_deref(), Some("m@x"));
        assert_eq!(parse("ssh://box/run/user/1000/docker.sock").socket.as_deref(), Some("/run/user/1000/docker.sock"));
    }

    #[test]
    fn bad_urls_say_why() {
        for (url, why) in [
            ("ssh://me:pw@box", "no password"),
            ("ssh://box?x=1", "`?`"),
            ("ssh://", "no host"),
            ("ssh://box:99999", "not an ssh://"),
        ] {
            let err = SshTarget::parse(url).unwrap_err();
            assert!(err.contains(why), "{url}: {err}");
        }
    }

    #[test]
    fn the_command_line_is_the_docker_clis_with_batch_mode() {
        let t = parse("ssh://me@[::1]:2222");
        assert_eq!(
            t.args(None).join(" "),
            "-o BatchMode=yes -o ConnectTimeout=10 -T -l me -p 2222 -- ::1 docker system dial-stdio"
        );
        assert_eq!(parse("ssh://labvm").args(None)[5..].join(" "), "-- labvm docker system dial-stdio");
        let shared = parse("ssh://labvm").args(Some(Path::new("/tmp/d/ssh")));
        assert_eq!(
            shared[5..].join(" "),
            "-o ControlMaster=no -o ControlPath=/tmp/d/ssh -- labvm docker system dial-stdio"
        );
        let master = parse("ssh://me@labvm").master_args(Path::new("/tmp/d/ssh")).join(" ");
        assert!(
            master.ends_with("-o ControlMaster=yes -o ControlPersist=no -o ControlPath=/tmp/d/ssh -N -- labvm"),
            "{master}"
        );
        let t = parse("ssh://labvm/home/me/my%20docker.sock");
        let args = t.args(None);
        assert_eq!(args[args.len() - 4..].join(" "), "--host 'unix:///home/me/my%20docker.sock' system dial-stdio");
        assert_eq!(parse("ssh://me@labvm:2222").login(), "me@labvm -p 2222");
    }

    #[test]
    fn failures_are_told_by_what_ssh_said() {
        let t = parse("ssh://me@labvm");
        let is = |stderr: &str, status: i32| t.failure(stderr, Some(status));
        assert!(matches!(is("Host key verification failed.\r\n", 255), RemoteError::UnknownHostKey { .. }));
        let changed =
            "@@@@\n@    WARNING: REMOTE HOST IDENTIFICATION HAS CHANGED!     @\n...\nHost key verification failed.\n";
        assert!(matches!(is(changed, 255), RemoteError::ChangedHostKey { .. }));
        let denied = is("me@labvm: Permission denied (publickey,password).\n", 255);
        assert!(
            matches!(&denied, RemoteError::LoginRefused { detail, .. } if detail.ends_with("(publickey,password)"))
        );
        let refused = is("ssh: connect to host labvm port 22: Connection refused\n", 255);
        assert!(matches!(refused, RemoteError::SshUnreachable { .. }));
        let unknown = is("ssh: Could not resolve hostname labvm: Name or service not known\n", 255);
        assert!(matches!(unknown, RemoteError::SshUnreachable { .. }));
        assert!(matches!(is("bash: line 1: docker: command not found\n", 127), RemoteError::NoDockerThere { .. }));
        let daemon =
            "Cannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the docker daemon running?\n";
        assert!(matches!(is(daemon, 1), RemoteError::EngineThere { .. }));
        let socket =
            "permission denied while trying to connect to the Docker daemon socket at unix:///var/run/docker.sock\n";
        assert!(matches!(is(socket, 1), RemoteError::EngineThere { .. }));
        assert!(matches!(is("", 255), RemoteError::SshFailed { ref detail, .. } if detail.contains("status 255")));
        let text = is("Host key verification failed.\n", 255).to_string();
        assert!(text.contains("ssh me@labvm") && text.lines().count() == 2, "{text}");
    }
}
