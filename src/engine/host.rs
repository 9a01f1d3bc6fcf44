//! What dockerlearn looks at on the learner's own machine: files in their directory,
//! HTTP answers from published ports, and the one file in a tar stream the engine's
//! archive API returns. Bounded, and with timeouts: these run after every command.
//! HTTP goes through hyper's client and tar through the `tar` crate; what is left
//! here is choosing the address and bounding what is read.

use crate::check::{HttpRequest, Place};
use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use std::io::Read;
use std::path::Path;
use std::time::Duration;

const MAX_BODY: usize = 256 * 1024;
const HTTP_TIMEOUT: Duration = Duration::from_secs(5);

/// A file of the learner's machine, as an assertion names it (relative to their folder,
/// or `~/...`), as text; None when it is absent or not a regular file.
pub fn read_file(place: &Place, path: &str) -> Option<String> {
    let path = place.path(path);
    if !std::fs::metadata(&path).ok()?.is_file() {
        return None;
    }
    let mut bytes = Vec::new();
    std::fs::File::open(path).ok()?.take(MAX_BODY as u64).read_to_end(&mut bytes).ok()?;
    Some(String::from_utf8_lossy(&bytes).into_owned())
}

/// The address to ask for a port published on `host_ip`: the wildcard addresses are
/// reached on loopback, a specific address on itself. When the engine runs on another
/// `machine`, its ports open there: the wildcards are asked on that machine, and its
/// own loopback cannot be reached from here at all (the error says so, and what to do).
pub fn reachable_address(host_ip: &str, port: u16, machine: Option<&str>) -> Result<String, String> {
    let ip = host_ip.trim();
    let Some(machine) = machine else {
        return Ok(match ip {
            "" | "0.0.0.0" => "127.0.0.1".to_owned(),
            "::" => "::1".to_owned(),
            ip => ip.to_owned(),
        });
    };
    if ip.parse::<std::net::IpAddr>().is_ok_and(|a| a.is_loopback()) {
        return Err(format!(
            "the port is published on {ip} of {machine}, where the engine runs: only {machine} itself can reach it, not this computer. Publish it on all addresses (`-p {port}:...`), or forward it here with `ssh -L {port}:{ip}:{port} {machine}`"
        ));
    }
    Ok(match ip {
        "" | "0.0.0.0" | "::" => machine.to_owned(),
        ip => ip.to_owned(),
    })
}

/// What a failed request to a published port adds when the engine runs on another machine.
pub fn remote_port_note(machine: &str, port: u16) -> String {
    format!(
        "; the engine runs on {machine}, so the port opens there, not on this computer: if {machine} blocks it from outside, forward it with `ssh -L {port}:localhost:{port} {machine}`"
    )
}

/// `GET path` on `host:port`.
#[cfg(test)]
pub async fn http_get(host: &str, port: u16, path: &str) -> (String, Result<(u16, String), String>) {
    let request = HttpRequest { method: crate::check::HttpMethod::Get, path: path.to_owned(), body: None };
    http(host, port, &request).await
}

/// One request to `host:port`: the URL asked, and the status and body (its first
/// 256 KiB, decoded lossily once whole), or why there was no answer.
pub async fn http(host: &str, port: u16, request: &HttpRequest) -> (String, Result<(u16, String), String>) {
    let authority = if host.contains(':') { format!("[{host}]:{port}") } else { format!("{host}:{port}") };
    let url = format!("http://{authority}{}", request.path);
    let answer = match tokio::time::timeout(HTTP_TIMEOUT, send(&url, request)).await {
        Err(_) => Err(format!("no answer within {} seconds", HTTP_TIMEOUT.as_secs())),
        Ok(answer) => answer,
    };
    (url, answer)
}

