//! The class server under a room's load, on loopback: simulated learners report at a
//! realistic rate (one report every ten seconds each, as a learner who runs a command
//! and gets a verdict), then all of them at once (the instructor releases a hold),
//! while an instructor's board follows the live stream.
//!
//! For each room size it prints the latency of a report (p50, p99), the reports per
//! second the server took, and the delay until the board showed a probe learner's
//! pass. Goal at 1,000 learners: p99 under 50 ms and the board within a second.
//!
//! `cargo bench --bench classroom` (sizes 100, 1000, 5000), or
//! `cargo bench --bench classroom -- 1000 3000` for other sizes. The server and the
//! learners share this machine's cores, as a classroom server's clients would not.

use dockerlearn::class::http::Client;
use dockerlearn::class::protocol::{Ack, Batch, Event, Failure, JoinRequest, Joined, Report, StepRef};
use dockerlearn::class::room::Outline;
use dockerlearn::class::server::{self, Limits, Rate};
use dockerlearn::class::store::Sqlite;
use futures_util::StreamExt;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// How long the steady phase lasts.
const STEADY: Duration = Duration::from_secs(10);
/// Each learner reports this often, on average.
const EVERY: Duration = Duration::from_secs(10);

fn quantile(sorted: &[Duration], q: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    sorted[((sorted.len() - 1) as f64 * q) as usize].as_secs_f64() * 1e3
}

struct Learner {
    client: Client,
    seq: AtomicU64,
}

impl Learner {
    async fn report(&self, step: &StepRef, passed: bool) -> Duration {
        let seq = self.seq.fetch_add(1, Ordering::Relaxed) + 1;
        let failures = if passed {
            vec![]
        } else {
            vec![Failure { expected: "port 8080 is published".into(), found: "published the wrong way round".into() }]
        };
        let event = Event::Attempt { step: step.clone(), passed, failures };
        let batch = Batch { reports: vec![Report { seq, at: server::now_ms(), event }] };
        let start = Instant::now();
        let _: Ack = self.client.post("/api/reports", &batch).await.expect("the server takes the report");
        start.elapsed()
    }
}

/// Follows the board's stream; returns when the probe learner's cell `index` shows `P`.
async fn board_shows(
    client: &hyper_util::client::legacy::Client<
        hyper_util::client::legacy::connect::HttpConnector,
        http_body_util::Empty<bytes::Bytes>,
    >,
    url: &str,
    token: &str,
    probe: &str,
    index: usize,
) -> Instant {
    let req = hyper::Request::get(format!("{url}/api/board/stream"))
        .header("authorization", format!("Bearer {token}"))
        .body(http_body_util::Empty::new())
        .unwrap();
    let res = client.request(req).await.unwrap();
    let mut body = http_body_util::BodyStream::new(res.into_body());
    let mut buf = String::new();
    while let Some(frame) = body.next().await {
        let Ok(data) = frame.unwrap().into_data() else { continue };
        buf.push_str(&String::from_utf8_lossy(&data));
        while let Some(end) = buf.find("\n\n") {
            let block: String = buf.drain(..end + 2).collect();
            let json: String = block.lines().filter_map(|l| l.strip_prefix("data:")).map(str::trim_start).collect();
            if json.is_empty() {
                continue;
            }
            let board: serde_json::Value = serde_json::from_str(&json).unwrap();
            let shown = board["learners"]
                .as_array()
                .unwrap()
                .iter()
                .find(|l| l["name"] == probe)
                .and_then(|l| l["cells"].as_str()?.chars().nth(index))
                == Some('P');
            if shown {
                return Instant::now();
            }
        }
    }
    panic!("the board's stream ended");
}

