//! The recording proxy: a Unix socket of dockerlearn's own, in a private directory,
//! that the prompt's commands reach as `DOCKER_HOST`. Every HTTP request goes on to the
//! real engine and every answer comes back as it arrives (streams stay streams);
//! upgraded connections (`attach`, `exec`, `docker run -it`) are passed through byte for
//! byte. On the way it tells `Traffic` what each request named and what the answers
//! say was made, so the sandbox can tell the learner's objects from other programs'; and
//! it tells its `Witness` how each container was created and which command each `docker
//! exec` ran and how it ended, so checks can judge them by their commands.
//!
//! A local Unix socket is fronted directly; an `ssh://` or TLS engine through the
//! remote bridge's local socket (`bridge`). A plain `tcp://` engine is not fronted: there
//! the sandbox goes without (and says so).

use super::Endpoint;
use super::bridge::Bridge;
use super::remote::Remote;
use super::socket_dir::SocketDir;
use super::witness::{ExecEnd, Witness, answered_id, exec_command};
use crate::traffic::{Call, Traffic};
use bytes::{Bytes, BytesMut};
use http_body_util::{BodyExt, Empty, Full, combinators::BoxBody};
use hyper::body::{Body as _, Frame, Incoming};
use hyper::header::{CONTENT_TYPE, UPGRADE};
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use tokio::net::{UnixListener, UnixStream};

/// The longest answer line read for what it made; longer lines pass unread.
const MAX_LINE: usize = 1 << 20;
/// The largest `docker exec` request read for its command; larger ones pass unread.
const MAX_EXEC_REQUEST: u64 = 1 << 20;

/// Why the prompt's commands go straight to the engine, unrecorded.
#[derive(Debug, thiserror::Error)]
pub enum NotRecorded {
    #[error(
        "The Docker engine is at {host}, not on a local socket, so dockerlearn cannot see which changes your commands make: after each command it tells, and records for `dockerlearn clean`, everything that changed on the engine meanwhile, other programs' work included. Check `dockerlearn clean --dry-run` before you clean."
    )]
    NotLocal { host: String },
    #[error(
        "dockerlearn could not open its socket in front of the Docker engine ({why}), so after each command it tells, and records for `dockerlearn clean`, everything that changed on the engine meanwhile, other programs' work included. Check `dockerlearn clean --dry-run` before you clean."
    )]
    Socket { why: String },
}

/// The proxy, running on the current Tokio runtime until dropped.
pub struct Recorder {
    dir: SocketDir,
    traffic: Arc<Mutex<Traffic>>,
    witness: Witness,
    task: tokio::task::JoinHandle<()>,
}

/// The engine behind the proxy: its socket (a remote engine's bridge, kept open while
/// the proxy runs), and its name for messages.
struct Upstream {
    socket: PathBuf,
    name: String,
    bridge: Option<Arc<Bridge>>,
}

impl Upstream {
    /// The engine could not be reached: an answer the docker CLI prints as the engine's,
    /// saying why (for a remote engine, what its bridge found: a refused host key, say).
    fn unreachable(&self, why: &str) -> Response<Body> {
        let message = match self.bridge.as_ref().and_then(|b| b.failure()) {
            Some(failure) => format!("dockerlearn could not reach the Docker engine: {failure}"),
            None => format!("dockerlearn could not reach the Docker engine at {}: {why}", self.name),
        };
        let message = serde_json::json!({ "message": message });
        let mut res =
            Response::new(Full::new(Bytes::from(message.to_string())).map_err(|never| match never {}).boxed());
        *res.status_mut() = StatusCode::BAD_GATEWAY;
        res.headers_mut().insert(CONTENT_TYPE, hyper::header::HeaderValue::from_static("application/json"));
        res
    }
}

impl Drop for Recorder {
    fn drop(&mut self) {
        self.task.abort();
    }
}

type Body = BoxBody<Bytes, hyper::Error>;

impl Recorder {
    /// Opens the socket in front of `endpoint`. Call it inside a Tokio runtime that
    /// keeps running while commands run (a multi-threaded one when the caller blocks).
    pub fn start(endpoint: &Endpoint) -> Result<Recorder, NotRecorded> {
        let (socket, bridge) = match endpoint.host.strip_prefix("unix://") {
            Some(path) => (PathBuf::from(path), None),
            None => {
                let remote = Remote::of(endpoint).ok().flatten();
                let Some(remote) = remote else { return Err(NotRecorded::NotLocal { host: endpoint.host.clone() }) };
                let bridge = Bridge::open(&remote).map_err(|e| NotRecorded::Socket { why: e.to_string() })?;
                (bridge.socket().to_owned(), Some(bridge))
            }
        };
        let engine = Upstream { socket, name: endpoint.host.clone(), bridge };
        let socket_error = |e: std::io::Error| NotRecorded::Socket { why: e.to_string() };
        let (dir, listener) = SocketDir::bind().map_err(socket_error)?;
        let listener = UnixListener::from_std(listener).map_err(socket_error)?;
        let traffic = Arc::new(Mutex::new(Traffic::default()));
        let witness = Witness::new(crate::progress::now());
        let task = tokio::spawn(serve(listener, engine, traffic.clone(), witness.clone()));
        Ok(Recorder { dir, traffic, witness, task })
    }

