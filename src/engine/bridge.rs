//! The bridge to a remote engine: a Unix socket of dockerlearn's own (`socket_dir`)
//! whose every connection is carried to the engine, over `ssh … docker system
//! dial-stdio` or TLS, byte for byte. It runs on a thread of its own, so it serves
//! whatever runtime (or blocking child process) uses it, and lives as long as someone
//! holds it: one bridge per remote engine in the process, shared, gone with the last
//! holder (its folder with it; a killed run's folder is swept by the next).
//!
//! A connection that fails before the engine said anything leaves its reason here
//! (`failure`) until a later one gets through, so the engine's client and the recording
//! proxy can tell "host key refused" from "no answer".

use super::remote::{Remote, RemoteError};
use super::socket_dir::SocketDir;
use super::ssh::SshTarget;
use super::tls::TlsTarget;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, Weak};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::UnixStream;

/// The most of ssh's stderr kept, for its reason.
const MAX_STDERR: u64 = 16 * 1024;

pub struct Bridge {
    dir: SocketDir,
    failure: Arc<Mutex<Option<RemoteError>>>,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
}

/// How each connection reaches the engine.
enum Dial {
    /// Through ssh, sharing the master connection at the path when it is up.
    Ssh(SshTarget, PathBuf),
    Tls(TlsTarget, Arc<rustls::ClientConfig>),
}

/// The bridges open in this process, by the engine they reach.
static LIVE: Mutex<Vec<(Remote, Weak<Bridge>)>> = Mutex::new(Vec::new());

impl Bridge {
    /// The bridge to `remote`: the one already open in this process, or a new one.
    pub fn open(remote: &Remote) -> Result<Arc<Bridge>, RemoteError> {
        let mut live = LIVE.lock().unwrap_or_else(|e| e.into_inner());
        live.retain(|(_, b)| b.strong_count() > 0);
        if let Some(bridge) = live.iter().find(|(r, _)| r == remote).and_then(|(_, b)| b.upgrade()) {
            return Ok(bridge);
        }
        let broken = |e: std::io::Error| RemoteError::Bridge { why: e.to_string() };
        let (dir, listener) = SocketDir::bind().map_err(broken)?;
        let dial = match remote {
            Remote::Ssh(target) => Dial::Ssh(target.clone(), dir.beside("ssh")),
            // The TLS files are read once, here, so a wrong one is told before any connection.
            Remote::Tls(target) => Dial::Tls(target.clone(), target.config()?),
        };
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().map_err(broken)?;
        let failure = Arc::new(Mutex::new(None));
        let (stop, stopped) = tokio::sync::oneshot::channel();
        let slot = failure.clone();
        std::thread::Builder::new()
            .name("dockerlearn-bridge".to_owned())
            .spawn(move || {
                runtime.block_on(async move {
                    let Ok(listener) = tokio::net::UnixListener::from_std(listener) else { return };
                    // One ssh login kept open for the connections to share; the first
                    // ones may not wait for it. Its failures are told by theirs.
                    let _master = match &dial {
                        Dial::Ssh(target, control) => target.master(control).ok(),
                        Dial::Tls(..) => None,
                    };
                    tokio::select! {
                        _ = serve(listener, Arc::new(dial), slot) => {}
                        _ = stopped => {}
                    }
                });
                // Dropping the runtime drops every connection, and kills their ssh.
            })
            .map_err(broken)?;
        let bridge = Arc::new(Bridge { dir, failure, stop: Some(stop) });
        live.push((remote.clone(), Arc::downgrade(&bridge)));
        Ok(bridge)
    }

    /// The local socket that reaches the engine.
    pub fn socket(&self) -> &Path {
        self.dir.socket()
    }

    /// Why the engine could not be reached, when the last connection that ended failed
    /// before it answered.
    pub fn failure(&self) -> Option<RemoteError> {
        self.failure.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }
}

