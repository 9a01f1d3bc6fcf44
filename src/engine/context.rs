//! Which engine to talk to, chosen exactly as the docker CLI chooses: `DOCKER_HOST`,
//! then `DOCKER_CONTEXT`, then `currentContext` in the CLI's `config.json`, then the
//! platform default. bollard does not read Docker contexts, and Docker Desktop and
//! rootless users depend on them: their socket is not `/var/run/docker.sock`.

use serde::Deserialize;
use sha2::{Digest, Sha256};
use std::fmt;
use std::path::{Path, PathBuf};

/// Where the engine is, and why that place was chosen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoint {
    /// `unix:///var/run/docker.sock`, `tcp://host:2375`, `ssh://me@labvm`, `npipe:////./pipe/docker_engine`.
    pub host: String,
    pub source: EndpointSource,
    /// How to speak TLS to a `tcp://` engine, when the CLI would.
    pub tls: Option<Tls>,
}

impl Endpoint {
    /// An endpoint without TLS.
    pub fn plain(host: impl Into<String>, source: EndpointSource) -> Endpoint {
        Endpoint { host: host.into(), source, tls: None }
    }
}

/// TLS to a `tcp://` engine, as the docker CLI sets it up: from `DOCKER_TLS_VERIFY` /
/// `DOCKER_TLS` and the files in `DOCKER_CERT_PATH`, or from a context's TLS folder.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Tls {
    /// Check the engine's certificate (`DOCKER_TLS_VERIFY`); without it (`DOCKER_TLS`,
    /// a context's `SkipTLSVerify`) any certificate is taken.
    pub verify: bool,
    /// The CA that signed the engine's certificate; None: the system's roots.
    pub ca: Option<PathBuf>,
    /// The client's certificate and key, shown to an engine that asks for one.
    pub cert: Option<PathBuf>,
    pub key: Option<PathBuf>,
    /// Where these files were looked for, for messages.
    pub dir: PathBuf,
}

impl Tls {
    /// The files the CLI would read in `dir`: those of `ca.pem`, `cert.pem`, `key.pem` that are there.
    fn in_dir(dir: &Path, verify: bool) -> Tls {
        let present = |name: &str| Some(dir.join(name)).filter(|p| p.is_file());
        Tls { verify, ca: present("ca.pem"), cert: present("cert.pem"), key: present("key.pem"), dir: dir.to_owned() }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EndpointSource {
    DockerHost,
    /// From `DOCKER_CONTEXT`, with the context's name.
    ContextVariable(String),
    /// From `currentContext` in the CLI's config file.
    ConfigContext(String),
    Default,
}

impl fmt::Display for EndpointSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            EndpointSource::DockerHost => f.write_str("DOCKER_HOST"),
            EndpointSource::ContextVariable(n) => write!(f, "DOCKER_CONTEXT (context `{n}`)"),
            EndpointSource::ConfigContext(n) => write!(f, "the docker CLI's current context `{n}`"),
            EndpointSource::Default => f.write_str("the default"),
        }
    }
}

/// Why the endpoint could not be worked out.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ContextError {
    #[error(
        "the Docker context `{name}` does not exist (looked for {}).\nList contexts with `docker context ls`, then `docker context use NAME`, or unset DOCKER_CONTEXT.",
        meta.display()
    )]
    UnknownContext { name: String, meta: PathBuf },
    #[error("the Docker context `{name}` could not be read from {}: {why}", meta.display())]
    BadContext { name: String, meta: PathBuf, why: String },
    #[error("the docker CLI's config file {} could not be read: {why}", path.display())]
    BadConfig { path: PathBuf, why: String },
    #[error(
        "{} (chosen by {chosen_by}) is {what}, not a socket: the Docker engine listens on a socket, such as {}.\nPoint {chosen_by} at the engine's socket (`docker context ls` lists the known ones), or unset it to use the default.",
        path.display(), default_host().trim_start_matches("unix://")
    )]
    NotASocket { path: PathBuf, what: &'static str, chosen_by: String },
    #[error(
        "{chosen_by} asks for TLS with a verified engine, but {} has no ca.pem (the certificate of the CA that signed the engine's).\nCopy ca.pem, cert.pem and key.pem from the engine's machine into {}, or set DOCKER_CERT_PATH to the folder that holds them.",
        dir.display(), dir.display()
    )]
    NoCa { dir: PathBuf, chosen_by: String },
}

