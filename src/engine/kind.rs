//! What kind of engine answers, and what builds with it: Docker Engine, Docker Desktop
//! or Podman; its image store; which builder `docker build` ends up using; from the
//! engine's own `/version` and `/info` and what the docker CLI has beside it. Pure: the
//! answers come in, the classification goes out, so recorded answers test it. What the
//! course does differently on each is said by `doctor`.

use super::{Engine, EngineError, EngineFacts};
use bollard::models::{SystemInfo, SystemVersion};
use serde::Serialize;

/// Who makes the engine.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Product {
    DockerEngine,
    DockerDesktop,
    /// Podman's Docker-compatible API (`podman system service`, Podman Desktop).
    Podman,
}

impl Product {
    pub fn name(self) -> &'static str {
        match self {
            Product::DockerEngine => "Docker Engine",
            Product::DockerDesktop => "Docker Desktop",
            Product::Podman => "Podman",
        }
    }
}

/// Where the engine keeps images, which decides what `docker images` and `docker save` show.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ImageStore {
    /// Docker's containerd image store (the default for new installs from Engine 29 and
    /// Docker Desktop 4.34): image ids are manifest digests, sizes differ, `docker save`
    /// writes an OCI layout.
    Containerd { snapshotter: String },
    /// Docker's classic store, in its storage driver (`overlay2`, `fuse-overlayfs`, ...).
    Classic { driver: String },
    /// Podman's own (containers/storage), in its driver (`overlay`, `vfs`).
    Podman { driver: String },
}

/// The engine, as it describes itself.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EngineKind {
    pub product: Product,
    /// The engine's version: Docker's (`26.1.5+dfsg1`), Podman's (`5.4.2`).
    pub version: String,
    /// Docker Desktop's own version (`4.38.0`), beside its engine's.
    pub desktop_version: Option<String>,
    /// Whether the engine runs as an ordinary user (rootless Docker, rootless Podman).
    pub rootless: bool,
    /// The newest API version the engine speaks, and the oldest it accepts (1.44 from Engine 29).
    pub api_version: String,
    pub min_api_version: String,
    pub store: ImageStore,
    /// Whether the engine pushes to a registry at `localhost:5000` over plain HTTP, as the
    /// commit-share lesson's registry needs. Docker does for every registry on 127.0.0.0/8;
    /// Podman only for one marked `insecure = true` in its registries.conf.
    pub local_registry_plain_http: bool,
}

impl EngineKind {
    /// The major version of a Docker engine (`26.1.5+dfsg1` → 26); None for Podman.
    pub fn docker_major(&self) -> Option<u32> {
        match self.product {
            Product::Podman => None,
            _ => major(&self.version),
        }
    }
}

/// `26.1.5+dfsg1` → 26, `v0.13.1` → 0.
pub fn major(version: &str) -> Option<u32> {
    version.trim_start_matches('v').split(['.', '-', '+']).next()?.parse().ok()
}

/// The registry the commit-share lesson runs.
const LOCAL_REGISTRY: &str = "localhost:5000";

/// Classifies an engine from its `/version` and `/info` answers.
pub fn classify(version: &SystemVersion, info: &SystemInfo) -> EngineKind {
    let components = version.components.as_deref().unwrap_or_default();
    let podman = components.iter().find(|c| c.name == "Podman Engine");
    let operating_system = info.operating_system.as_deref().unwrap_or_default();
    let product = if podman.is_some() {
        Product::Podman
    } else if operating_system.contains("Docker Desktop") {
        Product::DockerDesktop
    } else {
        Product::DockerEngine
    };
    let engine_version = match podman.or_else(|| components.iter().find(|c| c.name == "Engine")) {
        Some(c) => c.version.clone(),
        None => version.version.clone().or_else(|| info.server_version.clone()).unwrap_or_default(),
    };
    // `Docker Desktop 4.38.0 (181591)`.
    let desktop_version = version
        .platform
        .as_ref()
        .and_then(|p| p.name.strip_prefix("Docker Desktop "))
        .and_then(|rest| rest.split_whitespace().next())
        .map(str::to_owned);
    let rootless = info.security_options.iter().flatten().any(|o| o.split(',').any(|kv| kv == "name=rootless"));
    let driver = info.driver.clone().unwrap_or_default();
    let snapshotter = info.driver_status.iter().flatten().any(|kv| {
        kv.first().is_some_and(|k| k == "driver-type") && kv.get(1).is_some_and(|v| v.contains("snapshotter"))
    });
    let store = match product {
        Product::Podman => ImageStore::Podman { driver },
        _ if snapshotter => ImageStore::Containerd { snapshotter: driver },
        _ => ImageStore::Classic { driver },
    };
    let local_registry_plain_http = match product {
        Product::Podman => info
            .registry_config
            .as_ref()
            .and_then(|r| r.index_configs.as_ref())
            .and_then(|c| c.get(LOCAL_REGISTRY))
            .is_some_and(|i| i.secure == Some(false)),
        _ => true,
    };
    EngineKind {
        product,
        version: engine_version,
        desktop_version,
        rootless,
        api_version: version.api_version.clone().unwrap_or_default(),
        min_api_version: version.min_api_version.clone().unwrap_or_default(),
        store,
        local_registry_plain_http,
    }
}

