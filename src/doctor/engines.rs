//! The engine part of `doctor`'s report, in the learner's words: which engine, image
//! store, builder and Compose were found, and for each what the course does or shows
//! differently there. The lessons lead with Docker Engine 27+ (BuildKit, Compose v2);
//! everything else gets a line saying what to expect, and a finding when something
//! will fail, with what to do.

use super::{Finding, Severity, finding};
use crate::engine::EngineFacts;
use crate::engine::kind::{Builder, EngineKind, ImageStore, LegacyWhy, Product};
use crate::engine::tools::Compose;

/// One line of the report: its label, what was found, and what differs there for the course.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Line {
    pub label: &'static str,
    pub value: String,
    pub note: Option<String>,
}

fn line(label: &'static str, value: String, note: Option<&str>) -> Line {
    Line { label, value, note: note.map(str::to_owned) }
}

const PODMAN_NAMES: &str = "Podman answers the lessons' `docker` commands; some messages are worded differently from Docker's. Images made with the `podman` command itself (`podman build`, `podman commit`) are named `localhost/NAME`; Podman finds them by `NAME`, and so do the lessons' checks.";
const CONTAINERD_STORE: &str = "`docker images` shows other IMAGE IDs (manifest digests) and sizes than the classic store: expected, nothing to fix.";
const LEGACY_OUTPUT: &str = "Builds print `Step 2/3 : RUN ...` and `Using cache` where the lessons show BuildKit's `#5 [2/3] RUN ...` and `CACHED`; the images are the same.";
const PODMAN_BUILDS: &str = "Build output is Podman's (`STEP 2/5: RUN ...`, `COMMIT`), not the BuildKit output the lessons show; the images are the same.";
const COMPOSE_V1: &str = "dockerlearn shows the commands as `docker-compose ...`; v1 names containers `shop_web_1` where the lessons say `shop-web-1`.";
const INSTALL_BUILDX: &str =
    "Docker's `docker-buildx-plugin` package (Debian and Ubuntu: `docker-buildx`; Docker Desktop has it)";

/// `(API 1.52, accepts 1.44 and newer)`: the floor only when it is above the long-standing 1.24.
fn api(k: &EngineKind) -> String {
    let parse = |v: &str| v.split_once('.').and_then(|(a, b)| Some((a.parse::<u32>().ok()?, b.parse::<u32>().ok()?)));
    match parse(&k.min_api_version) {
        Some(min) if min > (1, 24) => format!("API {}, accepts {} and newer", k.api_version, k.min_api_version),
        _ => format!("API {}", k.api_version),
    }
}

/// The engine, its image store and its builder.
pub fn lines(f: &EngineFacts, builder: Option<&Builder>) -> Vec<Line> {
    let k = &f.kind;
    let rootless = if k.rootless { ", rootless" } else { "" };
    let engine = match k.product {
        Product::DockerEngine => {
            line("engine", format!("Docker Engine {} ({}){rootless}, {}", k.version, api(k), f.operating_system), None)
        }
        Product::DockerDesktop => line(
            "engine",
            format!(
                "Docker Desktop {}, engine {} ({})",
                k.desktop_version.as_deref().unwrap_or("?"),
                k.version,
                api(k)
            ),
            None,
        ),
        Product::Podman => line(
            "engine",
            format!("Podman {} (its Docker-compatible {}){rootless}, {}", k.version, api(k), f.operating_system),
            Some(PODMAN_NAMES),
        ),
    };
    let counts = format!("{} containers, {} images", f.containers, f.images);
    let images = match &k.store {
        ImageStore::Classic { driver } => {
            line("images", format!("classic image store (driver {driver}); {counts}"), None)
        }
        ImageStore::Containerd { snapshotter } => line(
            "images",
            format!("containerd image store (snapshotter {snapshotter}); {counts}"),
            Some(CONTAINERD_STORE),
        ),
        ImageStore::Podman { driver } => {
            line("images", format!("Podman's own image storage (containers/storage, driver {driver}); {counts}"), None)
        }
    };
    let Some(builder) = builder else {
        return vec![engine, images];
    };
    let builder = match builder {
        Builder::BuildKit { buildx: Some(v) } => line("builder", format!("BuildKit, through buildx {v}"), None),
        Builder::BuildKit { buildx: None } => {
            line("builder", "BuildKit, the engine's own (DOCKER_BUILDKIT=1)".to_owned(), None)
        }
        Builder::Legacy { why } => {
            let why = match why {
                LegacyWhy::Disabled => "DOCKER_BUILDKIT=0".to_owned(),
                LegacyWhy::NoBuildx => "the docker command has no buildx plugin".to_owned(),
                LegacyWhy::OldClient => "a docker command before 23 builds with it unless DOCKER_BUILDKIT=1".to_owned(),
            };
            line("builder", format!("legacy builder ({why})"), Some(LEGACY_OUTPUT))
        }
        Builder::BuildxMissing => line(
            "builder",
            "none: DOCKER_BUILDKIT=1 asks for BuildKit, and the docker command has no buildx plugin".to_owned(),
            None,
        ),
        Builder::BadDockerBuildkit { value } => {
            line("builder", format!("none: DOCKER_BUILDKIT={value} is neither true nor false"), None)
        }
        Builder::Podman => {
            line("builder", "Podman's own (Buildah), behind `docker build`".to_owned(), Some(PODMAN_BUILDS))
        }
        Builder::PodmanRefusesBuildKit => line(
            "builder",
            "BuildKit through buildx, which Podman does not have: `docker build` makes no image".to_owned(),
            None,
        ),
    };
    vec![engine, images, builder]
}

