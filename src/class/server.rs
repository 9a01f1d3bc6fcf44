//! `class serve`: the HTTP side of the classroom (axum on tokio). Learners join with
//! the code and then write only their own rows with their own token; the board, the
//! pacing and the export need the instructor's token. Every body is size-limited,
//! parsed strictly and validated; every client is rate-limited (by token, or by
//! address before it has one); nothing received is ever run. Plain HTTP, or TLS
//! (rustls) with a certificate and key.
//!
//! Each request that changes the class is one store transaction, then one change to
//! the in-memory room, then a new board version for the live streams.

use super::protocol::{self, Ack, Action, Batch, Inbox, JoinRequest, Joined, Report};
use super::room::{Board, Outline, Room, results_csv};
use super::store::{ClassStore, Entry, Setup};
use super::token::{self, Digest32};
use axum::extract::rejection::JsonRejection;
use axum::extract::{DefaultBodyLimit, Path, Query, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::sse::{Event as SseEvent, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant};
use tokio::net::TcpListener;
use tokio::sync::watch;

/// The board page: one file, no external assets.
const BOARD_PAGE: &str = include_str!("board.html");
/// Live streams send at most this often (or less often, for a room whose board
/// takes long to make); changes in between are sent together.
const STREAM_EVERY: Duration = Duration::from_millis(100);
/// The board is recomputed this often even without reports (idle times, stuck).
const TICK: Duration = Duration::from_secs(10);
/// A TLS handshake that takes longer belongs to a client that is not really there.
const HANDSHAKE_LIMIT: Duration = Duration::from_secs(10);

/// A token bucket's size and refill.
#[derive(Debug, Clone, Copy)]
pub struct Rate {
    pub burst: f64,
    pub per_second: f64,
}

#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Requests with a token (learner or instructor), per token.
    pub per_token: Rate,
    /// Requests without a valid token (joining, guessing), per address.
    pub per_address: Rate,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            per_token: Rate { burst: 60.0, per_second: 20.0 },
            per_address: Rate { burst: 60.0, per_second: 10.0 },
        }
    }
}

pub struct Config {
    pub bind: SocketAddr,
    pub store: Box<dyn ClassStore>,
    pub outline: Outline,
    /// A learner with no progress for this long is shown as stuck.
    pub stuck_after: Duration,
    pub limits: Limits,
    pub tls: Option<Arc<rustls::ServerConfig>>,
    /// The instructor's token, when the instructor kept it from an earlier start.
    pub instructor_token: Option<String>,
}

/// A server that is listening.
pub struct Running {
    pub addr: SocketAddr,
    pub join_code: String,
    /// Set when this start made a new instructor token (a new class, or a lost token).
    pub new_instructor_token: Option<String>,
    pub tls: bool,
    pub serve: tokio::task::JoinHandle<()>,
}

struct Shared {
    store: Arc<dyn ClassStore>,
    /// Reports go to the store through one writer, which commits together the
    /// batches that arrive while it writes (a burst costs a few transactions, not
    /// one per learner).
    writer: std::sync::mpsc::Sender<Write>,
    room: Mutex<Room>,
    tokens: RwLock<HashMap<Digest32, u64>>,
    instructor: Digest32,
    join_code: String,
    version: watch::Sender<u64>,
    board: Mutex<Option<(u64, Arc<str>)>>,
    /// How long the last board took to make, in microseconds: streams wait a few
    /// times that between sends, so a big room's board never holds the room most of
    /// the time.
    board_cost: std::sync::atomic::AtomicU64,
    limiter: Limiter,
}

/// A learner's batch on its way to the store, and where to send the answer.
struct Write {
    learner: u64,
    reports: Vec<Report>,
    received: i64,
    /// The reports come back with the store's answer, for the room.
    answer: tokio::sync::oneshot::Sender<(Vec<Report>, anyhow::Result<Stored>)>,
}