    /// The `DOCKER_HOST` that reaches the engine through this proxy.
    pub fn host(&self) -> String {
        format!("unix://{}", self.dir.socket().display())
    }

    /// What was asked since the last take.
    pub fn take(&self) -> Traffic {
        std::mem::take(&mut *self.traffic.lock().unwrap_or_else(|e| e.into_inner()))
    }

    /// What the commands through it ran, for the checks (`Engine::witnessed_by`).
    pub fn witness(&self) -> Witness {
        self.witness.clone()
    }
}

async fn serve(listener: UnixListener, engine: Upstream, traffic: Arc<Mutex<Traffic>>, witness: Witness) {
    let engine = Arc::new(engine);
    loop {
        let Ok((client, _)) = listener.accept().await else {
            // Out of file descriptors, say: wait a moment rather than spin.
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
            continue;
        };
        let (engine, traffic, witness) = (engine.clone(), traffic.clone(), witness.clone());
        tokio::spawn(async move {
            let service =
                hyper::service::service_fn(move |req| forward(req, engine.clone(), traffic.clone(), witness.clone()));
            let _ = hyper::server::conn::http1::Builder::new()
                .serve_connection(TokioIo::new(client), service)
                .with_upgrades()
                .await;
        });
    }
}

/// One request to the engine over a connection of its own, and its answer back.
async fn forward(
    mut req: Request<Incoming>,
    engine: Arc<Upstream>,
    traffic: Arc<Mutex<Traffic>>,
    witness: Witness,
) -> Result<Response<Body>, hyper::Error> {
    let call = Call::new(req.method().as_str(), req.uri().path(), req.uri().query());
    lock(&traffic).requested(&call);
    let stream = match UnixStream::connect(&engine.socket).await {
        Ok(s) => s,
        Err(e) => return Ok(engine.unreachable(&e.to_string())),
    };
    let (mut send, conn) = match hyper::client::conn::http1::handshake::<_, Body>(TokioIo::new(stream)).await {
        Ok(made) => made,
        Err(e) => return Ok(engine.unreachable(&e.to_string())),
    };
    tokio::spawn(conn.with_upgrades());
    let from_client = req.headers().contains_key(UPGRADE).then(|| hyper::upgrade::on(&mut req));
    // `docker exec`: what it asks to run is in the request's body, read here whole.
    let mut asked: Option<(String, Vec<String>)> = None;
    let req = match call.creates_exec().map(str::to_owned) {
        Some(container) if req.body().size_hint().upper().is_some_and(|n| n <= MAX_EXEC_REQUEST) => {
            let (parts, body) = req.into_parts();
            let bytes = body.collect().await?.to_bytes();
            asked = exec_command(&bytes).map(|command| (container, command));
            Request::from_parts(parts, full(bytes))
        }
        _ => req.map(BodyExt::boxed),
    };
    let started_exec = call.starts_exec().map(str::to_owned);
    if let Some(id) = &started_exec {
        witness.exec_started(id, crate::progress::now());
    }
    // A bridge that could not reach a remote engine closes the connection unanswered.
    let mut res = match send.send_request(req).await {
        Ok(res) => res,
        Err(e) if engine.bridge.is_some() => return Ok(engine.unreachable(&e.to_string())),
        Err(e) => return Err(e),
    };
    lock(&traffic).answered(&call, res.status().as_u16());
    if res.status() == StatusCode::SWITCHING_PROTOCOLS {
        let from_engine = hyper::upgrade::on(&mut res);
        let (engine, traffic, witness) = (engine.clone(), traffic.clone(), witness.clone());
        tokio::spawn(async move {
            let Some(from_client) = from_client else { return };
            if let (Ok(client), Ok(engine)) = (from_client.await, from_engine.await) {
                let _ = tokio::io::copy_bidirectional(&mut TokioIo::new(client), &mut TokioIo::new(engine)).await;
            }
            // An attached exec's connection closes as its command ends.
            if let Some(id) = started_exec {
                exec_ended(&engine, &traffic, &witness, &id).await;
            }
        });
        let (parts, _) = res.into_parts();
        return Ok(Response::from_parts(parts, Empty::new().map_err(|never| match never {}).boxed()));
    }
    if res.status().is_success() && call.creates_container() {
        return Ok(created(res, &call, &engine, &traffic, &witness).await);
    }
    if let (true, Some((container, command))) = (res.status().is_success(), asked) {
        let (parts, body) = res.into_parts();
        let bytes = body.collect().await?.to_bytes();
        lock(&traffic).answer_line(&call, &bytes);
        if let Some(id) = answered_id(&bytes) {
            witness.exec_asked(&id, &container, command);
        }
        return Ok(Response::from_parts(parts, full(bytes)));
    }
    if let Some(id) = started_exec {
        // Not upgraded: a detached exec's answer (it runs on), or an attached one's output.
        let ended = move || drop(tokio::spawn(async move { exec_ended(&engine, &traffic, &witness, &id).await }));
        return Ok(res.map(|body| on_end(body, ended)));
    }
    let read = res.status().is_success() && call.answer_matters();
    Ok(res.map(|body| if read { recorded(body, call, traffic) } else { body.boxed() }))
}

