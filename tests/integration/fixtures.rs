//! Stand-ins for the images the course uses, built from Debian's busybox-static with
//! `docker import` (no registry is reachable here). Each behaves like the real image
//! where the lessons' checkpoints look: the same names, ports, entrypoints, output and
//! files. They are test fixtures, labelled with the run id, never the real thing.

use crate::support::{LABEL_KEY, docker, run_id};
use std::path::Path;
use std::process::Command;

/// Every image the shipped course needs.
pub const NAMES: &[&str] =
    &["hello-world:latest", "busybox:latest", "alpine:3.20", "python:3.12-slim", "postgres:16-alpine", "nginx:alpine"];

const PATH: &str = "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

/// Files beyond busybox: (path, content), all executable scripts unless `.html`.
fn files(name: &str) -> Vec<(&'static str, &'static str)> {
    match name {
        "alpine:3.20" => vec![(
            "sbin/apk",
            r#"#!/bin/sh
# Fixture: Alpine's apk without a network; `apk add PKG` installs a stub PKG.
[ "$1" = add ] || { echo "apk (fixture): only 'add' is supported" >&2; exit 1; }
shift
for p in "$@"; do
  case "$p" in -*) continue ;; esac
  printf '#!/bin/sh\necho "%s 8.9.1 (fixture)"\n' "$p" > "/usr/bin/$p"
  chmod +x "/usr/bin/$p"
  echo "(1/1) Installing $p (fixture)"
done
echo "OK: fixture"
"#,
        )],
        "python:3.12-slim" => vec![
            (
                "usr/local/bin/python",
                r#"#!/bin/sh
# Fixture: CPython where the course uses it (version, -c, -m http.server).
case "$1" in
  --version|-V) echo "Python 3.12.7" ;;
  -c) echo "python (fixture) ran: $2" ;;
  -m)
    [ "$2" = http.server ] || { echo "No module named $2" >&2; exit 1; }
    port="${3:-8000}"
    echo "Serving HTTP on 0.0.0.0 port $port (http://0.0.0.0:$port/) ..."
    trap 'exit 0' TERM INT
    httpd -f -p "$port" &
    wait ;;
  "") echo "Python 3.12.7 (fixture)"; cat > /dev/null ;;
  *) echo "python (fixture): $*" ;;
esac
"#,
            ),
            ("usr/local/bin/python3", "#!/bin/sh\nexec /usr/local/bin/python \"$@\"\n"),
            ("bin/bash", "#!/bin/sh\nexec /bin/sh \"$@\"\n"),
        ],
        "postgres:16-alpine" => vec![
            (
                "usr/local/bin/docker-entrypoint.sh",
                r#"#!/bin/sh
# Fixture: the postgres image's start-up, as the course observes it.
if [ -z "$POSTGRES_PASSWORD" ]; then
  echo "Error: Database is uninitialized and superuser password is not specified." >&2
  exit 1
fi
echo "PostgreSQL init process complete; ready for start up."
echo "LOG:  database system is ready to accept connections"
trap 'exit 0' TERM INT
sleep 2147483647 &
wait
"#,
            ),
            ("usr/local/bin/pg_isready", "#!/bin/sh\necho \"/var/run/postgresql:5432 - accepting connections\"\n"),
            ("usr/local/bin/psql", "#!/bin/sh\necho \" PostgreSQL 16.4 (fixture)\"\n"),
        ],
        "nginx:alpine" => vec![
            (
                "docker-entrypoint.sh",
                r#"#!/bin/sh
# Fixture: serves /usr/share/nginx/html on port 80, as nginx does.
trap 'exit 0' TERM INT
httpd -f -p 80 -h /usr/share/nginx/html &
wait
"#,
            ),
            (
                "usr/share/nginx/html/index.html",
                "<!DOCTYPE html>\n<html><head><title>Welcome to nginx!</title></head>\n<body><h1>Welcome to nginx!</h1></body></html>\n",
            ),
        ],
        _ => vec![],
    }
}

/// `docker import --change` lines: the image's configuration.
fn config(name: &str) -> Vec<String> {
    let mut c = vec![format!("LABEL {LABEL_KEY}={}", run_id()), format!("ENV {PATH}")];
    c.extend(
        match name {
            "hello-world:latest" => vec![
                r#"CMD ["/bin/busybox","sh","-c","echo; echo 'Hello from Docker!'; echo 'This message shows that your installation appears to be working correctly.'"]"#,
            ],
            "python:3.12-slim" => vec![r#"CMD ["python3"]"#],
            "postgres:16-alpine" => {
                vec![r#"ENTRYPOINT ["docker-entrypoint.sh"]"#, r#"CMD ["postgres"]"#, "EXPOSE 5432"]
            }
            "nginx:alpine" => vec![
                r#"ENTRYPOINT ["/docker-entrypoint.sh"]"#,
                r#"CMD ["nginx","-g","daemon off;"]"#,
                "EXPOSE 80",
            ],
            _ => vec![r#"CMD ["sh"]"#],
        }
        .into_iter()
        .map(str::to_owned),
    );
    c
}

/// Builds the fixture `name` (about half a second).
pub fn build(name: &str) {
    let busybox = ["/bin/busybox", "/usr/bin/busybox"]
        .into_iter()
        .find(|p| Path::new(p).exists())
        .expect("busybox-static is installed (apt-get install busybox-static)");
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("rootfs");
    for d in ["bin", "sbin", "usr/bin", "usr/sbin", "usr/local/bin", "tmp", "etc", "root", "var"] {
        std::fs::create_dir_all(root.join(d)).unwrap();
    }
    std::fs::copy(busybox, root.join("bin/busybox")).unwrap();
    let applets = Command::new(busybox).arg("--list").output().unwrap().stdout;
    for applet in String::from_utf8_lossy(&applets).lines().filter(|a| *a != "busybox") {
        let _ = std::os::unix::fs::symlink("busybox", root.join("bin").join(applet));
    }
    for (path, content) in files(name) {
        let p = root.join(path);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(&p, content).unwrap();
        if !path.ends_with(".html") {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o755)).unwrap();
        }
    }
    let tar = dir.path().join("rootfs.tar");
    let ok = Command::new("tar").arg("-C").arg(&root).arg("-cf").arg(&tar).arg(".").status().unwrap();
    assert!(ok.success());
    let mut args: Vec<String> = vec!["import".into()];
    for c in config(name) {
        args.push("--change".into());
        args.push(c);
    }
    args.push(tar.to_str().unwrap().into());
    args.push(name.into());
    let refs: Vec<&str> = args.iter().map(String::as_str).collect();
    docker(&refs);
}
