//! The recording proxy: a Unix socket of dockerlearn's own, in a private directory,
//! that the prompt's commands reach as `DOCKER_HOST`. Every HTTP request goes on to the
//! real engine and every answer comes back as it arrives (streams stay streams);
//! upgraded connections (`attach`, `exec`, `docker run -it`) are passed through byte for
//! byte. On the way it tells `Traffic` what each request named and what the answers
//! say was made, so the sandbox can tell the learner's objects from other programs'.
//!
//! A local Unix socket is fronted directly; an `ssh://` or TLS engine through the
//! remote bridge's local socket (`bridge`). A plain `tcp://` engine is not fronted: there
//! the sandbox goes without (and says so).

use super::Endpoint;
use super::bridge::Bridge;
use super::remote::Remote;
use super::socket_dir::SocketDir;
use crate::traffic::{Call, Traffic};
use bytes::{Bytes, BytesMut};
use http_body_util::{BodyExt, Empty, Full, combinators::BoxBody};
use hyper::body::{Frame, Incoming};
use hyper::header::{CONTENT_TYPE, UPGRADE};
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use tokio::net::{UnixListener, UnixStream};

/// The longest answer line read for what it made; longer lines pass unread.
const MAX_LINE: usize = 1 << 20;

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
        let task = tokio::spawn(serve(listener, engine, traffic.clone()));
        Ok(Recorder { dir, traffic, task })
    }

    /// The `DOCKER_HOST` that reaches the engine through this proxy.
    pub fn host(&self) -> String {
        format!("unix://{}", self.dir.socket().display())
    }

    /// What was asked since the last take.
    pub fn take(&self) -> Traffic {
        std::mem::take(&mut *self.traffic.lock().unwrap_or_else(|e| e.into_inner()))
    }
}

async fn serve(listener: UnixListener, engine: Upstream, traffic: Arc<Mutex<Traffic>>) {
    let engine = Arc::new(engine);
    loop {
        let Ok((client, _)) = listener.accept().await else {
            // Out of file descriptors, say: wait a moment rather than spin.
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
            continue;
        };
        let (engine, traffic) = (engine.clone(), traffic.clone());
        tokio::spawn(async move {
            let service = hyper::service::service_fn(move |req| forward(req, engine.clone(), traffic.clone()));
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
) -> Result<Response<Body>, hyper::Error> {
    let call = Call::new(req.method().as_str(), req.uri().path(), req.uri().query());
    lock(&traffic).requested(&call);
    let stream = match UnixStream::connect(&engine.socket).await {
        Ok(s) => s,
        Err(e) => return Ok(engine.unreachable(&e.to_string())),
    };
    let (mut send, conn) = match hyper::client::conn::http1::handshake(TokioIo::new(stream)).await {
        Ok(made) => made,
        Err(e) => return Ok(engine.unreachable(&e.to_string())),
    };
    tokio::spawn(conn.with_upgrades());
    let from_client = req.headers().contains_key(UPGRADE).then(|| hyper::upgrade::on(&mut req));
    // A bridge that could not reach a remote engine closes the connection unanswered.
    let mut res = match send.send_request(req).await {
        Ok(res) => res,
        Err(e) if engine.bridge.is_some() => return Ok(engine.unreachable(&e.to_string())),
        Err(e) => return Err(e),
    };
    lock(&traffic).answered(&call, res.status().as_u16());
    if res.status() == StatusCode::SWITCHING_PROTOCOLS {
        let from_engine = hyper::upgrade::on(&mut res);
        tokio::spawn(async move {
            let Some(from_client) = from_client else { return };
            if let (Ok(client), Ok(engine)) = (from_client.await, from_engine.await) {
                let _ = tokio::io::copy_bidirectional(&mut TokioIo::new(client), &mut TokioIo::new(engine)).await;
            }
        });
        let (parts, _) = res.into_parts();
        return Ok(Response::from_parts(parts, Empty::new().map_err(|never| match never {}).boxed()));
    }
    if res.status().is_success() && call.creates_container() {
        return Ok(created(res, &call, &engine, &traffic).await);
    }
    let read = res.status().is_success() && call.answer_matters();
    Ok(res.map(|body| if read { recorded(body, call, traffic) } else { body.boxed() }))
}

/// A container was created: before its answer goes back (so before the CLI can start
/// it, and a `--rm` container end and vanish), the container is inspected for its
/// mounts, which the narration tells after it is gone.
async fn created(res: Response<Incoming>, call: &Call, engine: &Upstream, traffic: &Mutex<Traffic>) -> Response<Body> {
    let (parts, body) = res.into_parts();
    let bytes = match body.collect().await {
        Ok(b) => b.to_bytes(),
        Err(e) => return engine.unreachable(&e.to_string()),
    };
    lock(traffic).answer_line(call, &bytes);
    let id = serde_json::from_slice::<serde_json::Value>(&bytes)
        .ok()
        .and_then(|v| v.get("Id").and_then(|i| i.as_str()).map(str::to_owned));
    if let Some(id) = id {
        if let Some(mounts) = inspected_mounts(&engine.socket, &id).await {
            lock(traffic).mounted(&id, mounts);
        }
    }
    Response::from_parts(parts, Full::new(bytes).map_err(|never| match never {}).boxed())
}

/// The mounts of container `id`, asked of the engine over a connection of its own.
async fn inspected_mounts(engine: &Path, id: &str) -> Option<Vec<crate::snapshot::Mount>> {
    let stream = UnixStream::connect(engine).await.ok()?;
    let (mut send, conn) = hyper::client::conn::http1::handshake(TokioIo::new(stream)).await.ok()?;
    tokio::spawn(conn);
    let req =
        Request::get(format!("/containers/{id}/json")).header("host", "docker").body(Empty::<Bytes>::new()).ok()?;
    let res = send.send_request(req).await.ok()?;
    if !res.status().is_success() {
        return None;
    }
    let bytes = res.into_body().collect().await.ok()?.to_bytes();
    let inspected: bollard::models::ContainerInspectResponse = serde_json::from_slice(&bytes).ok()?;
    Some(inspected.mounts.unwrap_or_default().into_iter().map(super::inventory::mount).collect())
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