/// For each report whether it was new, and the highest seq held for the learner.
type Stored = (Vec<bool>, u64);

/// Batches written in one transaction, at most.
const GROUP: usize = 512;

fn writer(store: Arc<dyn ClassStore>, queue: std::sync::mpsc::Receiver<Write>) {
    while let Ok(first) = queue.recv() {
        let mut group = vec![first];
        while group.len() < GROUP {
            match queue.try_recv() {
                Ok(w) => group.push(w),
                Err(_) => break,
            }
        }
        let batches: Vec<(u64, &[Report])> = group.iter().map(|w| (w.learner, w.reports.as_slice())).collect();
        let received = group.iter().map(|w| w.received).max().unwrap_or_default();
        let written = store.append(&batches, received);
        drop(batches);
        match written {
            Ok(results) => {
                for (w, r) in group.into_iter().zip(results) {
                    let _ = w.answer.send((w.reports, Ok(r)));
                }
            }
            Err(e) => {
                let why = format!("{e:#}");
                for w in group {
                    let _ = w.answer.send((w.reports, Err(anyhow::anyhow!("{why}"))));
                }
            }
        }
    }
}

/// Unix time in milliseconds: the server's clock for the room.
pub fn now_ms() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_millis() as i64)
}

/// Loads TLS from PEM files: the certificate chain and its private key.
pub fn tls_config(cert: &std::path::Path, key: &std::path::Path) -> anyhow::Result<Arc<rustls::ServerConfig>> {
    use anyhow::Context as _;
    use rustls_pki_types::pem::PemObject;
    use rustls_pki_types::{CertificateDer, PrivateKeyDer};
    let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(cert)
        .and_then(|it| it.collect::<Result<_, _>>())
        .with_context(|| format!("could not read the certificate {}", cert.display()))?;
    anyhow::ensure!(!certs.is_empty(), "{} holds no certificate (PEM, BEGIN CERTIFICATE)", cert.display());
    let key = PrivateKeyDer::from_pem_file(key)
        .with_context(|| format!("could not read the private key {} (PEM)", key.display()))?;
    let config = rustls::ServerConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
        .with_safe_default_protocol_versions()?
        .with_no_client_auth()
        .with_single_cert(certs, key)
        .context("the certificate and key do not make a TLS setup")?;
    Ok(Arc::new(config))
}

/// Opens the class (replaying what the store holds) and starts listening.
pub async fn start(config: Config) -> anyhow::Result<Running> {
    let Config { bind, store, outline, stuck_after, limits, tls, instructor_token } = config;
    let fresh_token = token::new_token();
    let setup = store.setup(Setup {
        join_code: token::new_join_code(),
        instructor: token::digest(&fresh_token),
        course: outline.course.clone(),
    })?;
    // Kept from an earlier start, or made now (and said once).
    let (instructor, new_instructor_token) = match instructor_token {
        Some(t) if token::matches(&setup.instructor, &t) => (setup.instructor, None),
        _ if setup.instructor == token::digest(&fresh_token) => (setup.instructor, Some(fresh_token)),
        _ => {
            let t = token::new_token();
            store.set_instructor(&token::digest(&t))?;
            (token::digest(&t), Some(t))
        }
    };
    let mut room = Room::new(outline, stuck_after.as_millis() as i64);
    let mut tokens = HashMap::new();
    for l in store.learners()? {
        room.joined(l.id, &l.name, l.joined);
        tokens.insert(l.token, l.id);
    }
    for entry in store.history()? {
        match entry {
            Entry::Report { learner, report } => room.report(learner, &report),
            Entry::Action { id, action, at } => room.act(id, &action, at),
        }
    }
    let store: Arc<dyn ClassStore> = Arc::from(store);
    let (writes, queue) = std::sync::mpsc::channel();
    let for_writer = store.clone();
    std::thread::Builder::new().name("class store writer".into()).spawn(move || writer(for_writer, queue))?;
    let shared = Arc::new(Shared {
        store,
        writer: writes,
        room: Mutex::new(room),
        tokens: RwLock::new(tokens),
        instructor,
        join_code: setup.join_code.clone(),
        version: watch::channel(0).0,
        board: Mutex::new(None),
        board_cost: std::sync::atomic::AtomicU64::new(0),
        limiter: Limiter::new(limits),
    });
    let listener = TcpListener::bind(bind).await.map_err(|e| {
        if e.kind() == std::io::ErrorKind::AddrInUse {
            anyhow::anyhow!("{bind} is already in use: stop what listens there, or pass --bind with another port")
        } else {
            anyhow::anyhow!("could not listen on {bind}: {e}")
        }
    })?;
    let addr = listener.local_addr()?;
    let ticker = shared.clone();
    tokio::spawn(async move {
        let mut every = tokio::time::interval(TICK);
        loop {
            every.tick().await;
            ticker.version.send_modify(|v| *v += 1);
        }
    });
    let has_tls = tls.is_some();
    let app = router(shared);
    let serve = tokio::spawn(accept_loop(listener, app, tls.map(tokio_rustls::TlsAcceptor::from)));
    Ok(Running { addr, join_code: setup.join_code, new_instructor_token, tls: has_tls, serve })
}

