//! Which API version dockerlearn speaks, and why it matters: engines refuse versions
//! outside their range. Docker Engine 29 refuses anything below 1.44 ("client version
//! 1.41 is too old. Minimum supported API version is 1.44"); every engine refuses a
//! version above its own ("too new"). `Engine::connect` speaks the version the engine
//! names in `/_ping`'s `Api-Version` header, capped at bollard's newest
//! (`bollard::API_DEFAULT_VERSION`, 1.53 in bollard 0.21), so it is always in range.
//!
//! Measured here (the tests below): bollard 0.21 puts no `/v1.NN` in request paths at
//! all (its URL join drops the prefix), so the engine answers every request at its own
//! newest version and the floor never bites today. The tests keep both facts honest:
//! should bollard start naming the version, what it names must be within the range.

#[cfg(test)]
mod tests {
    use crate::engine::{Endpoint, EndpointSource, Engine, Scope};
    use axum::http::{StatusCode, Uri, header::HeaderName};
    use axum::response::{IntoResponse, Response};
    use std::sync::{Arc, Mutex};

    /// A stand-in for an engine that serves the API versions `min..=max` the way dockerd
    /// does: unversioned paths at its newest, versioned ones checked against its range.
    #[derive(Clone)]
    struct FakeEngine {
        min: (u32, u32),
        max: (u32, u32),
        /// Whether `/_ping` names the API version (real engines do; some proxies drop it).
        ping_header: bool,
        /// Every request path, in order.
        seen: Arc<Mutex<Vec<String>>>,
    }

    fn parse_version(v: &str) -> Option<(u32, u32)> {
        let (a, b) = v.split_once('.')?;
        Some((a.parse().ok()?, b.parse().ok()?))
    }

    async fn answer(axum::extract::State(e): axum::extract::State<FakeEngine>, uri: Uri) -> Response {
        let path = uri.path().to_owned();
        e.seen.lock().unwrap().push(path.clone());
        let max = format!("{}.{}", e.max.0, e.max.1);
        let headers = [
            (HeaderName::from_static("server"), "Docker/29.0.0 (linux)".to_owned()),
            (HeaderName::from_static("ostype"), "linux".to_owned()),
            (HeaderName::from_static(if e.ping_header { "api-version" } else { "x-nothing" }), max.clone()),
        ];
        let error = |status: StatusCode, message: String| {
            (status, headers.clone(), axum::Json(serde_json::json!({ "message": message }))).into_response()
        };
        let (version, rest) = match path.strip_prefix("/v").and_then(|p| p.split_once('/')) {
            Some((v, rest)) if parse_version(v).is_some() => (parse_version(v), format!("/{rest}")),
            _ => (None, path.clone()),
        };
        if let Some(v) = version {
            let text = format!("{}.{}", v.0, v.1);
            if v < e.min {
                return error(
                    StatusCode::BAD_REQUEST,
                    format!(
                        "client version {text} is too old. Minimum supported API version is {}.{}, please upgrade your client to a newer version",
                        e.min.0, e.min.1
                    ),
                );
            }
            if v > e.max {
                return error(
                    StatusCode::BAD_REQUEST,
                    format!("client version {text} is too new. Maximum supported API version is {max}"),
                );
            }
        }
        let json = |value: serde_json::Value| (StatusCode::OK, headers.clone(), axum::Json(value)).into_response();
        match rest.as_str() {
            "/_ping" => (StatusCode::OK, headers.clone(), "OK").into_response(),
            "/version" => json(serde_json::json!({
                "Version": "29.0.0", "ApiVersion": max, "MinAPIVersion": format!("{}.{}", e.min.0, e.min.1),
                "Os": "linux", "Arch": "amd64",
            })),
            "/info" => json(serde_json::json!({
                "OperatingSystem": "Debian GNU/Linux 13 (trixie)", "Driver": "overlayfs",
                "DriverStatus": [["driver-type", "io.containerd.snapshotter.v1"]],
                "DockerRootDir": "/var/lib/docker", "Containers": 0, "Images": 0,
            })),
            p if p.starts_with("/images/") => error(StatusCode::NOT_FOUND, "No such image: nothing:here".into()),
            _ => error(StatusCode::NOT_FOUND, "page not found".into()),
        }
    }

    /// Starts the fake engine on a socket in `dir`; returns its `unix://` address.
    async fn start(dir: &std::path::Path, engine: FakeEngine) -> String {
        let socket = dir.join("docker.sock");
        let listener = tokio::net::UnixListener::bind(&socket).unwrap();
        let app = axum::Router::new().fallback(answer).with_state(engine);
        tokio::spawn(async move { axum::serve(listener, app).await });
        format!("unix://{}", socket.display())
    }

    fn engine29(ping_header: bool) -> FakeEngine {
        FakeEngine { min: (1, 44), max: (1, 52), ping_header, seen: Arc::default() }
    }