fn full(bytes: Bytes) -> Body {
    Full::new(bytes).map_err(|never| match never {}).boxed()
}

/// `body`, which calls `then` once it has been read to its end, or dropped.
fn on_end<F: FnOnce() + Send + Sync + 'static>(body: Incoming, then: F) -> Body {
    struct OnDrop<F: FnOnce()>(Option<F>);
    impl<F: FnOnce()> Drop for OnDrop<F> {
        fn drop(&mut self) {
            if let Some(then) = self.0.take() {
                then();
            }
        }
    }
    let guard = OnDrop(Some(then));
    body.map_frame(move |frame| {
        let _ = &guard;
        frame
    })
    .boxed()
}

/// Asks the engine how exec `id` ended, for the narration and the witness; an exec that
/// still runs (one started detached) is asked about again when a check needs it.
async fn exec_ended(engine: &Upstream, traffic: &Mutex<Traffic>, witness: &Witness, id: &str) {
    let Some(bytes) = get(&engine.socket, &format!("/exec/{id}/json")).await else { return };
    let inspected = serde_json::from_slice::<bollard::models::ExecInspectResponse>(&bytes).ok();
    if let Some(end) = inspected.and_then(ExecEnd::read) {
        lock(traffic).exec_ended(id, end.exit_code);
        witness.exec_ended(id, crate::progress::now(), end);
    }
}

/// A container was created: before its answer goes back (so before the CLI can start
/// it, and a `--rm` container end and vanish), the container is inspected: its mounts,
/// which the narration tells after it is gone, and how it was made (its command), which
/// checks judge it by.
async fn created(
    res: Response<Incoming>,
    call: &Call,
    engine: &Upstream,
    traffic: &Mutex<Traffic>,
    witness: &Witness,
) -> Response<Body> {
    let (parts, body) = res.into_parts();
    let bytes = match body.collect().await {
        Ok(b) => b.to_bytes(),
        Err(e) => return engine.unreachable(&e.to_string()),
    };
    lock(traffic).answer_line(call, &bytes);
    if let Some(id) = answered_id(&bytes) {
        let inspected = get(&engine.socket, &format!("/containers/{id}/json"))
            .await
            .and_then(|b| serde_json::from_slice::<bollard::models::ContainerInspectResponse>(&b).ok());
        if let Some(inspected) = inspected {
            let mounts = inspected.mounts.clone().unwrap_or_default();
            lock(traffic).mounted(&id, mounts.into_iter().map(super::inventory::mount).collect());
            witness.created(&id, super::observe::container_details(inspected));
        }
    }
    Response::from_parts(parts, full(bytes))
}

/// The body of a successful `GET path`, asked of the engine over a connection of its own.
async fn get(engine: &Path, path: &str) -> Option<Bytes> {
    let stream = UnixStream::connect(engine).await.ok()?;
    let (mut send, conn) = hyper::client::conn::http1::handshake(TokioIo::new(stream)).await.ok()?;
    tokio::spawn(conn);
    let req = Request::get(path).header("host", "docker").body(Empty::<Bytes>::new()).ok()?;
    let res = send.send_request(req).await.ok()?;
    if !res.status().is_success() {
        return None;
    }
    Some(res.into_body().collect().await.ok()?.to_bytes())
}

fn lock(traffic: &Mutex<Traffic>) -> std::sync::MutexGuard<'_, Traffic> {
    traffic.lock().unwrap_or_else(|e| e.into_inner())
}

/// An answer's body passed on frame by frame, its lines read for `Traffic` as they go.
fn recorded(body: Incoming, call: Call, traffic: Arc<Mutex<Traffic>>) -> Body {
    let mut reader = Lines { call, traffic, partial: BytesMut::new() };
    body.map_frame(move |frame: Frame<Bytes>| {
        if let Some(data) = frame.data_ref() {
            reader.feed(data);
        }
        frame
    })
    .boxed()
}

/// Reads whole lines of an answer; what is left at the end is read when it is dropped.
struct Lines {
    call: Call,
    traffic: Arc<Mutex<Traffic>>,
    partial: BytesMut,
}

impl Lines {
    fn feed(&mut self, data: &[u8]) {
        if self.partial.len() + data.len() > MAX_LINE && !data.contains(&b'\n') {
            self.partial.clear();
            return;
        }
        self.partial.extend_from_slice(data);
        while let Some(end) = self.partial.iter().position(|b| *b == b'\n') {
            let line = self.partial.split_to(end + 1);
            lock(&self.traffic).answer_line(&self.call, &line);
        }
    }
}

impl Drop for Lines {
    fn drop(&mut self) {
        if !self.partial.is_empty() {
            lock(&self.traffic).answer_line(&self.call, &self.partial);
        }
    }
}
