//! Listing containers on every engine. Podman's Docker API names states that bollard's
//! types do not know (`stopped`, `configured`), and bollard then refuses the whole
//! answer: one such container would hide every other. Such an answer is asked for
//! again and read as JSON, each state put in Docker's words first.

use super::Engine;
use super::docker::EngineError;
use bollard::Docker;
use bollard::models::ContainerSummary;
use bollard::query_parameters::ListContainersOptions;
use http_body_util::{BodyExt, Empty};
use hyper::client::conn::http1::SendRequest;
use hyper_util::rt::TokioIo;
use std::collections::HashMap;

type Filters = HashMap<String, Vec<String>>;

impl Engine {
    /// Every container (running or not) that `filters` select.
    pub(super) async fn containers(
        &self,
        docker: &Docker,
        filters: Option<Filters>,
    ) -> Result<Vec<ContainerSummary>, EngineError> {
        let options = ListContainersOptions { all: true, filters: filters.clone(), ..Default::default() };
        match docker.list_containers(Some(options)).await {
            Err(bollard::errors::Error::JsonDataError { .. } | bollard::errors::Error::JsonSerdeError { .. }) => {
                let version = docker.client_version();
                let mut path = format!("/v{}.{}/containers/json?all=1", version.major_version, version.minor_version);
                if let Some(f) = &filters {
                    let json = serde_json::to_string(f).unwrap_or_default();
                    path.push_str("&filters=");
                    path.extend(form_urlencoded::byte_serialize(json.as_bytes()));
                }
                let body = self.get(&path).await?;
                in_dockers_words(&body)
                    .map_err(|e| self.other(format!("its list of containers could not be read: {e}")))
            }
            other => other.map_err(|e| self.classify(e)),
        }
    }

    /// `GET path` over the endpoint's own transport; the answer's body.
    async fn get(&self, path: &str) -> Result<Vec<u8>, EngineError> {
        let host = self.transport();
        let host = host.as_str();
        let request = hyper::Request::get(path)
            .header("Host", "docker")
            .body(Empty::<bytes::Bytes>::new())
            .map_err(|e| self.other(e.to_string()))?;
        let exchange = async {
            let io_error = |e: hyper::Error| std::io::Error::other(e.to_string());
            let mut send = if let Some(socket) = host.strip_prefix("unix://") {
                handshake(tokio::net::UnixStream::connect(socket).await?).await?
            } else {
                let addr = host.trim_start_matches("tcp://").trim_start_matches("http://").trim_end_matches('/');
                handshake(tokio::net::TcpStream::connect(addr).await?).await?
            };
            let answer = send.send_request(request).await.map_err(io_error)?;
            let status = answer.status();
            let body = answer.into_body().collect().await.map_err(io_error)?.to_bytes().to_vec();
            if !status.is_success() {
                return Err(std::io::Error::other(format!("{status}: {}", String::from_utf8_lossy(&body))));
            }
            Ok(body)
        };
        match tokio::time::timeout(std::time::Duration::from_secs(super::docker::TIMEOUT_SECS), exchange).await {
            Ok(Ok(body)) => Ok(body),
            Ok(Err(e)) => Err(self.other(e.to_string())),
            Err(_) => Err(self.no_answer(super::docker::TIMEOUT_SECS)),
        }
    }
}

/// An HTTP/1 connection over `stream`, driven in the background: where requests go.
async fn handshake<S>(stream: S) -> std::io::Result<SendRequest<Empty<bytes::Bytes>>>
where
    S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static,
{
    let (send, conn) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
        .await
        .map_err(|e| std::io::Error::other(e.to_string()))?;
    tokio::spawn(conn);
    Ok(send)
}

/// A container list as JSON, with every state in Docker's words.
fn in_dockers_words(body: &[u8]) -> Result<Vec<ContainerSummary>, serde_json::Error> {
    let mut list: Vec<serde_json::Value> = serde_json::from_slice(body)?;
    for c in &mut list {
        if let Some(state) = c.get_mut("State") {
            let docker = docker_state(state.as_str().unwrap_or_default());
            *state = serde_json::Value::String(docker.to_owned());
        }
    }
    serde_json::from_value(serde_json::Value::Array(list))
}

/// Podman's container states as Docker names them.
fn docker_state(state: &str) -> &str {
    match state {
        // Ended (and its resources let go): what Docker calls exited.
        "stopped" => "exited",
        // Made, never started.
        "configured" | "initialized" => "created",
        "created" | "running" | "paused" | "restarting" | "exited" | "removing" | "dead" | "stopping" | "" => state,
        _ => "",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn podmans_states_are_read_in_dockers_words() {
        let body = br#"[{"Id":"a","Names":["/web"],"State":"stopped"},{"Id":"b","State":"configured"},{"Id":"c","State":"running"},{"Id":"d","State":"something-new"}]"#;
        let list = in_dockers_words(body).unwrap();
        let states: Vec<String> = list.iter().map(|c| c.state.map(|s| s.to_string()).unwrap_or_default()).collect();
        assert_eq!(states, ["exited", "created", "running", ""]);
        assert_eq!(list[0].names.as_deref(), Some(&["/web".to_owned()][..]));
    }

    #[test]
    fn bollard_refuses_the_state_it_does_not_know() {
        // Why this module exists: one such container spoils the whole typed answer.
        let typed: Result<Vec<ContainerSummary>, _> = serde_json::from_slice(br#"[{"Id":"a","State":"stopped"}]"#);
        assert!(typed.is_err());
    }
}