    /// The API versions requests named in their paths (`/v1.52/info`), outside the engine's range or not.
    fn versions_spoken(seen: &[String]) -> Vec<(u32, u32)> {
        seen.iter()
            .filter_map(|p| p.strip_prefix("/v").and_then(|p| p.split_once('/')).and_then(|(v, _)| parse_version(v)))
            .collect()
    }

    /// One raw `GET` on the socket: the status line and the body.
    async fn raw_get(host: &str, path: &str) -> (String, String) {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let mut s = tokio::net::UnixStream::connect(host.trim_start_matches("unix://")).await.unwrap();
        s.write_all(format!("GET {path} HTTP/1.1\r\nHost: docker\r\nConnection: close\r\n\r\n").as_bytes())
            .await
            .unwrap();
        let mut text = String::new();
        s.read_to_string(&mut text).await.unwrap();
        let status = text.lines().next().unwrap_or_default().to_owned();
        (status, text.split("\r\n\r\n").nth(1).unwrap_or_default().to_owned())
    }

    fn engine_at(host: String) -> Engine {
        Engine::new(Endpoint::plain(host, EndpointSource::DockerHost), Scope::everything())
    }

    #[test]
    fn bollards_newest_version_is_within_engine_29s_range() {
        let newest = bollard::API_DEFAULT_VERSION;
        assert!((newest.major_version, newest.minor_version) >= (1, 44), "an Engine 29 would refuse bollard's newest");
    }

    #[tokio::test]
    async fn an_engine_that_refuses_old_api_versions_is_spoken_to_at_its_own() {
        let dir = tempfile::tempdir().unwrap();
        let fake = engine29(true);
        let host = start(dir.path(), fake.clone()).await;
        // The fake refuses what Engine 29 refuses, and serves what it serves.
        let (status, body) = raw_get(&host, "/v1.41/version").await;
        assert!(status.contains(" 400 "), "{status}");
        assert!(body.contains("client version 1.41 is too old. Minimum supported API version is 1.44"), "{body}");
        assert!(raw_get(&host, "/v1.44/version").await.0.contains(" 200 "));
        fake.seen.lock().unwrap().clear();

        let mut engine = engine_at(host);
        let (docker, info) = engine.connected().await.unwrap();
        assert_eq!(
            (info.api_version.as_str(), info.product.as_str(), info.version.as_str()),
            ("1.52", "Docker", "29.0.0")
        );
        assert_eq!(docker.client_version().minor_version, 52);
        let missing = engine.missing_images(&["nothing:here".to_owned()]).await.unwrap();
        assert_eq!(missing, ["nothing:here"]);
        let facts = engine.facts().await.unwrap();
        assert!(matches!(facts.kind.store, crate::engine::kind::ImageStore::Containerd { .. }), "{facts:?}");
        // bollard 0.21 sends paths without `/v1.NN` (the engine then answers at its own
        // newest version); should it start naming one, it must be within the engine's range.
        let seen = fake.seen.lock().unwrap().clone();
        assert!(seen.iter().any(|p| p.ends_with("/images/nothing:here/json")), "{seen:?}");
        assert!(versions_spoken(&seen).iter().all(|v| (1, 44) <= *v && *v <= (1, 52)), "{seen:?}");
    }

    #[tokio::test]
    async fn without_a_version_header_the_version_is_asked_for() {
        let dir = tempfile::tempdir().unwrap();
        let fake = engine29(false);
        let host = start(dir.path(), fake.clone()).await;
        let mut engine = engine_at(host);
        let (_, info) = engine.connected().await.unwrap();
        assert_eq!(info.api_version, "1.52");
        assert_eq!(engine.missing_images(&["nothing:here".to_owned()]).await.unwrap(), ["nothing:here"]);
        let seen = fake.seen.lock().unwrap().clone();
        assert!(seen.iter().any(|p| p.ends_with("/version")), "{seen:?}");
        assert!(versions_spoken(&seen).iter().all(|v| (1, 44) <= *v && *v <= (1, 52)), "{seen:?}");
    }

    #[tokio::test]
    async fn an_engine_newer_than_bollard_is_spoken_to_at_bollards_newest() {
        let dir = tempfile::tempdir().unwrap();
        let fake = FakeEngine { min: (1, 44), max: (1, 60), ping_header: true, seen: Arc::default() };
        let host = start(dir.path(), fake.clone()).await;
        let mut engine = engine_at(host);
        let (_, info) = engine.connected().await.unwrap();
        let newest = bollard::API_DEFAULT_VERSION;
        assert_eq!(info.api_version, format!("{}.{}", newest.major_version, newest.minor_version));
        assert_eq!(engine.missing_images(&["nothing:here".to_owned()]).await.unwrap(), ["nothing:here"]);
    }
}