/// The platform's default engine address.
pub fn default_host() -> &'static str {
    if cfg!(windows) { "npipe:////./pipe/docker_engine" } else { "unix:///var/run/docker.sock" }
}

/// The docker CLI's configuration directory: `DOCKER_CONFIG`, else `~/.docker`.
pub fn config_dir(env: &dyn Fn(&str) -> Option<String>, home: Option<&Path>) -> Option<PathBuf> {
    match env("DOCKER_CONFIG").filter(|s| !s.is_empty()) {
        Some(dir) => Some(PathBuf::from(dir)),
        None => home.map(|h| h.join(".docker")),
    }
}

#[derive(Deserialize)]
struct CliConfig {
    #[serde(rename = "currentContext", default)]
    current_context: Option<String>,
}

#[derive(Deserialize)]
struct ContextMeta {
    #[serde(rename = "Endpoints", default)]
    endpoints: std::collections::HashMap<String, ContextEndpoint>,
}

#[derive(Deserialize)]
struct ContextEndpoint {
    #[serde(rename = "Host", default)]
    host: Option<String>,
    #[serde(rename = "SkipTLSVerify", default)]
    skip_tls_verify: bool,
}

/// Resolves the endpoint from the environment (`env`) and the CLI's files under `home`.
/// A `unix://` endpoint whose path exists but is not a socket is refused here, with a
/// message of its own (a missing path is an engine that is not running: not an error).
pub fn resolve(env: &dyn Fn(&str) -> Option<String>, home: Option<&Path>) -> Result<Endpoint, ContextError> {
    let endpoint = choose(env, home)?;
    if let Some(problem) = unix_socket_problem(&endpoint) {
        return Err(problem);
    }
    Ok(endpoint)
}

/// What is wrong with a `unix://` endpoint's path, when something that is not a socket
/// sits there. The connection code calls it too, for endpoints made elsewhere.
pub fn unix_socket_problem(endpoint: &Endpoint) -> Option<ContextError> {
    use std::os::unix::fs::FileTypeExt;
    let path = Path::new(endpoint.host.strip_prefix("unix://")?);
    let kind = std::fs::metadata(path).ok()?.file_type();
    let what = if kind.is_socket() {
        return None;
    } else if kind.is_dir() {
        "a directory"
    } else if kind.is_file() {
        "a regular file"
    } else {
        "a device or pipe"
    };
    Some(ContextError::NotASocket { path: path.to_owned(), what, chosen_by: endpoint.source.to_string() })
}

fn choose(env: &dyn Fn(&str) -> Option<String>, home: Option<&Path>) -> Result<Endpoint, ContextError> {
    let config = config_dir(env, home);
    if let Some(host) = env("DOCKER_HOST").filter(|s| !s.is_empty()) {
        let tls = env_tls(env, config.as_deref(), &host)?;
        return Ok(Endpoint { host, source: EndpointSource::DockerHost, tls });
    }
    if let Some(name) = env("DOCKER_CONTEXT").filter(|s| !s.is_empty()) {
        let (host, tls) = context_host(config.as_deref(), &name)?;
        return Ok(Endpoint { host, source: EndpointSource::ContextVariable(name), tls });
    }
    if let Some(dir) = &config {
        let path = dir.join("config.json");
        if let Ok(text) = std::fs::read_to_string(&path) {
            let parsed: CliConfig = serde_json::from_str(&text)
                .map_err(|e| ContextError::BadConfig { path: path.clone(), why: e.to_string() })?;
            if let Some(name) = parsed.current_context.filter(|s| !s.is_empty()) {
                let (host, tls) = context_host(Some(dir), &name)?;
                return Ok(Endpoint { host, source: EndpointSource::ConfigContext(name), tls });
            }
        }
    }
    Ok(Endpoint::plain(default_host(), EndpointSource::Default))
}