fn router(shared: Arc<Shared>) -> Router {
    Router::new()
        .route("/", get(|| async { "dockerlearn class server: the board is at /board\n" }))
        .route("/board", get(board_page))
        .route("/api/health", get(|| async { "ok\n" }))
        .route("/api/join", post(join))
        .route("/api/reports", post(reports))
        .route("/api/inbox", get(inbox))
        .route("/api/board", get(board))
        .route("/api/board/stream", get(board_stream))
        .route("/api/learners/{id}", get(learner_detail))
        .route("/api/actions", post(act))
        .route("/api/export", get(export))
        .layer(middleware::from_fn_with_state(shared.clone(), rate_limit))
        .layer(DefaultBodyLimit::max(protocol::MAX_BODY))
        .with_state(shared)
}

/// The peer's address, put on each request by the accept loop.
#[derive(Clone, Copy)]
struct Peer(SocketAddr);

async fn accept_loop(listener: TcpListener, app: Router, tls: Option<tokio_rustls::TlsAcceptor>) {
    loop {
        let Ok((stream, peer)) = listener.accept().await else {
            // Out of file descriptors, say: wait a moment rather than spin.
            tokio::time::sleep(Duration::from_millis(50)).await;
            continue;
        };
        let _ = stream.set_nodelay(true);
        let app = app.clone();
        let tls = tls.clone();
        tokio::spawn(async move {
            let service = hyper::service::service_fn(move |mut req: hyper::Request<hyper::body::Incoming>| {
                req.extensions_mut().insert(Peer(peer));
                tower::ServiceExt::oneshot(app.clone(), req.map(axum::body::Body::new))
            });
            let http = hyper::server::conn::http1::Builder::new();
            match tls {
                None => {
                    let _ = http.serve_connection(hyper_util::rt::TokioIo::new(stream), service).await;
                }
                Some(acceptor) => {
                    let Ok(Ok(stream)) = tokio::time::timeout(HANDSHAKE_LIMIT, acceptor.accept(stream)).await else {
                        return;
                    };
                    let _ = http.serve_connection(hyper_util::rt::TokioIo::new(stream), service).await;
                }
            }
        });
    }
}

/// A refusal with a JSON body saying why.
struct Refused(StatusCode, String);

impl IntoResponse for Refused {
    fn into_response(self) -> Response {
        (self.0, Json(serde_json::json!({ "error": self.1 }))).into_response()
    }
}

fn internal(e: anyhow::Error) -> Refused {
    Refused(StatusCode::INTERNAL_SERVER_ERROR, format!("the server could not store it: {e:#}"))
}

