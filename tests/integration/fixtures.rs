//! The images the course uses, built locally because no registry is reachable: the
//! real programs (CPython, nginx, PostgreSQL, Jupyter Notebook, the Distribution
//! registry) from Debian's packages with `mmdebstrap`,
//! and busybox stand-ins only where the real image is busybox-like (hello-world,
//! busybox, alpine's shell). Real programs behave like the real images where the
//! lessons depend on it (buffered output, signals, start-up races, file permissions);
//! stand-ins would hide exactly those.
//!
//! Each image is built once per engine and kept as `dockerlearn-test/<slug>:<hash>`,
//! labelled `org.dockerlearn.fixture=<hash>`, the hash covering its whole recipe; later
//! runs find it and skip the build. A file lock under the temporary directory keeps two
//! test processes from building the same image at once. The lesson's name
//! (`python:3.12-slim`) is tagged on it only where that name is absent from the engine,
//! shared by every test process that uses it, and untagged when the last one is done.

use crate::support::docker_status;
use sha2::{Digest, Sha256};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

/// Every image the shipped course needs.
pub const NAMES: &[&str] = &[
    "hello-world:latest",
    "busybox:latest",
    "alpine:3.22",
    "python:3.12-slim",
    "postgres:16-alpine",
    "nginx:alpine",
    NOTEBOOK,
    "registry:2",
];

/// The image the suite's own engines run in (not a course image).
pub const ENGINES: &str = "dockerlearn-test-engines";

/// The notebook image the notebook lesson pins.
pub const NOTEBOOK: &str = "quay.io/jupyter/minimal-notebook:2025-06-23";

/// The label that marks a cached fixture image, valued with its recipe's hash.
pub const FIXTURE_LABEL: &str = "org.dockerlearn.fixture";

const PATH: &str = "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

/// What the installer command says when a build tool is missing.
const MMDEBSTRAP_MISSING: &str = "mmdebstrap is not installed: the real-program test images are built with it. Run: apt-get install busybox-static mmdebstrap chromium chromium-driver openssl";
const BUSYBOX_MISSING: &str = "busybox-static is not installed: the stand-in test images are built from it. Run: apt-get install busybox-static mmdebstrap chromium chromium-driver openssl";

/// How one image is made.
struct Recipe {
    /// Part of the cached image's name: `dockerlearn-test/<slug>`.
    slug: &'static str,
    /// Debian packages (`mmdebstrap --include`); empty for a busybox stand-in.
    packages: &'static [&'static str],
    /// Files added to the root file system: (path, content, mode).
    files: Vec<(&'static str, &'static str, u32)>,
    /// Shell run in the finished root (`$1`), after the files are in place.
    customize: &'static str,
    /// `docker import --change` lines.
    config: Vec<&'static str>,
    /// The Debian release it is built from, where not the host's.
    suite: Option<&'static str>,
}