/// What the docker CLI brings to a build, besides the engine.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BuildSetup {
    /// The buildx plugin's version, if the docker CLI has it.
    pub buildx: Option<String>,
    /// `DOCKER_BUILDKIT` as set in the environment.
    pub docker_buildkit: Option<String>,
    /// The docker CLI's version.
    pub client: Option<String>,
}

/// Why `docker build` uses the legacy builder.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum LegacyWhy {
    /// `DOCKER_BUILDKIT=0`.
    Disabled,
    /// The docker CLI has no buildx plugin (and falls back, with a deprecation notice).
    NoBuildx,
    /// A docker CLI before 23 builds with the legacy builder unless told otherwise or
    /// the engine says BuildKit is its default (Docker 23 and newer).
    OldClient,
}

/// What `docker build` uses on this machine.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Builder {
    /// BuildKit: through the buildx plugin, or (a docker CLI before 23) the engine's own.
    BuildKit { buildx: Option<String> },
    /// The legacy builder (`Step 2/3 : RUN ...`).
    Legacy { why: LegacyWhy },
    /// `DOCKER_BUILDKIT=1` and no buildx plugin: the docker CLI refuses to build.
    BuildxMissing,
    /// `DOCKER_BUILDKIT` holds something the docker CLI does not read as true or false:
    /// it refuses to build.
    BadDockerBuildkit { value: String },
    /// Podman builds, with its own builder (Buildah).
    Podman,
    /// Podman behind a docker CLI with buildx: buildx tries BuildKit, which Podman lacks,
    /// and `docker build` fails.
    PodmanRefusesBuildKit,
}

/// `DOCKER_BUILDKIT` read as the docker CLI reads it (Go's `strconv.ParseBool`).
fn parse_bool(v: &str) -> Option<bool> {
    match v {
        "1" | "t" | "T" | "true" | "TRUE" | "True" => Some(true),
        "0" | "f" | "F" | "false" | "FALSE" | "False" => Some(false),
        _ => None,
    }
}

/// Which builder `docker build` uses against this engine, as the docker CLI decides
/// (`processBuilder` in docker/cli since 23.0): `DOCKER_BUILDKIT` first, then buildx if
/// the CLI has it, else the legacy builder. A CLI before 23 has no buildx by default and
/// asks the engine's own BuildKit when told to, or when the engine says it is its default.
pub fn builder(engine: &EngineKind, setup: &BuildSetup) -> Builder {
    let asked = match setup.docker_buildkit.as_deref().filter(|v| !v.is_empty()) {
        None => None,
        Some(v) => match parse_bool(v) {
            Some(b) => Some(b),
            None => return Builder::BadDockerBuildkit { value: v.to_owned() },
        },
    };
    let buildx = setup.buildx.clone();
    if engine.product == Product::Podman {
        return if asked == Some(false) || buildx.is_none() { Builder::Podman } else { Builder::PodmanRefusesBuildKit };
    }
    let old_client = setup.client.as_deref().and_then(major).is_some_and(|m| m < 23);
    match asked {
        Some(false) => Builder::Legacy { why: LegacyWhy::Disabled },
        _ if old_client => {
            if asked == Some(true) || engine.docker_major().is_some_and(|m| m >= 23) {
                Builder::BuildKit { buildx: None }
            } else {
                Builder::Legacy { why: LegacyWhy::OldClient }
            }
        }
        _ if buildx.is_some() => Builder::BuildKit { buildx },
        Some(true) => Builder::BuildxMissing,
        None => Builder::Legacy { why: LegacyWhy::NoBuildx },
    }
}

/// `github.com/docker/buildx v0.13.1 ...` or `github.com/docker/buildx 0.13.1+ds1-3 ...` → the version.
pub fn parse_buildx_version(text: &str) -> Option<String> {
    let version = text.split_whitespace().nth(1)?.trim_start_matches('v');
    major(version).map(|_| version.to_owned())
}