async fn send(url: &str, request: &HttpRequest) -> Result<(u16, String), String> {
    use hyper_util::client::legacy::Client;
    use hyper_util::rt::TokioExecutor;
    let client: Client<_, Full<Bytes>> = Client::builder(TokioExecutor::new()).build_http();
    let method: &'static str = request.method.into();
    let body = Full::new(Bytes::from(request.body.clone().unwrap_or_default()));
    let request = hyper::Request::builder()
        .method(method)
        .uri(url)
        .header(hyper::header::USER_AGENT, "dockerlearn")
        .body(body)
        .map_err(|e| format!("`{url}` is not a URL dockerlearn can ask: {e}"))?;
    let response = client.request(request).await.map_err(|e| describe_failure(&e))?;
    let status = response.status().as_u16();
    let mut body = response.into_body();
    let mut bytes: Vec<u8> = Vec::new();
    while bytes.len() < MAX_BODY {
        match body.frame().await {
            None => break,
            Some(Err(e)) => return Err(format!("the answer broke off: {e}")),
            Some(Ok(frame)) => {
                if let Ok(data) = frame.into_data() {
                    bytes.extend_from_slice(&data[..data.len().min(MAX_BODY - bytes.len())]);
                }
            }
        }
    }
    Ok((status, String::from_utf8_lossy(&bytes).into_owned()))
}

/// Why a request failed, in the learner's words.
fn describe_failure(e: &hyper_util::client::legacy::Error) -> String {
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(e);
    while let Some(err) = source {
        if let Some(io) = err.downcast_ref::<std::io::Error>() {
            if io.kind() == std::io::ErrorKind::ConnectionRefused {
                return "connection refused: nothing listens there yet (is the server still starting?)".to_owned();
            }
            return io.to_string();
        }
        if let Some(h) = err.downcast_ref::<hyper::Error>() {
            if h.is_parse() || h.is_incomplete_message() {
                return "the answer is not HTTP".to_owned();
            }
        }
        source = err.source();
    }
    e.to_string()
}

/// Whether a TCP connection to `host:port` opens within `timeout`: how `doctor` tells
/// whether the registry can be reached. The error says why not.
pub async fn reachable(host: &str, port: u16, timeout: Duration) -> Result<(), String> {
    match tokio::time::timeout(timeout, tokio::net::TcpStream::connect((host, port))).await {
        Ok(Ok(_)) => Ok(()),
        Ok(Err(e)) => Err(e.to_string()),
        Err(_) => Err(format!("no answer within {} seconds", timeout.as_secs())),
    }
}

/// Whether something on this machine already listens on a TCP port.
pub fn port_in_use(port: u16) -> bool {
    std::net::TcpListener::bind(("0.0.0.0", port)).is_err()
}

/// Free bytes on the file system holding `path` (POSIX `df`); None where unknown.
pub fn free_bytes(path: &Path) -> Option<u64> {
    let out = std::process::Command::new("df").arg("-Pk").arg(path).output().ok()?;
    if !out.status.success() {
        return None;
    }
    let text = String::from_utf8_lossy(&out.stdout);
    let kib: u64 = text.lines().nth(1)?.split_whitespace().nth(3)?.parse().ok()?;
    Some(kib * 1024)
}