impl Drop for Bridge {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

async fn serve(listener: tokio::net::UnixListener, dial: Arc<Dial>, failure: Arc<Mutex<Option<RemoteError>>>) {
    loop {
        let Ok((client, _)) = listener.accept().await else {
            // Out of file descriptors, say: wait a moment rather than spin.
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
            continue;
        };
        tokio::spawn(carry(client, dial.clone(), failure.clone()));
    }
}

/// One connection, carried to the engine until either side ends it. A failure is
/// recorded before the client's side is closed, so the client finds it when it sees
/// the connection end.
async fn carry(client: UnixStream, dial: Arc<Dial>, failure: Arc<Mutex<Option<RemoteError>>>) {
    let set = |outcome: Option<RemoteError>| *failure.lock().unwrap_or_else(|e| e.into_inner()) = outcome;
    let fail = |e: RemoteError| set(Some(e));
    // The engine's first bytes on this connection clear what an earlier one found.
    let answered = || set(None);
    match &*dial {
        Dial::Ssh(target, control) => {
            let mut child = match target.dial(Some(control)) {
                Ok(child) => child,
                Err(e) => return fail(e),
            };
            let (Some(stdin), Some(stdout), Some(stderr)) =
                (child.stdin.take(), child.stdout.take(), child.stderr.take())
            else {
                return;
            };
            let said = tokio::spawn(async move {
                let mut text = String::new();
                let _ = stderr.take(MAX_STDERR).read_to_string(&mut text).await;
                text
            });
            let (passed, client_side) = pipe(client, stdout, stdin, answered).await;
            let wait = std::time::Duration::from_secs(2);
            let status = tokio::time::timeout(wait, child.wait()).await.ok().and_then(Result::ok);
            if passed.down == 0 && !status.is_some_and(|s| s.success()) {
                let said = tokio::time::timeout(wait, said).await.ok().and_then(Result::ok).unwrap_or_default();
                fail(target.failure(&said, status.and_then(|s| s.code())));
            }
            drop(client_side);
        }
        Dial::Tls(target, config) => {
            let stream = match target.dial(config.clone()).await {
                Ok(stream) => stream,
                Err(e) => return fail(e),
            };
            let (from, to) = tokio::io::split(stream);
            let (passed, client_side) = pipe(client, from, to, answered).await;
            if let (0, Some(e)) = (passed.down, &passed.error) {
                fail(target.failure(e));
            }
            drop(client_side);
        }
    }
}

/// What came back from the engine on one connection.
struct Passed {
    down: u64,
    /// Why reading from the engine stopped, when not at its end.
    error: Option<std::io::Error>,
}

/// Copies the client's bytes to `to` (then closes it) while the engine's come back
/// from `from`, until `from` ends; `answered` is called when the engine's first bytes
/// come. The client's writing side is handed back open.
async fn pipe<R, W>(
    client: UnixStream,
    mut from: R,
    mut to: W,
    answered: impl FnOnce(),
) -> (Passed, tokio::net::unix::OwnedWriteHalf)
where
    R: AsyncRead + Unpin,
    W: AsyncWrite + Unpin + Send + 'static,
{
    let (mut client_in, mut client_out) = client.into_split();
    let up = tokio::spawn(async move {
        let _ = tokio::io::copy(&mut client_in, &mut to).await;
        let _ = to.shutdown().await;
    });
    let mut passed = Passed { down: 0, error: None };
    let mut buf = vec![0u8; 64 * 1024];
    let mut answered = Some(answered);
    loop {
        match from.read(&mut buf).await {
            Ok(0) => break,
            Ok(n) => {
                if let Some(f) = answered.take() {
                    f();
                }
                passed.down += n as u64;
                if client_out.write_all(&buf[..n]).await.is_err() {
                    break;
                }
            }
            Err(e) => {
                passed.error = Some(e);
                break;
            }
        }
    }
    up.abort();
    (passed, client_out)
}