/// Which Compose was found.
pub fn compose_line(compose: Option<&Compose>) -> Line {
    match compose {
        Some(c) if c.command == "docker compose" => {
            line("compose", format!("v2, `docker compose` {}", c.version), None)
        }
        Some(c) => line("compose", format!("v1, `{}` {}", c.command, c.version), Some(COMPOSE_V1)),
        None => line("compose", "not found".to_owned(), None),
    }
}

/// What is missing or old about Compose, when the course uses it.
pub fn compose_findings(compose: Option<&Compose>, needed: bool) -> Vec<Finding> {
    match compose {
        None if needed => vec![finding(
            Severity::Warning,
            "Compose is not installed: the compose lesson needs it",
            "Install Docker's `docker-compose-plugin` package (Docker Desktop has Compose built in).",
        )],
        Some(c) if c.command == "docker-compose" => vec![finding(
            Severity::Warning,
            "only Compose v1 (`docker-compose`) is installed",
            "The lessons adapt to it; Compose v2 (`docker compose`, the `docker-compose-plugin` package) replaced it.",
        )],
        _ => vec![],
    }
}

/// What will fail on this engine, with what to do.
pub fn findings(f: &EngineFacts, builder: &Builder) -> Vec<Finding> {
    let mut found = Vec::new();
    match builder {
        Builder::Legacy { why: LegacyWhy::NoBuildx } => found.push(finding(
            Severity::Warning,
            "the docker command has no buildx plugin: `docker build` falls back to the legacy builder, which Docker deprecated",
            format!("Install buildx: {INSTALL_BUILDX}. The lessons work either way; the build output they show is BuildKit's."),
        )),
        Builder::BuildxMissing => found.push(finding(
            Severity::Warning,
            "`docker build` will fail: DOCKER_BUILDKIT=1 asks for BuildKit, and the docker command has no buildx plugin",
            format!("Install buildx ({INSTALL_BUILDX}), or `unset DOCKER_BUILDKIT` to build with the legacy builder."),
        )),
        Builder::BadDockerBuildkit { value } => found.push(finding(
            Severity::Warning,
            format!("`docker build` will fail: DOCKER_BUILDKIT={value} is neither true nor false"),
            "Set it to 1 (BuildKit) or 0 (the legacy builder), or `unset DOCKER_BUILDKIT`.",
        )),
        Builder::PodmanRefusesBuildKit => found.push(finding(
            Severity::Warning,
            "`docker build` will not make images here: the docker command's buildx plugin wants BuildKit, which Podman does not have (it tries to start BuildKit in a container of its own)",
            "dockerlearn's prompt builds with Podman's own builder for you (it sets DOCKER_BUILDKIT=0). In another terminal, build with `DOCKER_BUILDKIT=0 docker build ...` or `export DOCKER_BUILDKIT=0` (`docker compose build` needs it too).",
        )),
        _ => {}
    }
    if !f.kind.local_registry_plain_http {
        found.push(finding(
            Severity::Warning,
            "Podman will refuse to push to and pull from the registry the commit-share lesson runs at `localhost:5000`: it speaks HTTPS to it unless it is marked insecure",
            "Add `[[registry]]` with `location = \"localhost:5000\"` and `insecure = true` to /etc/containers/registries.conf (on macOS and Windows inside the Podman machine: `podman machine ssh`), then restart Podman; or push with `podman push --tls-verify=false localhost:5000/mytools:v1`.",
        ));
    }
    found
}