/// The content of the first regular file in a tar archive, as text (at most 256 KiB).
/// `None` when the archive holds no regular file (the path is a directory).
pub fn first_tar_entry(tar: &[u8]) -> Option<String> {
    let mut archive = tar::Archive::new(tar);
    for entry in archive.entries().ok()? {
        let entry = entry.ok()?;
        if entry.header().entry_type().is_file() {
            let mut bytes = Vec::new();
            entry.take(MAX_BODY as u64).read_to_end(&mut bytes).ok()?;
            return Some(String::from_utf8_lossy(&bytes).into_owned());
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    /// Serves one canned answer on a loopback port, whatever is asked.
    async fn serve_once(answer: &'static [u8]) -> u16 {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        tokio::spawn(async move {
            let (mut s, _) = listener.accept().await.unwrap();
            let mut buf = [0u8; 4096];
            let _ = s.read(&mut buf).await;
            s.write_all(answer).await.unwrap();
        });
        port
    }

    #[tokio::test]
    async fn answers_are_read_plain_and_chunked() {
        let port = serve_once(b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello").await;
        assert_eq!(http_get("127.0.0.1", port, "/").await.1, Ok((200, "hello".to_owned())));
        let port = serve_once(
            b"HTTP/1.1 404 Not Found\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n",
        )
        .await;
        assert_eq!(http_get("127.0.0.1", port, "/").await.1, Ok((404, "hello world".to_owned())));
        let port = serve_once(b"SSH-2.0-OpenSSH\r\n").await;
        assert!(http_get("127.0.0.1", port, "/").await.1.is_err());
    }

    #[tokio::test]
    async fn a_character_split_between_chunks_is_whole() {
        // "é" is two bytes, C3 A9: one in each chunk.
        let port =
            serve_once(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\na\xc3\r\n2\r\n\xa9b\r\n0\r\n\r\n")
                .await;
        assert_eq!(http_get("127.0.0.1", port, "/").await.1, Ok((200, "a\u{e9}b".to_owned())));
    }

    #[test]
    fn wildcards_are_asked_on_loopback_and_addresses_on_themselves() {
        let here = |ip: &str| reachable_address(ip, 8080, None).unwrap();
        assert_eq!(here("0.0.0.0"), "127.0.0.1");
        assert_eq!(here(""), "127.0.0.1");
        assert_eq!(here("::"), "::1");
        assert_eq!(here("127.0.0.2"), "127.0.0.2");
    }

    #[test]
    fn a_remote_engines_ports_are_asked_on_its_machine() {
        let there = |ip: &str| reachable_address(ip, 8080, Some("labvm"));
        assert_eq!(there("0.0.0.0").unwrap(), "labvm");
        assert_eq!(there("::").unwrap(), "labvm");
        assert_eq!(there("10.0.0.7").unwrap(), "10.0.0.7");
        let why = there("127.0.0.1").unwrap_err();
        assert!(why.contains("only labvm itself") && why.contains("ssh -L 8080:127.0.0.1:8080 labvm"), "{why}");
        assert!(remote_port_note("labvm", 8080).contains("ssh -L 8080:localhost:8080 labvm"));
    }

    /// Answers one request with `answer` and hands back what was asked.
    async fn serve_recording(answer: &'static [u8]) -> (u16, tokio::sync::oneshot::Receiver<String>) {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let (tx, rx) = tokio::sync::oneshot::channel();
        tokio::spawn(async move {
            let (mut s, _) = listener.accept().await.unwrap();
            let mut asked = Vec::new();
            let mut buf = [0u8; 4096];
            // The head, then as much body as Content-Length says.
            loop {
                let n = s.read(&mut buf).await.unwrap();
                asked.extend_from_slice(&buf[..n]);
                let text = String::from_utf8_lossy(&asked).into_owned();
                if let Some(end) = text.find("\r\n\r\n") {
                    let length = text
                        .lines()
                        .find_map(|l| {
                            l.to_ascii_lowercase().strip_prefix("content-length:").map(|v| v.trim().to_owned())
                        })
                        .and_then(|v| v.parse::<usize>().ok())
                        .unwrap_or(0);
                    if n == 0 || asked.len() >= end + 4 + length {
                        break;
                    }
                }
                if n == 0 {
                    break;
                }
            }
            s.write_all(answer).await.unwrap();
            let _ = tx.send(String::from_utf8_lossy(&asked).into_owned());
        });
        (port, rx)
    }

    #[tokio::test]
    async fn the_method_path_and_body_asked_are_sent() {
        use crate::check::HttpMethod;
        let (port, asked) = serve_recording(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n").await;
        let head = HttpRequest { method: HttpMethod::Head, path: "/health".into(), body: None };
        assert_eq!(http("127.0.0.1", port, &head).await.1, Ok((200, String::new())));
        let asked = asked.await.unwrap();
        assert!(asked.starts_with("HEAD /health HTTP/1.1\r\n"), "{asked}");

        let (port, asked) = serve_recording(b"HTTP/1.1 201 Created\r\nContent-Length: 2\r\n\r\nok").await;
        let post = HttpRequest { method: HttpMethod::Post, path: "/notes".into(), body: Some("note=é".into()) };
        assert_eq!(http("127.0.0.1", port, &post).await.1, Ok((201, "ok".to_owned())));
        let asked = asked.await.unwrap();
        assert!(asked.starts_with("POST /notes HTTP/1.1\r\n") && asked.ends_with("\r\n\r\nnote=é"), "{asked}");
    }

    #[tokio::test]
    async fn ipv6_urls_are_bracketed() {
        assert!(http_get("::1", 9, "/x").await.0.starts_with("http://[::1]:9/x"));
    }

    #[test]
    fn the_first_file_of_a_tar_is_read() {
        let mut builder = tar::Builder::new(Vec::new());
        let mut dir = tar::Header::new_gnu();
        dir.set_entry_type(tar::EntryType::Directory);
        dir.set_size(0);
        dir.set_cksum();
        builder.append_data(&mut dir, "d/", std::io::empty()).unwrap();
        let mut file = tar::Header::new_gnu();
        file.set_size(5);
        file.set_cksum();
        builder.append_data(&mut file, "d/notes", &b"hello"[..]).unwrap();
        let tar = builder.into_inner().unwrap();
        assert_eq!(first_tar_entry(&tar).as_deref(), Some("hello"));
        let mut only_dir = tar::Builder::new(Vec::new());
        only_dir.append_data(&mut dir, "d/", std::io::empty()).unwrap();
        assert_eq!(first_tar_entry(&only_dir.into_inner().unwrap()), None);
    }

    /// One runtime for the property below: a fresh one per case would dominate it.
    fn runtime() -> &'static tokio::runtime::Runtime {
        static RT: std::sync::OnceLock<tokio::runtime::Runtime> = std::sync::OnceLock::new();
        RT.get_or_init(|| tokio::runtime::Builder::new_multi_thread().worker_threads(1).enable_all().build().unwrap())
    }

    /// A body sent in chunks of the given sizes, `Transfer-Encoding: chunked`.
    fn chunked(body: &[u8], cuts: &[usize]) -> Vec<u8> {
        let mut out = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n".to_vec();
        let mut rest = body;
        for cut in cuts.iter().chain(std::iter::once(&usize::MAX)) {
            let n = (*cut).min(rest.len());
            if n == 0 {
                continue;
            }
            out.extend(format!("{n:x}\r\n").as_bytes());
            out.extend(&rest[..n]);
            out.extend(b"\r\n");
            rest = &rest[n..];
        }
        out.extend(b"0\r\n\r\n");
        out
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig { cases: 200, ..Default::default() })]

        /// Whatever the bytes and wherever the chunks split them (inside a character
        /// too), the page reads as the whole body decoded once.
        #[test]
        fn chunks_never_split_what_is_read(body in ".{0,300}", cuts in proptest::collection::vec(1usize..40, 0..20)) {
            let answer: &'static [u8] = Box::leak(chunked(body.as_bytes(), &cuts).into_boxed_slice());
            let got = runtime().block_on(async {
                let port = serve_once(answer).await;
                http_get("127.0.0.1", port, "/").await.1
            });
            proptest::prop_assert_eq!(got, Ok((200, body)));
        }

        /// Arbitrary bytes as an answer never panic: they are an answer or a reason.
        #[test]
        fn any_answer_is_read_or_refused(raw in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..400)) {
            let answer: &'static [u8] = Box::leak(raw.into_boxed_slice());
            let got = runtime().block_on(async {
                let port = serve_once(answer).await;
                http_get("127.0.0.1", port, "/").await.1
            });
            if let Err(why) = got {
                proptest::prop_assert!(!why.is_empty());
            }
        }
    }
}