/// Whether a tcp:// `host` is spoken to with TLS: the docker CLI turns TLS on for any
/// non-empty `DOCKER_TLS_VERIFY` (even `0`) or `DOCKER_TLS`, and reads `ca.pem`,
/// `cert.pem` and `key.pem` from `DOCKER_CERT_PATH`, else its config folder.
fn env_tls(
    env: &dyn Fn(&str) -> Option<String>,
    config: Option<&Path>,
    host: &str,
) -> Result<Option<Tls>, ContextError> {
    let set = |k: &str| env(k).is_some_and(|v| !v.is_empty());
    let verify = set("DOCKER_TLS_VERIFY");
    if !(verify || set("DOCKER_TLS")) || !host.starts_with("tcp://") {
        return Ok(None);
    }
    let dir = env("DOCKER_CERT_PATH").filter(|s| !s.is_empty()).map(PathBuf::from);
    let dir = dir.or_else(|| config.map(Path::to_owned)).unwrap_or_else(|| PathBuf::from(".docker"));
    let tls = Tls::in_dir(&dir, verify);
    if verify && tls.ca.is_none() {
        let chosen_by = if set("DOCKER_TLS_VERIFY") { "DOCKER_TLS_VERIFY" } else { "DOCKER_TLS" };
        return Err(ContextError::NoCa { dir, chosen_by: chosen_by.to_owned() });
    }
    Ok(Some(tls))
}

fn digest_hex(name: &str) -> String {
    Sha256::digest(name.as_bytes()).iter().map(|b| format!("{b:02x}")).collect()
}

/// The docker endpoint of a named context, with its TLS; `default` is the platform default.
/// The CLI keeps a context's TLS files in `contexts/tls/<sha256(name)>/docker/`.
fn context_host(config: Option<&Path>, name: &str) -> Result<(String, Option<Tls>), ContextError> {
    if name == "default" {
        return Ok((default_host().to_owned(), None));
    }
    let hex = digest_hex(name);
    let config = config.unwrap_or_else(|| Path::new(".docker"));
    let meta = config.join("contexts").join("meta").join(&hex).join("meta.json");
    let text = std::fs::read_to_string(&meta)
        .map_err(|_| ContextError::UnknownContext { name: name.to_owned(), meta: meta.clone() })?;
    let parsed: ContextMeta = serde_json::from_str(&text).map_err(|e| ContextError::BadContext {
        name: name.to_owned(),
        meta: meta.clone(),
        why: e.to_string(),
    })?;
    let endpoint = parsed.endpoints.get("docker").filter(|e| e.host.as_ref().is_some_and(|h| !h.is_empty()));
    let Some(endpoint) = endpoint else {
        return Err(ContextError::BadContext {
            name: name.to_owned(),
            meta,
            why: "it has no docker endpoint".to_owned(),
        });
    };
    let host = endpoint.host.clone().unwrap_or_default();
    let dir = config.join("contexts").join("tls").join(&hex).join("docker");
    let files = Tls::in_dir(&dir, !endpoint.skip_tls_verify);
    let any = files.ca.is_some() || files.cert.is_some() || files.key.is_some();
    let tls = (host.starts_with("tcp://") && (any || endpoint.skip_tls_verify)).then_some(files);
    Ok((host, tls))
}