impl Engine {
    /// The engine's own description of itself, for `doctor`.
    pub async fn facts(&mut self) -> Result<EngineFacts, EngineError> {
        let (docker, info) = self.connected().await?;
        let version = docker.version().await.map_err(|e| self.classify(e))?;
        let sys = docker.info().await.map_err(|e| self.classify(e))?;
        Ok(EngineFacts {
            info,
            kind: classify(&version, &sys),
            operating_system: sys.operating_system.unwrap_or_default(),
            root_dir: sys.docker_root_dir.unwrap_or_default(),
            containers: sys.containers.unwrap_or_default(),
            images: sys.images.unwrap_or_default(),
        })
    }
}

/// Recorded answers of real engines, for tests here and in `doctor`. Docker 26.1.5 with
/// the containerd store and Podman 5.4.2 (whose registries.conf marks `localhost:5000`
/// insecure) are verbatim answers of Debian 13's packages running in a container
/// (`containerized`); `docker-26-overlay2` is the classic store's answer there with the
/// driver it had (fuse-overlayfs) replaced by overlay2's; Docker Desktop is written
/// after Desktop 4.38's answers.
#[cfg(test)]
pub mod fixtures {
    use super::*;

    /// `docker-26-overlay2`, `docker-26-containerd`, `docker-desktop`, `podman-5.4`:
    /// what `/version` and `/info` answer there.
    pub fn answers(name: &str) -> (SystemVersion, SystemInfo) {
        let version = match name {
            "docker-26-overlay2" | "docker-26-containerd" => include_str!("kind/docker-26.version.json"),
            "docker-desktop" => include_str!("kind/docker-desktop.version.json"),
            "podman-5.4" => include_str!("kind/podman-5.4.version.json"),
            other => panic!("no fixture {other}"),
        };
        let info = match name {
            "docker-26-overlay2" => include_str!("kind/docker-26-overlay2.info.json"),
            "docker-26-containerd" => include_str!("kind/docker-26-containerd.info.json"),
            "docker-desktop" => include_str!("kind/docker-desktop.info.json"),
            "podman-5.4" => include_str!("kind/podman-5.4.info.json"),
            other => panic!("no fixture {other}"),
        };
        (serde_json::from_str(version).unwrap(), serde_json::from_str(info).unwrap())
    }