fn recipe(name: &str) -> Recipe {
    match name {
        "hello-world:latest" => Recipe {
            suite: None,
            slug: "hello-world",
            packages: &[],
            files: vec![],
            customize: "",
            config: vec![
                r#"CMD ["/bin/busybox","sh","-c","echo; echo 'Hello from Docker!'; echo 'This message shows that your installation appears to be working correctly.'"]"#,
            ],
        },
        "busybox:latest" => Recipe {
            slug: "busybox",
            packages: &[],
            files: vec![],
            customize: "",
            config: vec![r#"CMD ["sh"]"#],
            suite: None,
        },
        "alpine:3.22" => Recipe {
            suite: None,
            slug: "alpine",
            packages: &[],
            // Alpine's shell and tools are busybox; `apk add` has no network here and
            // installs a small program of the package's name (what the lessons run).
            files: vec![("sbin/apk", include_str!("../images/alpine-apk.sh"), 0o755)],
            customize: "",
            config: vec![r#"CMD ["/bin/sh"]"#],
        },
        "python:3.12-slim" => Recipe {
            suite: None,
            slug: "real-python",
            packages: &["python3", "python-is-python3"],
            files: vec![],
            customize: "",
            config: vec!["ENV LANG=C.UTF-8", r#"CMD ["python3"]"#],
        },
        "nginx:alpine" => Recipe {
            suite: None,
            slug: "real-nginx",
            packages: &["nginx-light"],
            files: vec![
                ("docker-entrypoint.sh", include_str!("../images/nginx-entrypoint.sh"), 0o755),
                ("etc/nginx/nginx.conf", include_str!("../images/nginx.conf"), 0o644),
                ("etc/nginx/conf.d/default.conf", include_str!("../images/nginx-default.conf"), 0o644),
                ("usr/share/nginx/html/index.html", include_str!("../images/nginx-index.html"), 0o644),
            ],
            // As in the official image: workers run as the unprivileged `nginx`, logs
            // go to the container's output.
            customize: r#"set -e
chroot "$1" useradd --system --no-create-home --home-dir /nonexistent --shell /bin/false nginx
mkdir -p "$1/docker-entrypoint.d" "$1/var/log/nginx"
rm -f "$1/etc/nginx/sites-enabled/default"
ln -sf /dev/stdout "$1/var/log/nginx/access.log"
ln -sf /dev/stderr "$1/var/log/nginx/error.log"
"#,
            config: vec![r#"ENTRYPOINT ["/docker-entrypoint.sh"]"#, r#"CMD ["nginx","-g","daemon off;"]"#, "EXPOSE 80"],
        },
        "postgres:16-alpine" => Recipe {
            suite: None,
            slug: "real-postgres",
            packages: &["postgresql"],
            files: vec![(
                "usr/local/bin/docker-entrypoint.sh",
                include_str!("../images/postgres-entrypoint.sh"),
                0o755,
            )],
            // The server's programs on PATH, no cluster of Debian's own, and the
            // official image's `listen_addresses = '*'` in the configuration initdb copies.
            customize: r#"set -e
for b in "$1"/usr/lib/postgresql/*/bin/*; do ln -sf "${b#"$1"}" "$1/usr/local/bin/"; done
rm -rf "$1"/var/lib/postgresql/[0-9]* "$1"/etc/postgresql/[0-9]*
sed -ri "s!^#?(listen_addresses)\s*=\s*\S+.*!\1 = '*'!" "$1"/usr/share/postgresql/*/postgresql.conf.sample
mkdir -p "$1/docker-entrypoint-initdb.d" "$1/var/lib/postgresql/data"
"#,
            config: vec![
                "ENV LANG=C.UTF-8",
                "ENV PGDATA=/var/lib/postgresql/data",
                "VOLUME /var/lib/postgresql/data",
                r#"ENTRYPOINT ["docker-entrypoint.sh"]"#,
                r#"CMD ["postgres"]"#,
                "EXPOSE 5432",
            ],
        },
        // Jupyter's image, from Debian's Jupyter Notebook 6 (the real image has
        // JupyterLab 4 on conda): the user `jovyan` (uid 1000) with its `work` folder, a
        // Python environment of its own in /opt/conda where `pip install` goes (offline
        // here: a wheel of `cowsay` in /opt/wheels is its index), and a server on 8888
        // printing its token as the real image does.
        NOTEBOOK => Recipe {
            suite: None,
            slug: "real-notebook",
            packages: &["jupyter-notebook", "python3-venv", "tini"],
            files: vec![
                ("usr/local/bin/start.sh", include_str!("../images/notebook-start.sh"), 0o755),
                ("usr/local/bin/start-notebook.py", include_str!("../images/notebook-start-notebook.py"), 0o755),
                ("usr/local/share/dockerlearn/notebook-wheel.py", include_str!("../images/notebook-wheel.py"), 0o644),
            ],
            customize: r#"set -e
chroot "$1" useradd --uid 1000 --gid 100 --create-home --home-dir /home/jovyan --shell /bin/bash jovyan
mkdir -p "$1/home/jovyan/work" "$1/opt/wheels"
chroot "$1" python3 -m venv --system-site-packages /opt/conda
chroot "$1" python3 /usr/local/share/dockerlearn/notebook-wheel.py
rm -r "$1/usr/local/share/dockerlearn"
printf '[global]\nno-index = true\nfind-links = /opt/wheels\ndisable-pip-version-check = true\n' > "$1/opt/conda/pip.conf"
chroot "$1" chown -R jovyan:users /home/jovyan /opt/conda
"#,
            config: vec![
                "ENV LANG=C.UTF-8",
                "ENV PATH=/opt/conda/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
                "ENV CONDA_DIR=/opt/conda",
                "ENV SHELL=/bin/bash",
                "ENV NB_USER=jovyan",
                "ENV NB_UID=1000",
                "ENV NB_GID=100",
                "ENV HOME=/home/jovyan",
                "USER 1000",
                "WORKDIR /home/jovyan",
                "EXPOSE 8888",
                r#"ENTRYPOINT ["tini","-g","--","start.sh"]"#,
                r#"CMD ["start-notebook.py"]"#,
            ],
        },
        // The Distribution registry, from Debian's `docker-registry`, set up as the
        // official image is: its configuration, its entrypoint, its data volume.
        "registry:2" => Recipe {
            suite: None,
            slug: "real-registry",
            packages: &["docker-registry"],
            files: vec![
                ("entrypoint.sh", include_str!("../images/registry-entrypoint.sh"), 0o755),
                ("etc/docker/registry/config.yml", include_str!("../images/registry-config.yml"), 0o644),
            ],
            customize: r#"set -e
ln -sf /usr/bin/docker-registry "$1/usr/local/bin/registry"
mkdir -p "$1/var/lib/registry"
"#,
            config: vec![
                "VOLUME /var/lib/registry",
                "EXPOSE 5000",
                r#"ENTRYPOINT ["/entrypoint.sh"]"#,
                r#"CMD ["/etc/docker/registry/config.yml"]"#,
            ],
        },
        // The suite's own engines (see `engines`): Docker Engine 26, BuildKit, Compose v2
        // and Podman 5 from Debian 13, with the docker CLI beside them.
        ENGINES => Recipe {
            suite: Some("trixie"),
            slug: "engines",
            packages: &[
                "docker.io",
                "docker-cli",
                "docker-buildx",
                "docker-compose",
                "containerd",
                "runc",
                "podman",
                "netavark",
                "aardvark-dns",
                "catatonit",
                "fuse-overlayfs",
                "iptables",
                "nftables",
                "ca-certificates",
                "curl",
                "procps",
                "openssh-server",
                "openssh-client",
                "openssl",
            ],
            files: vec![
                ("usr/local/bin/dl-engine", include_str!("../images/engine-start.sh"), 0o755),
                ("etc/containers/containers.conf", include_str!("../images/engine-containers.conf"), 0o644),
                ("etc/containers/storage.conf", include_str!("../images/engine-storage.conf"), 0o644),
                ("etc/containers/registries.conf", include_str!("../images/engine-registries.conf"), 0o644),
            ],
            customize: "",
            config: vec![r#"ENTRYPOINT ["/usr/local/bin/dl-engine"]"#],
        },
        other => panic!("no fixture recipe for `{other}`: add one to tests/integration/fixtures.rs"),
    }
}

/// The Debian suite and apt sources of a recipe: the host's, or its own suite from the
/// host's mirror.
fn sources_of(r: &Recipe) -> (String, String) {
    let (suite, mirror) = debian_sources();
    let Some(own) = r.suite else { return (suite, mirror) };
    let text = std::fs::read_to_string(&mirror).unwrap_or_default();
    let uri = text
        .lines()
        .find_map(|l| l.strip_prefix("URIs:").or_else(|| l.strip_prefix("deb ")))
        .and_then(|l| l.split_whitespace().find(|w| w.contains("://") && !w.contains("security")))
        .unwrap_or("http://deb.debian.org/debian");
    (own.to_owned(), format!("deb {uri} {own} main"))
}

/// The Debian suite and the apt sources the host uses (the same mirror).
fn debian_sources() -> (String, String) {
    let release = std::fs::read_to_string("/etc/os-release").unwrap_or_default();
    let suite = release
        .lines()
        .find_map(|l| l.strip_prefix("VERSION_CODENAME="))
        .map(|s| s.trim_matches('"').to_owned())
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| "bookworm".to_owned());
    let deb822 = Path::new("/etc/apt/sources.list.d/debian.sources");
    let mirror = if deb822.exists() {
        deb822.display().to_string()
    } else if std::fs::read_to_string("/etc/apt/sources.list").is_ok_and(|s| s.lines().any(|l| l.starts_with("deb "))) {
        "/etc/apt/sources.list".to_owned()
    } else {
        "http://deb.debian.org/debian".to_owned()
    };
    (suite, mirror)
}

/// The hash naming a recipe's image: everything that goes into it.
fn recipe_hash(r: &Recipe) -> String {
    let mut h = Sha256::new();
    h.update(format!("{:?}\n{}\n{:?}\n{PATH}\n", r.packages, r.customize, r.config));
    for (path, content, mode) in &r.files {
        h.update(format!("{path} {mode:o}\n{content}\n"));
    }
    if r.packages.is_empty() {
        h.update(busybox().map(|b| std::fs::metadata(b).map(|m| m.len()).unwrap_or(0)).unwrap_or(0).to_string());
    } else {
        let (suite, mirror) = sources_of(r);
        h.update(format!("{suite}\n{}\n", std::fs::read_to_string(&mirror).unwrap_or(mirror)));
    }
    h.finalize().iter().take(8).map(|b| format!("{b:02x}")).collect()
}

fn busybox() -> Option<&'static str> {
    ["/bin/busybox", "/usr/bin/busybox"].into_iter().find(|p| Path::new(p).exists())
}

/// Where test processes coordinate: build locks, and who uses which tag.
fn state_dir() -> PathBuf {
    let dir = std::env::temp_dir().join("dockerlearn-test-fixtures");
    std::fs::create_dir_all(dir.join("users")).unwrap();
    dir
}

/// Runs `f` holding the file lock `name` (shared by every test process on the machine).
fn locked<T>(name: &str, f: impl FnOnce() -> T) -> T {
    let file = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(state_dir().join(format!("{name}.lock")))
        .unwrap();
    let mut lock = fd_lock::RwLock::new(file);
    let _held = lock.write().unwrap();
    f()
}

/// The id of the image `reference` points at, if any.
fn image_id(reference: &str) -> Option<String> {
    let out = docker_status(&["image", "inspect", "-f", "{{.Id}}", reference]);
    out.status.success().then(|| String::from_utf8_lossy(&out.stdout).trim().to_owned())
}

/// The id of the cached image of `name`'s recipe, built first if this engine lacks it.
fn cached(name: &str) -> String {
    let r = recipe(name);
    let hash = recipe_hash(&r);
    let cache_ref = format!("dockerlearn-test/{}:{hash}", r.slug);
    // By its own name: every image built FROM the fixture carries its label too (an
    // untagged builder stage, say), so the label alone does not tell which is the fixture.
    let find = || image_id(&cache_ref).filter(|id| is_fixture_of(id, &hash));
    if let Some(id) = find() {
        return id;
    }
    locked(&format!("build-{}", r.slug), || {
        if let Some(id) = find() {
            return id;
        }
        let started = Instant::now();
        let how = if r.packages.is_empty() { "busybox" } else { "Debian packages, mmdebstrap" };
        let _ = writeln!(std::io::stderr(), "fixtures: building {cache_ref} for {name} ({how}) ...");
        let dir = tempfile::tempdir().unwrap();
        let tar = dir.path().join("rootfs.tar");
        if r.packages.is_empty() {
            busybox_root(&r, dir.path(), &tar);
        } else {
            debian_root(&r, dir.path(), &tar);
        }
        let mut args: Vec<String> = vec!["import".into()];
        for c in [format!("LABEL {FIXTURE_LABEL}={hash}"), format!("ENV {PATH}")]
            .into_iter()
            .chain(r.config.iter().map(|c| (*c).to_owned()))
        {
            args.push("--change".into());
            args.push(c);
        }
        args.push(tar.to_str().unwrap().into());
        args.push(cache_ref.clone());
        let refs: Vec<&str> = args.iter().map(String::as_str).collect();
        crate::support::docker(&refs);
        let _ = writeln!(
            std::io::stderr(),
            "fixtures: built {cache_ref} for {name} in {:.1} s",
            started.elapsed().as_secs_f64()
        );
        image_id(&cache_ref).expect("the image just imported")
    })
}

/// Writes the recipe's files under `root`.
fn add_files(r: &Recipe, root: &Path) {
    use std::os::unix::fs::PermissionsExt;
    for (path, content, mode) in &r.files {
        let p = root.join(path);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(&p, content).unwrap();
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(*mode)).unwrap();
    }
}

/// A root file system of busybox and its applets, as a tar (about half a second).
fn busybox_root(r: &Recipe, dir: &Path, tar: &Path) {
    let busybox = busybox().unwrap_or_else(|| panic!("{BUSYBOX_MISSING}"));
    let root = dir.join("rootfs");
    for d in ["bin", "sbin", "usr/bin", "usr/sbin", "usr/local/bin", "tmp", "etc", "root", "var"] {
        std::fs::create_dir_all(root.join(d)).unwrap();
    }
    std::fs::copy(busybox, root.join("bin/busybox")).unwrap();
    let applets = Command::new(busybox).arg("--list").output().unwrap().stdout;
    for applet in String::from_utf8_lossy(&applets).lines().filter(|a| *a != "busybox") {
        let _ = std::os::unix::fs::symlink("busybox", root.join("bin").join(applet));
    }
    add_files(r, &root);
    let ok = Command::new("tar").arg("-C").arg(&root).arg("-cf").arg(tar).arg(".").status().unwrap();
    assert!(ok.success(), "tar of the stand-in's root failed");
}

/// A minimal Debian with the recipe's packages, as a tar (30 s to a few minutes). Downloaded
/// packages are kept under the temporary directory for the next build.
fn debian_root(r: &Recipe, dir: &Path, tar: &Path) {
    let found = Command::new("mmdebstrap").arg("--version").output();
    assert!(found.is_ok_and(|o| o.status.success()), "{MMDEBSTRAP_MISSING}");
    let files = dir.join("files");
    std::fs::create_dir_all(&files).unwrap();
    add_files(r, &files);
    let debs = state_dir().join(r.suite.map_or("apt-archives".to_owned(), |s| format!("apt-archives-{s}")));
    std::fs::create_dir_all(&debs).unwrap();
    let (suite, mirror) = sources_of(r);
    let q = |p: &Path| format!("'{}'", p.display());
    let out = Command::new("mmdebstrap")
        .args(["--variant=minbase", "--quiet", "--skip=download/empty", "--skip=essential/unlink"])
        .arg(format!("--include={}", r.packages.join(",")))
        .args(["--dpkgopt=path-exclude=/usr/share/doc/*", "--dpkgopt=path-exclude=/usr/share/man/*"])
        .args(["--dpkgopt=path-exclude=/usr/share/locale/*", "--dpkgopt=path-exclude=/usr/share/info/*"])
        .arg(format!(
            "--setup-hook=mkdir -p \"$1\"/var/cache/apt/archives && cp {}/*.deb \"$1\"/var/cache/apt/archives/ 2>/dev/null || true",
            q(&debs)
        ))
        .arg(format!(
            "--customize-hook=for f in \"$1\"/var/cache/apt/archives/*.deb; do [ -e {d}/\"${{f##*/}}\" ] || {{ cp \"$f\" {d}/.part.$$ && mv {d}/.part.$$ {d}/\"${{f##*/}}\"; }}; done",
            d = q(&debs)
        ))
        .arg(format!("--customize-hook=cp -a {}/. \"$1\"/", q(&files)))
        .args((!r.customize.is_empty()).then(|| format!("--customize-hook={}", r.customize)))
        .arg(&suite)
        .arg(tar)
        .arg(&mirror)
        .stdin(std::process::Stdio::null())
        .output()
        .expect("mmdebstrap runs");
    assert!(
        out.status.success(),
        "mmdebstrap ({suite}, {mirror}) failed for {}:\n{}",
        r.slug,
        String::from_utf8_lossy(&out.stderr)
    );
}

/// The file that says process `pid` uses the tag `name`.
fn user_file(name: &str, pid: u32) -> PathBuf {
    let dir = state_dir().join("users").join(name.replace(['/', ':'], "_"));
    std::fs::create_dir_all(&dir).unwrap();
    dir.join(pid.to_string())
}

/// Whether a test process other than this one still uses the tag `name`.
fn others_use(name: &str) -> bool {
    let dir = user_file(name, 0).parent().unwrap().to_owned();
    std::fs::read_dir(dir).unwrap().filter_map(Result::ok).any(|e| {
        let pid = e.file_name().to_string_lossy().into_owned();
        pid != std::process::id().to_string() && Path::new("/proc").join(&pid).exists()
    })
}

/// Whether the image `reference` points at carries the label of the recipe `hash`.
fn is_fixture_of(reference: &str, hash: &str) -> bool {
    let out = docker_status(&[
        "image",
        "inspect",
        "-f",
        &format!("{{{{index .Config.Labels \"{FIXTURE_LABEL}\"}}}}"),
        reference,
    ]);
    out.status.success() && String::from_utf8_lossy(&out.stdout).trim() == hash
}

/// Whether the image `reference` points at is a fixture of ours (of any recipe).
pub fn is_fixture(reference: &str) -> bool {
    let out = docker_status(&[
        "image",
        "inspect",
        "-f",
        &format!("{{{{index .Config.Labels \"{FIXTURE_LABEL}\"}}}}"),
        reference,
    ]);
    out.status.success() && !String::from_utf8_lossy(&out.stdout).trim().is_empty()
}

/// Builds `name`'s cached image if this engine lacks it (minutes for a real program).
pub fn build(name: &str) {
    cached(name);
}

/// `name`'s cached image, built first if this engine lacks it: its reference
/// (`dockerlearn-test/<slug>:<hash>`) and its recipe's hash (its label's value).
pub fn cached_image(name: &str) -> (String, String) {
    cached(name);
    let r = recipe(name);
    let hash = recipe_hash(&r);
    (format!("dockerlearn-test/{}:{hash}", r.slug), hash)
}

/// Whether `reference` carries a test run's label (`<pid>-<n>`, see `support::run_id`)
/// whose process is no longer a test process on this machine.
fn left_by_ended_test(reference: &str) -> bool {
    let out = docker_status(&[
        "image",
        "inspect",
        "-f",
        &format!("{{{{index .Config.Labels \"{}\"}}}}", crate::support::LABEL_KEY),
        reference,
    ]);
    let value = String::from_utf8_lossy(&out.stdout).trim().to_owned();
    let Some((pid, _)) = value.split_once('-').filter(|(pid, n)| {
        !pid.is_empty() && pid.bytes().all(|b| b.is_ascii_digit()) && n.bytes().all(|b| b.is_ascii_digit())
    }) else {
        return false;
    };
    let cmdline = std::fs::read(format!("/proc/{pid}/cmdline")).unwrap_or_default();
    out.status.success() && !String::from_utf8_lossy(&cmdline).contains("integration")
}

/// Makes `name` present on the engine. True when this process now shares our fixture
/// tag and must `release` it; false when `name` is an image of someone else's, used as
/// it is and never touched.
pub fn acquire(name: &str) -> bool {
    let id = cached(name);
    locked("tags", || match image_id(name) {
        Some(current) if current == id => {
            std::fs::write(user_file(name, std::process::id()), "").unwrap();
            true
        }
        // A tag of ours that no running test holds (left by an interrupted run, or an
        // older recipe): point it at the current image.
        Some(_) if is_fixture(name) && !others_use(name) => {
            crate::support::docker(&["tag", &id, name]);
            std::fs::write(user_file(name, std::process::id()), "").unwrap();
            true
        }
        // A stand-in left by a test process that has ended (its label names the
        // process): its owner would have removed it; nobody else uses it.
        Some(_) if left_by_ended_test(name) => {
            let _ = writeln!(std::io::stderr(), "fixtures: `{name}` was left by an ended test run; replacing it");
            let _ = docker_status(&["rmi", name]);
            crate::support::docker(&["tag", &id, name]);
            std::fs::write(user_file(name, std::process::id()), "").unwrap();
            true
        }
        Some(_) => false,
        None => {
            crate::support::docker(&["tag", &id, name]);
            std::fs::write(user_file(name, std::process::id()), "").unwrap();
            true
        }
    })
}

/// Runs `f` while no image is named `name`, holding the tag lock so that no test
/// process tags it meanwhile. A fixture of that name that other tests hold is waited
/// for (up to `limit`); an image of that name that is not a fixture fails the test,
/// since it is not the test's to remove.
#[track_caller]
pub fn while_absent<T>(name: &str, limit: std::time::Duration, f: impl FnOnce() -> T) -> T {
    let start = std::time::Instant::now();
    let mut f = Some(f);
    loop {
        let done = locked("tags", || image_id(name).is_none().then(|| (f.take().expect("run once"))()));
        if let Some(value) = done {
            return value;
        }
        assert!(
            is_fixture(name),
            "`{name}` is on this engine and is not a test fixture: this test needs it absent and removes only \
             what it made (remove it by hand, or run on another engine)"
        );
        assert!(start.elapsed() < limit, "waited {limit:?} for other tests to release `{name}`");
        std::thread::sleep(std::time::Duration::from_millis(200));
    }
}

/// This process is done with `name`: its tag goes when no other test process uses it
/// (the cached image stays for the next run).
pub fn release(name: &str) {
    locked("tags", || {
        let _ = std::fs::remove_file(user_file(name, std::process::id()));
        if !others_use(name) && is_fixture(name) {
            let _ = docker_status(&["rmi", name]);
        }
    });
}