/// The current process's view: real environment and home directory.
pub fn resolve_from_environment() -> Result<Endpoint, ContextError> {
    let home = directories::BaseDirs::new().map(|b| b.home_dir().to_path_buf());
    resolve(&|k| std::env::var(k).ok(), home.as_deref())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn env_of(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> + use<> {
        let map: HashMap<String, String> = pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        move |k: &str| map.get(k).cloned()
    }

    fn write_context(config: &Path, name: &str, host: &str) {
        let dir = config.join("contexts/meta").join(digest_hex(name));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(
            dir.join("meta.json"),
            format!(r#"{{"Name":"{name}","Metadata":{{}},"Endpoints":{{"docker":{{"Host":"{host}","SkipTLSVerify":false}}}}}}"#),
        )
        .unwrap();
    }

    #[test]
    fn docker_host_wins() {
        let e = resolve(&env_of(&[("DOCKER_HOST", "tcp://h:2375"), ("DOCKER_CONTEXT", "x")]), None).unwrap();
        assert_eq!(e, Endpoint::plain("tcp://h:2375", EndpointSource::DockerHost));
    }

    #[test]
    fn context_variable_then_config_file() {
        let home = tempfile::tempdir().unwrap();
        let config = home.path().join(".docker");
        write_context(&config, "desktop-linux", "unix:///home/u/.docker/desktop/docker.sock");
        write_context(&config, "rootless", "unix:///run/user/1000/docker.sock");
        std::fs::write(config.join("config.json"), r#"{"auths":{},"currentContext":"rootless"}"#).unwrap();

        let e = resolve(&env_of(&[("DOCKER_CONTEXT", "desktop-linux")]), Some(home.path())).unwrap();
        assert_eq!(e.host, "unix:///home/u/.docker/desktop/docker.sock");
        assert_eq!(e.source, EndpointSource::ContextVariable("desktop-linux".into()));

        let e = resolve(&env_of(&[]), Some(home.path())).unwrap();
        assert_eq!(e.host, "unix:///run/user/1000/docker.sock");
        assert_eq!(e.source.to_string(), "the docker CLI's current context `rootless`");
    }

    #[test]
    fn docker_config_moves_the_config_dir() {
        let dir = tempfile::tempdir().unwrap();
        write_context(dir.path(), "ci", "tcp://10.0.0.1:2375");
        std::fs::write(dir.path().join("config.json"), r#"{"currentContext":"ci"}"#).unwrap();
        let config = dir.path().to_str().unwrap();
        let e = resolve(&env_of(&[("DOCKER_CONFIG", config)]), None).unwrap();
        assert_eq!(e.host, "tcp://10.0.0.1:2375");
    }

    #[test]
    fn default_context_and_unknown_context() {
        let home = tempfile::tempdir().unwrap();
        let e = resolve(&env_of(&[("DOCKER_CONTEXT", "default")]), Some(home.path())).unwrap();
        assert_eq!(e.host, default_host());
        let err = resolve(&env_of(&[("DOCKER_CONTEXT", "nope")]), Some(home.path())).unwrap_err();
        assert!(err.to_string().contains("docker context ls"), "{err}");
        let e = resolve(&env_of(&[]), Some(home.path())).unwrap();
        assert_eq!(e.source, EndpointSource::Default);
    }

    #[test]
    fn a_file_that_is_not_a_socket_is_refused_as_such() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("docker.sock");
        std::fs::write(&file, "").unwrap();
        let host = format!("unix://{}", file.display());
        let err = resolve(&env_of(&[("DOCKER_HOST", &host)]), None).unwrap_err();
        let text = err.to_string();
        assert!(text.contains("is a regular file, not a socket") && text.contains("(chosen by DOCKER_HOST)"), "{text}");
        assert!(!text.contains("systemctl"), "{text}");
        let missing = format!("unix://{}", dir.path().join("absent.sock").display());
        assert!(resolve(&env_of(&[("DOCKER_HOST", &missing)]), None).is_ok());
        let listener = std::os::unix::net::UnixListener::bind(dir.path().join("real.sock")).unwrap();
        let real = format!("unix://{}", dir.path().join("real.sock").display());
        assert!(resolve(&env_of(&[("DOCKER_HOST", &real)]), None).is_ok());
        drop(listener);
    }

    fn write_pems(dir: &Path, names: &[&str]) {
        std::fs::create_dir_all(dir).unwrap();
        for n in names {
            std::fs::write(dir.join(n), "-----BEGIN CERTIFICATE-----\n").unwrap();
        }
    }

    #[test]
    fn tls_variables_are_read_as_the_docker_cli_reads_them() {
        let certs = tempfile::tempdir().unwrap();
        write_pems(certs.path(), &["ca.pem", "cert.pem", "key.pem"]);
        let dir = certs.path().to_str().unwrap();
        let host = ("DOCKER_HOST", "tcp://labvm:2376");
        let e = resolve(&env_of(&[host, ("DOCKER_TLS_VERIFY", "1"), ("DOCKER_CERT_PATH", dir)]), None).unwrap();
        let tls = e.tls.unwrap();
        assert!(tls.verify);
        assert_eq!(tls.ca, Some(certs.path().join("ca.pem")));
        assert_eq!((tls.cert.is_some(), tls.key.is_some()), (true, true));
        // Any value turns verification on, `0` too, as for the CLI.
        let e = resolve(&env_of(&[host, ("DOCKER_TLS_VERIFY", "0"), ("DOCKER_CERT_PATH", dir)]), None).unwrap();
        assert!(e.tls.unwrap().verify);
        // DOCKER_TLS: TLS, any certificate taken; the files come from the config folder.
        let home = tempfile::tempdir().unwrap();
        write_pems(&home.path().join(".docker"), &["cert.pem", "key.pem"]);
        let e = resolve(&env_of(&[host, ("DOCKER_TLS", "1")]), Some(home.path())).unwrap();
        let tls = e.tls.unwrap();
        assert!(!tls.verify && tls.ca.is_none() && tls.cert.is_some());
        // Nothing set, an empty value, or an endpoint that is not tcp://: no TLS.
        assert_eq!(resolve(&env_of(&[host]), None).unwrap().tls, None);
        assert_eq!(resolve(&env_of(&[host, ("DOCKER_TLS_VERIFY", "")]), None).unwrap().tls, None);
        let ssh = resolve(&env_of(&[("DOCKER_HOST", "ssh://me@labvm"), ("DOCKER_TLS_VERIFY", "1")]), None).unwrap();
        assert_eq!(ssh.tls, None);
    }

    #[test]
    fn verifying_without_a_ca_says_where_it_looked() {
        let empty = tempfile::tempdir().unwrap();
        let dir = empty.path().to_str().unwrap();
        let env = env_of(&[("DOCKER_HOST", "tcp://labvm:2376"), ("DOCKER_TLS_VERIFY", "1"), ("DOCKER_CERT_PATH", dir)]);
        let err = resolve(&env, None).unwrap_err();
        assert!(matches!(err, ContextError::NoCa { .. }));
        let text = err.to_string();
        assert!(text.contains(dir) && text.contains("DOCKER_CERT_PATH"), "{text}");
    }

    #[test]
    fn contexts_carry_their_tls_folder() {
        let home = tempfile::tempdir().unwrap();
        let config = home.path().join(".docker");
        write_context(&config, "lab", "tcp://labvm:2376");
        write_context(&config, "plain", "tcp://labvm:2375");
        write_context(&config, "over-ssh", "ssh://me@labvm");
        let tls_dir = config.join("contexts/tls").join(digest_hex("lab")).join("docker");
        write_pems(&tls_dir, &["ca.pem", "cert.pem", "key.pem"]);
        let e = resolve(&env_of(&[("DOCKER_CONTEXT", "lab")]), Some(home.path())).unwrap();
        let tls = e.tls.unwrap();
        assert!(tls.verify);
        assert_eq!(tls.ca, Some(tls_dir.join("ca.pem")));
        assert_eq!(resolve(&env_of(&[("DOCKER_CONTEXT", "plain")]), Some(home.path())).unwrap().tls, None);
        let e = resolve(&env_of(&[("DOCKER_CONTEXT", "over-ssh")]), Some(home.path())).unwrap();
        assert_eq!((e.host.as_str(), e.tls), ("ssh://me@labvm", None));
        // SkipTLSVerify: TLS without checking the engine's certificate, even without files.
        let skip = config.join("contexts/meta").join(digest_hex("skip"));
        std::fs::create_dir_all(&skip).unwrap();
        std::fs::write(
            skip.join("meta.json"),
            r#"{"Name":"skip","Endpoints":{"docker":{"Host":"tcp://labvm:2376","SkipTLSVerify":true}}}"#,
        )
        .unwrap();
        let tls = resolve(&env_of(&[("DOCKER_CONTEXT", "skip")]), Some(home.path())).unwrap().tls.unwrap();
        assert!(!tls.verify && tls.ca.is_none());
        // The context's TLS is not used when DOCKER_HOST wins.
        let env = env_of(&[("DOCKER_HOST", "tcp://labvm:2376"), ("DOCKER_CONTEXT", "lab")]);
        assert_eq!(resolve(&env, Some(home.path())).unwrap().tls, None);
    }

    #[test]
    fn broken_config_is_reported() {
        let home = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(home.path().join(".docker")).unwrap();
        std::fs::write(home.path().join(".docker/config.json"), "{not json").unwrap();
        let err = resolve(&env_of(&[]), Some(home.path())).unwrap_err();
        assert!(matches!(err, ContextError::BadConfig { .. }));
    }
}