/// A JSON body as axum parsed it, refused with axum's status (400 malformed, 413 too
/// big, 415 not JSON, 422 wrong shape) and then checked by `validate`.
fn body<T>(parsed: Result<Json<T>, JsonRejection>) -> Result<T, Refused> {
    parsed.map(|Json(v)| v).map_err(|r| Refused(r.status(), r.body_text()))
}

fn invalid(why: protocol::Invalid) -> Refused {
    Refused(StatusCode::UNPROCESSABLE_ENTITY, why)
}

fn bearer(headers: &HeaderMap) -> Option<&str> {
    headers.get(header::AUTHORIZATION)?.to_str().ok()?.strip_prefix("Bearer ").map(str::trim)
}

/// Who a request is, by its token.
enum Who {
    Instructor,
    Learner(u64),
    Nobody,
}

impl Shared {
    fn who(&self, headers: &HeaderMap) -> Who {
        let Some(t) = bearer(headers) else { return Who::Nobody };
        if token::matches(&self.instructor, t) {
            return Who::Instructor;
        }
        match self.tokens.read().unwrap_or_else(std::sync::PoisonError::into_inner).get(&token::digest(t)) {
            Some(id) => Who::Learner(*id),
            None => Who::Nobody,
        }
    }

    fn learner(&self, headers: &HeaderMap) -> Result<u64, Refused> {
        match self.who(headers) {
            Who::Learner(id) => Ok(id),
            Who::Instructor => Err(Refused(StatusCode::FORBIDDEN, "that is a learner's endpoint".into())),
            Who::Nobody => Err(unauthorised()),
        }
    }

    fn instructor(&self, headers: &HeaderMap) -> Result<(), Refused> {
        match self.who(headers) {
            Who::Instructor => Ok(()),
            Who::Learner(_) => Err(Refused(StatusCode::FORBIDDEN, "only the instructor may do that".into())),
            Who::Nobody => Err(unauthorised()),
        }
    }

    fn room(&self) -> std::sync::MutexGuard<'_, Room> {
        self.room.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn changed(&self) {
        self.version.send_modify(|v| *v += 1);
    }

    /// The board as JSON, computed once per version whoever asks.
    fn board_json(&self) -> Arc<str> {
        let version = *self.version.borrow();
        let mut cache = self.board.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some((_, json)) = cache.as_ref().filter(|(v, _)| *v == version) {
            return json.clone();
        }
        let started = Instant::now();
        let board: Board = self.room().board(now_ms());
        let json: Arc<str> = serde_json::to_string(&board).expect("the board serialises").into();
        self.board_cost.store(started.elapsed().as_micros() as u64, std::sync::atomic::Ordering::Relaxed);
        *cache = Some((version, json.clone()));
        json
    }
}

fn unauthorised() -> Refused {
    Refused(StatusCode::UNAUTHORIZED, "a valid token is needed (Authorization: Bearer TOKEN)".into())
}

async fn board_page() -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, HeaderValue::from_static("text/html; charset=utf-8")),
            // The page runs only its own inline script and talks only to this server.
            (
                header::CONTENT_SECURITY_POLICY,
                HeaderValue::from_static(
                    "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; connect-src 'self'; img-src data:",
                ),
            ),
            (header::REFERRER_POLICY, HeaderValue::from_static("no-referrer")),
        ],
        BOARD_PAGE,
    )
}

async fn join(
    State(s): State<Arc<Shared>>,
    parsed: Result<Json<JoinRequest>, JsonRejection>,
) -> Result<Json<Joined>, Refused> {
    let req = body(parsed)?;
    if !bool::from(subtle::ConstantTimeEq::ct_eq(
        token::normalise_code(&req.code).as_bytes(),
        token::normalise_code(&s.join_code).as_bytes(),
    )) {
        return Err(Refused(StatusCode::FORBIDDEN, "that is not this class's join code".into()));
    }
    protocol::validate_name(&req.name).map_err(invalid)?;
    let name = req.name.trim().to_owned();
    let t = token::new_token();
    let digest = token::digest(&t);
    let at = now_ms();
    let store = s.clone();
    let (n, d) = (name.clone(), digest);
    let id = tokio::task::spawn_blocking(move || store.store.add_learner(&n, &d, at))
        .await
        .map_err(|e| internal(e.into()))?
        .map_err(internal)?;
    s.tokens.write().unwrap_or_else(std::sync::PoisonError::into_inner).insert(digest, id);
    s.room().joined(id, &name, at);
    s.changed();
    let course = s.room().outline().course.clone();
    Ok(Json(Joined { learner: id, token: t, name, course }))
}