    /// The facts `Engine::facts` gathers from a fixture.
    pub fn facts(name: &str) -> EngineFacts {
        let (version, info) = answers(name);
        EngineFacts {
            info: crate::check::EngineInfo {
                product: if name.starts_with("podman") { "Libpod" } else { "Docker" }.into(),
                version: version.version.clone().unwrap_or_default(),
                api_version: version.api_version.clone().unwrap_or_default(),
                os: "linux".into(),
                endpoint: "unix:///var/run/docker.sock".into(),
                endpoint_source: "the default".into(),
            },
            kind: classify(&version, &info),
            operating_system: info.operating_system.clone().unwrap_or_default(),
            root_dir: info.docker_root_dir.clone().unwrap_or_default(),
            containers: info.containers.unwrap_or_default(),
            images: info.images.unwrap_or_default(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::fixtures::answers;
    use super::*;

    fn kind(name: &str) -> EngineKind {
        let (version, info) = answers(name);
        classify(&version, &info)
    }

    #[test]
    fn docker_26_with_overlay2_has_the_classic_store() {
        let k = kind("docker-26-overlay2");
        assert_eq!(k.product, Product::DockerEngine);
        assert_eq!(
            (k.version.as_str(), k.api_version.as_str(), k.min_api_version.as_str()),
            ("26.1.5+dfsg1", "1.45", "1.24")
        );
        assert_eq!(k.store, ImageStore::Classic { driver: "overlay2".into() });
        assert_eq!(k.docker_major(), Some(26));
        assert!(!k.rootless && k.desktop_version.is_none() && k.local_registry_plain_http);
    }

    #[test]
    fn docker_26_with_the_containerd_snapshotter_has_the_containerd_store() {
        let k = kind("docker-26-containerd");
        assert_eq!(k.product, Product::DockerEngine);
        assert_eq!(k.store, ImageStore::Containerd { snapshotter: "overlayfs".into() });
    }

    #[test]
    fn docker_desktop_is_named_with_both_versions() {
        let k = kind("docker-desktop");
        assert_eq!(k.product, Product::DockerDesktop);
        assert_eq!((k.version.as_str(), k.desktop_version.as_deref()), ("27.5.1", Some("4.38.0")));
        assert_eq!(k.store, ImageStore::Containerd { snapshotter: "overlayfs".into() });
    }

    #[test]
    fn podman_has_its_own_storage_and_no_plain_http_registry_unless_told() {
        let (version, mut info) = answers("podman-5.4");
        let k = classify(&version, &info);
        assert_eq!(k.product, Product::Podman);
        assert_eq!((k.version.as_str(), k.api_version.as_str()), ("5.4.2", "1.41"));
        assert_eq!(k.store, ImageStore::Podman { driver: "overlay".into() });
        assert_eq!(k.docker_major(), None);
        // `[[registry]] location = "localhost:5000" insecure = true` in registries.conf.
        assert!(k.local_registry_plain_http && !k.rootless);
        let configs = info.registry_config.as_mut().unwrap().index_configs.as_mut().unwrap();
        configs.remove("localhost:5000");
        info.security_options.as_mut().unwrap().push("name=rootless".into());
        let k = classify(&version, &info);
        assert!(!k.local_registry_plain_http && k.rootless);
    }

    #[test]
    fn the_builder_follows_docker_buildkit_buildx_and_the_client() {
        let docker26 = kind("docker-26-overlay2");
        let mut docker20 = docker26.clone();
        docker20.version = "20.10.24+dfsg1".into();
        let podman = kind("podman-5.4");
        let setup = |buildx: Option<&str>, env: Option<&str>| BuildSetup {
            buildx: buildx.map(str::to_owned),
            docker_buildkit: env.map(str::to_owned),
            client: Some("27.5.1".into()),
        };
        let buildkit = Builder::BuildKit { buildx: Some("0.13.1".into()) };
        assert_eq!(builder(&docker26, &setup(Some("0.13.1"), None)), buildkit);
        assert_eq!(builder(&docker26, &setup(Some("0.13.1"), Some("1"))), buildkit);
        assert_eq!(builder(&docker26, &setup(Some("0.13.1"), Some(""))), buildkit);
        assert_eq!(builder(&docker26, &setup(Some("0.13.1"), Some("0"))), Builder::Legacy { why: LegacyWhy::Disabled });
        assert_eq!(builder(&docker26, &setup(None, None)), Builder::Legacy { why: LegacyWhy::NoBuildx });
        assert_eq!(builder(&docker26, &setup(None, Some("true"))), Builder::BuildxMissing);
        assert_eq!(
            builder(&docker26, &setup(Some("0.13.1"), Some("yes"))),
            Builder::BadDockerBuildkit { value: "yes".into() }
        );
        // A current CLI with buildx builds with BuildKit on an old engine too (its own BuildKit, through buildx).
        assert_eq!(builder(&docker20, &setup(Some("0.13.1"), None)), buildkit);
        assert_eq!(builder(&docker20, &setup(None, None)), Builder::Legacy { why: LegacyWhy::NoBuildx });
        // A CLI before 23: the legacy builder unless told, or unless the engine is 23 or newer.
        let old_cli = |env: Option<&str>| BuildSetup { client: Some("20.10.24+dfsg1".into()), ..setup(None, env) };
        assert_eq!(builder(&docker20, &old_cli(None)), Builder::Legacy { why: LegacyWhy::OldClient });
        assert_eq!(builder(&docker20, &old_cli(Some("1"))), Builder::BuildKit { buildx: None });
        assert_eq!(builder(&docker26, &old_cli(None)), Builder::BuildKit { buildx: None });
        assert_eq!(builder(&podman, &setup(Some("0.13.1"), None)), Builder::PodmanRefusesBuildKit);
        assert_eq!(builder(&podman, &setup(Some("0.13.1"), Some("0"))), Builder::Podman);
        assert_eq!(builder(&podman, &setup(None, None)), Builder::Podman);
    }

    #[test]
    fn buildx_versions_are_read_from_its_banner() {
        let v = parse_buildx_version("github.com/docker/buildx v0.13.1 788433953af10f2a698f5c07611dddce2e08c7a0");
        assert_eq!(v.as_deref(), Some("0.13.1"));
        assert_eq!(
            parse_buildx_version("github.com/docker/buildx 0.13.1+ds1-3 0.13.1+ds1-3").as_deref(),
            Some("0.13.1+ds1-3")
        );
        assert_eq!(parse_buildx_version("docker: unknown command: docker buildx"), None);
    }
}