async fn room(n: usize) {
    let dir = tempfile::tempdir().unwrap();
    let course = dockerlearn::course::load_from(None).unwrap();
    let outline = Outline::of(&course);
    let steps: Vec<StepRef> = outline.steps.iter().filter(|s| !s.reading).map(|s| s.step.clone()).collect();
    // Joining is limited per address; every simulated learner has this one.
    let limits = Limits { per_address: Rate { burst: 1e9, per_second: 1e9 }, ..Limits::default() };
    let running = server::start(server::Config {
        bind: "127.0.0.1:0".parse().unwrap(),
        store: Box::new(Sqlite::open(&dir.path().join("class.db")).unwrap()),
        outline: outline.clone(),
        stuck_after: Duration::from_secs(300),
        limits,
        tls: None,
        instructor_token: None,
    })
    .await
    .unwrap();
    let url = format!("http://{}", running.addr);
    let token = running.new_instructor_token.clone().unwrap();

    let joining = Instant::now();
    let anonymous = Client::new(&url, None).unwrap();
    let mut learners = Vec::with_capacity(n + 1);
    for chunk in (0..=n).collect::<Vec<_>>().chunks(100) {
        let joins = chunk.iter().map(|i| {
            let c = anonymous.clone();
            let code = running.join_code.clone();
            async move {
                let name = if *i == n { "probe".to_owned() } else { format!("learner-{i}") };
                let j: Joined = c.post("/api/join", &JoinRequest { code, name }).await.unwrap();
                j.token
            }
        });
        for t in futures_util::future::join_all(joins).await {
            learners.push(Arc::new(Learner { client: anonymous.clone().with_token(&t), seq: AtomicU64::new(0) }));
        }
    }
    let probe = learners.pop().unwrap();
    let joined = joining.elapsed();

    let stream_client = hyper_util::client::legacy::Client::builder(hyper_util::rt::TokioExecutor::new())
        .build_http::<http_body_util::Empty<bytes::Bytes>>();

    // Steady: each learner reports once every EVERY, spread evenly.
    let started = Instant::now();
    let interval = EVERY.as_secs_f64() / n as f64;
    let total = (STEADY.as_secs_f64() / interval) as usize;
    let mut tasks = Vec::with_capacity(total);
    let mut delays = Vec::new();
    for k in 0..total {
        let at = started + Duration::from_secs_f64(k as f64 * interval);
        tokio::time::sleep_until(at.into()).await;
        let l = learners[k % n].clone();
        let step = steps[(k / n) % steps.len()].clone();
        tasks.push(tokio::spawn(async move { l.report(&step, k % 3 != 0).await }));
        // A probe pass every two seconds: how long until the board shows it?
        if k % (total / 5).max(1) == 0 {
            let index = outline.steps.iter().position(|s| s.step == steps[delays.len() % steps.len()]).unwrap();
            let (c, u, t) = (stream_client.clone(), url.clone(), token.clone());
            let watch = tokio::spawn(async move { board_shows(&c, &u, &t, "probe", index).await });
            tokio::time::sleep(Duration::from_millis(50)).await;
            let sent = Instant::now();
            probe.report(&outline.steps[index].step, true).await;
            let shown = watch.await.unwrap();
            delays.push(shown.saturating_duration_since(sent));
        }
    }
    let mut steady = Vec::with_capacity(total);
    for t in tasks {
        steady.push(t.await.unwrap());
    }
    let steady_secs = started.elapsed().as_secs_f64();

    // The burst: the instructor releases a hold and every learner's next report
    // lands. Learners hear of the release at their sender's next poll, so in a room
    // the reports spread over about a second; "at once" is the worst case.
    let (spread, spread_secs, _) = burst(
        &learners,
        &probe,
        &steps[steps.len() - 2],
        Duration::from_secs(1),
        &outline,
        &stream_client,
        &url,
        &token,
    )
    .await;
    let (mut at_once, at_once_secs, at_once_board) =
        burst(&learners, &probe, &steps[steps.len() - 1], Duration::ZERO, &outline, &stream_client, &url, &token).await;

    let board_bytes = {
        let c = anonymous.clone().with_token(&token);
        c.get_text("/api/board").await.unwrap().len()
    };
    steady.sort();
    at_once.sort();
    let mut spread = spread;
    spread.sort();
    delays.sort();
    println!(
        "{n:>5} learners (joined in {:.1} s; board {} KB)\n  steady: {} reports in {:.1} s = {:>6.0}/s   latency p50 {:>6.2} ms  p99 {:>7.2} ms\n  release, spread over 1 s: {} reports in {:.2} s   latency p50 {:>6.2} ms  p99 {:>7.2} ms\n  release, all at once:     {} reports in {:.2} s = {:>6.0}/s   latency p50 {:>6.2} ms  p99 {:>7.2} ms\n  board shows a pass after: steady median {:.0} ms, max {:.0} ms (n={}); after the burst {:.0} ms",
        joined.as_secs_f64(),
        board_bytes / 1024,
        steady.len(),
        steady_secs,
        steady.len() as f64 / steady_secs,
        quantile(&steady, 0.5),
        quantile(&steady, 0.99),
        spread.len(),
        spread_secs,
        quantile(&spread, 0.5),
        quantile(&spread, 0.99),
        at_once.len(),
        at_once_secs,
        at_once.len() as f64 / at_once_secs,
        quantile(&at_once, 0.5),
        quantile(&at_once, 0.99),
        quantile(&delays, 0.5),
        quantile(&delays, 1.0),
        delays.len(),
        at_once_board.as_secs_f64() * 1e3,
    );
    running.serve.abort();
}

type StreamClient = hyper_util::client::legacy::Client<
    hyper_util::client::legacy::connect::HttpConnector,
    http_body_util::Empty<bytes::Bytes>,
>;

/// Every learner reports once, spread evenly over `over`, with the probe last; returns
/// the latencies, the time it took, and when the board showed the probe's pass.
#[allow(clippy::too_many_arguments)]
async fn burst(
    learners: &[Arc<Learner>],
    probe: &Arc<Learner>,
    step: &StepRef,
    over: Duration,
    outline: &Outline,
    stream: &StreamClient,
    url: &str,
    token: &str,
) -> (Vec<Duration>, f64, Duration) {
    let index = outline.steps.iter().position(|s| &s.step == step).unwrap();
    let (c, u, t) = (stream.clone(), url.to_owned(), token.to_owned());
    let watch = tokio::spawn(async move { board_shows(&c, &u, &t, "probe", index).await });
    tokio::time::sleep(Duration::from_millis(50)).await;
    let start = Instant::now();
    let gap = over.as_secs_f64() / learners.len() as f64;
    let mut tasks = Vec::with_capacity(learners.len() + 1);
    for (i, l) in learners.iter().enumerate() {
        if gap > 0.0 {
            tokio::time::sleep_until((start + Duration::from_secs_f64(i as f64 * gap)).into()).await;
        }
        let (l, s) = (l.clone(), step.clone());
        tasks.push(tokio::spawn(async move { l.report(&s, true).await }));
    }
    let (p, s) = (probe.clone(), step.clone());
    tasks.push(tokio::spawn(async move { p.report(&s, true).await }));
    let mut took = Vec::with_capacity(tasks.len());
    for t in tasks {
        took.push(t.await.unwrap());
    }
    let secs = start.elapsed().as_secs_f64();
    let shown = watch.await.unwrap().saturating_duration_since(start);
    (took, secs, shown)
}

fn main() {
    let sizes: Vec<usize> = std::env::args().skip(1).filter_map(|a| a.parse().ok()).collect();
    let sizes = if sizes.is_empty() { vec![100, 1000, 5000] } else { sizes };
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    for n in sizes {
        rt.block_on(room(n));
    }
}