async fn reports(
    State(s): State<Arc<Shared>>,
    headers: HeaderMap,
    parsed: Result<Json<Batch>, JsonRejection>,
) -> Result<Json<Ack>, Refused> {
    let learner = s.learner(&headers)?;
    let batch = body(parsed)?;
    batch.validate().map_err(invalid)?;
    let now = now_ms();
    let mut reports = batch.reports;
    // A learner's clock may run ahead: neither the store nor the room (which a
    // restart rebuilds from the store) ever holds the future.
    for r in &mut reports {
        r.at = r.at.min(now);
    }
    let (answer, answered) = tokio::sync::oneshot::channel();
    let write = Write { learner, reports, received: now, answer };
    s.writer.send(write).map_err(|_| internal(anyhow::anyhow!("the store's writer has stopped")))?;
    let (reports, written) = answered.await.map_err(|_| internal(anyhow::anyhow!("the store's writer has stopped")))?;
    let (new, up_to) = written.map_err(internal)?;
    let stored = new.iter().filter(|n| **n).count();
    if stored > 0 {
        let mut room = s.room();
        for (r, _) in reports.iter().zip(&new).filter(|(_, n)| **n) {
            room.report(learner, r);
        }
        drop(room);
        s.changed();
    }
    Ok(Json(Ack { stored, up_to }))
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct After {
    #[serde(default)]
    after: u64,
}

async fn inbox(
    State(s): State<Arc<Shared>>,
    headers: HeaderMap,
    Query(q): Query<After>,
) -> Result<Json<Inbox>, Refused> {
    let learner = s.learner(&headers)?;
    let room = s.room();
    Ok(Json(Inbox { holds: room.holds(), items: room.inbox(learner, q.after) }))
}

async fn board(State(s): State<Arc<Shared>>, headers: HeaderMap) -> Result<Response, Refused> {
    s.instructor(&headers)?;
    Ok(([(header::CONTENT_TYPE, "application/json")], s.board_json().to_string()).into_response())
}

async fn board_stream(State(s): State<Arc<Shared>>, headers: HeaderMap) -> Result<Response, Refused> {
    s.instructor(&headers)?;
    let rx = s.version.subscribe();
    let stream = futures_util::stream::unfold((s, rx, true), |(s, mut rx, first)| async move {
        if !first {
            let cost = Duration::from_micros(s.board_cost.load(std::sync::atomic::Ordering::Relaxed));
            tokio::time::sleep(STREAM_EVERY.max(cost * 4)).await;
            rx.changed().await.ok()?;
        }
        rx.borrow_and_update();
        let json = s.board_json();
        let event = SseEvent::default().event("board").data(&*json);
        Some((Ok::<_, std::convert::Infallible>(event), (s, rx, false)))
    });
    Ok(Sse::new(stream).keep_alive(KeepAlive::default()).into_response())
}

async fn learner_detail(
    State(s): State<Arc<Shared>>,
    headers: HeaderMap,
    Path(id): Path<u64>,
) -> Result<Response, Refused> {
    s.instructor(&headers)?;
    match s.room().detail(id) {
        Some(d) => Ok(Json(d).into_response()),
        None => Err(Refused(StatusCode::NOT_FOUND, format!("there is no learner {id}"))),
    }
}

async fn act(
    State(s): State<Arc<Shared>>,
    headers: HeaderMap,
    parsed: Result<Json<Action>, JsonRejection>,
) -> Result<Json<serde_json::Value>, Refused> {
    s.instructor(&headers)?;
    let action = body(parsed)?;
    action.validate().map_err(invalid)?;
    if let Action::Mark { learner, .. } | Action::Resolve { learner } | Action::Message { to: Some(learner), .. } =
        &action
    {
        if !s.room().has_learner(*learner) {
            return Err(Refused(StatusCode::NOT_FOUND, format!("there is no learner {learner}")));
        }
    }
    let at = now_ms();
    let store = s.clone();
    let a = action.clone();
    let id = tokio::task::spawn_blocking(move || store.store.act(&a, at))
        .await
        .map_err(|e| internal(e.into()))?
        .map_err(internal)?;
    s.room().act(id, &action, at);
    s.changed();
    Ok(Json(serde_json::json!({ "id": id })))
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct Format {
    #[serde(default)]
    format: Option<String>,
}

async fn export(
    State(s): State<Arc<Shared>>,
    headers: HeaderMap,
    Query(f): Query<Format>,
) -> Result<Response, Refused> {
    s.instructor(&headers)?;
    let rows = s.room().results();
    match f.format.as_deref().unwrap_or("json") {
        "json" => Ok(Json(rows).into_response()),
        "csv" => Ok(([(header::CONTENT_TYPE, "text/csv; charset=utf-8")], results_csv(&rows)).into_response()),
        other => Err(Refused(StatusCode::BAD_REQUEST, format!("no export format `{other}`: csv or json"))),
    }
}

/// Token buckets, one per token (its digest's start) or per address.
struct Limiter {
    limits: Limits,
    buckets: Mutex<HashMap<Key, Bucket>>,
}

#[derive(Hash, PartialEq, Eq, Clone, Copy)]
enum Key {
    Token([u8; 16]),
    Address(IpAddr),
}

struct Bucket {
    tokens: f64,
    at: Instant,
}

/// Buckets kept before idle ones are dropped.
const MAX_BUCKETS: usize = 100_000;

impl Limiter {
    fn new(limits: Limits) -> Limiter {
        Limiter { limits, buckets: Mutex::new(HashMap::new()) }
    }

    /// Takes one request from `key`'s bucket; false when it is empty.
    fn allow(&self, key: Key) -> bool {
        let rate = match key {
            Key::Token(_) => self.limits.per_token,
            Key::Address(_) => self.limits.per_address,
        };
        let now = Instant::now();
        let mut buckets = self.buckets.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if buckets.len() >= MAX_BUCKETS {
            // Full buckets are as good as new ones: forget them.
            buckets.retain(|_, b| b.tokens + now.duration_since(b.at).as_secs_f64() * rate.per_second < rate.burst);
        }
        let b = buckets.entry(key).or_insert(Bucket { tokens: rate.burst, at: now });
        b.tokens = (b.tokens + now.duration_since(b.at).as_secs_f64() * rate.per_second).min(rate.burst);
        b.at = now;
        if b.tokens >= 1.0 {
            b.tokens -= 1.0;
            true
        } else {
            false
        }
    }
}

async fn rate_limit(State(s): State<Arc<Shared>>, req: Request, next: Next) -> Response {
    let key = match s.who(req.headers()) {
        Who::Nobody => {
            let ip = req.extensions().get::<Peer>().map_or(IpAddr::from([0, 0, 0, 0]), |p| p.0.ip());
            Key::Address(ip)
        }
        Who::Instructor | Who::Learner(_) => {
            let digest = token::digest(bearer(req.headers()).unwrap_or_default());
            Key::Token(digest[..16].try_into().expect("16 bytes"))
        }
    };
    if !s.limiter.allow(key) {
        let mut r = Refused(StatusCode::TOO_MANY_REQUESTS, "too many requests: slow down".into()).into_response();
        r.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
        return r;
    }
    next.run(req).await
}
