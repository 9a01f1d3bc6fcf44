//! What a flag's value or an argument means, in plain words: ports (`-p A:B`: which
//! side is the host), mounts (`-v A:B`), environment variables, image references.

use crate::reference::ImageRef;

/// The meaning of a flag's value, by the kind the knowledge file gives it.
pub fn value(kind: &str, v: &str) -> Option<String> {
    match kind {
        "port" => Some(port(v)),
        "volume" => Some(volume(v)),
        "env" => Some(env(v)),
        "mount" => Some(mount(v)),
        "image" => Some(image(v)),
        _ => None,
    }
}

/// `[IP:]HOST:CONTAINER[/PROTO]` or `CONTAINER[/PROTO]`.
pub fn port(v: &str) -> String {
    let (spec, proto) = v.rsplit_once('/').unwrap_or((v, "tcp"));
    let parts: Vec<&str> = spec.rsplitn(3, ':').collect();
    match parts.as_slice() {
        [container] => format!(
            "port {container} ({proto}) in the container is published on a random free port of the host \
             (your computer); `docker port CONTAINER` shows which"
        ),
        [container, host] => format!(
            "host port {host} (on your computer, every address) reaches port {container} ({proto}) in the container{}",
            url(host, proto)
        ),
        [container, host, ip] => {
            let host_side =
                if host.is_empty() { "a random free host port".to_owned() } else { format!("host port {host}") };
            format!(
                "{host_side} on the host's address {ip} only reaches port {container} ({proto}) in the container{}",
                url(host, proto)
            )
        }
        _ => format!("`{v}`: not a port mapping dockerlearn can read"),
    }
}

fn url(host: &str, proto: &str) -> String {
    if proto == "tcp" && !host.is_empty() && host.chars().all(|c| c.is_ascii_digit()) {
        format!("; a web server there is at http://localhost:{host}")
    } else {
        String::new()
    }
}

/// Whether the source of `-v SOURCE:DEST` is a host path rather than a volume's name.
pub fn is_host_path(source: &str) -> bool {
    source.contains('/') || source.starts_with(['.', '~', '$'])
}

fn host_path(p: &str) -> String {
    match p {
        "$PWD" | "$(pwd)" | "." => format!("{p} (the current folder)"),
        _ if p.starts_with("$PWD/") || p.starts_with("$(pwd)/") => format!("{p} (in the current folder)"),
        _ => p.to_owned(),
    }
}

/// `SOURCE:DEST[:OPTIONS]` or `DEST`.
pub fn volume(v: &str) -> String {
    let parts: Vec<&str> = v.split(':').collect();
    let (source, dest, opts) = match parts.as_slice() {
        [dest] => return format!("a new anonymous volume (a nameless one) is mounted at {dest} in the container"),
        [s, d] => (*s, *d, ""),
        [s, d, o] => (*s, *d, *o),
        _ => return format!("`{v}`: not a mount dockerlearn can read"),
    };
    let access = if opts.split(',').any(|o| o == "ro") { "read-only" } else { "read and write" };
    if is_host_path(source) {
        format!(
            "a bind mount of the host folder {}, which appears in the container at {dest} ({access}); changes on either side show on the other",
            host_path(source)
        )
    } else {
        format!(
            "the volume {source} (created if it does not exist) is mounted at {dest} in the container ({access}); its data outlives the container"
        )
    }
}

/// `KEY=VALUE` or `KEY`.
pub fn env(v: &str) -> String {
    match v.split_once('=') {
        Some((k, val)) => format!("{k}, set to `{val}`"),
        None => format!("{v}, with the value it has in your shell now"),
    }
}

/// What a `--mount` value says, field by field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MountSpec<'a> {
    /// `volume` (the default), `bind` or `tmpfs`.
    pub kind: &'static str,
    pub source: Option<&'a str>,
    pub target: Option<&'a str>,
    pub read_only: bool,
}

/// Reads `type=bind,source=A,target=B,readonly`.
pub fn mount_spec(v: &str) -> MountSpec<'_> {
    let mut spec = MountSpec { kind: "volume", source: None, target: None, read_only: false };
    for field in v.split(',') {
        let (k, val) = field.split_once('=').unwrap_or((field, ""));
        match k {
            "type" => {
                spec.kind = match val {
                    "bind" => "bind",
                    "tmpfs" => "tmpfs",
                    _ => "volume",
                }
            }
            "source" | "src" => spec.source = Some(val),
            "target" | "destination" | "dst" => spec.target = Some(val),
            "readonly" | "ro" => spec.read_only = val.is_empty() || val == "true" || val == "1",
            _ => {}
        }
    }
    spec
}

/// The volume a `-v` or `--mount` value names, if it names one (not a host folder,
/// not an anonymous volume, not tmpfs).
pub fn named_volume(flag_value: &str, long_form: bool) -> Option<&str> {
    let source = if long_form {
        let spec = mount_spec(flag_value);
        spec.source.filter(|_| spec.kind == "volume")?
    } else {
        match flag_value.split(':').collect::<Vec<_>>().as_slice() {
            [s, _] | [s, _, _] => *s,
            _ => return None,
        }
    };
    (!source.is_empty() && !is_host_path(source)).then_some(source)
}

/// `type=bind,source=A,target=B,readonly`.
pub fn mount(v: &str) -> String {
    let MountSpec { kind, source, target, read_only } = mount_spec(v);
    let dest = target.unwrap_or("(no target given)");
    let access = if read_only { "read-only" } else { "read and write" };
    match (kind, source) {
        ("bind", Some(s)) => {
            format!(
                "a bind mount of the host folder {}, which appears in the container at {dest} ({access})",
                host_path(s)
            )
        }
        ("tmpfs", _) => format!("a folder in memory at {dest}, gone when the container stops"),
        (_, Some(s)) => format!("the volume {s} is mounted at {dest} in the container ({access})"),
        (_, None) => format!("a new anonymous volume is mounted at {dest} in the container ({access})"),
    }
}

/// An image reference: registry, repository and tag.
pub fn image(v: &str) -> String {
    if v.starts_with('$') {
        return format!("the image named by {v}");
    }
    let r = ImageRef::parse(v);
    let registry = if r.domain == "docker.io" { "Docker Hub (docker.io)".to_owned() } else { r.domain.clone() };
    let repository = match r.path.strip_prefix("library/") {
        Some(name) if r.domain == "docker.io" => format!("{name} (an official image, library/{name})"),
        _ => r.path.clone(),
    };
    let version = match (&r.tag, &r.digest) {
        (_, Some(d)) => format!("exactly the content {d}"),
        (Some(t), None) if v.ends_with(&format!(":{t}")) => format!("tag {t}"),
        _ => "tag latest (no tag given, so latest)".to_owned(),
    };
    format!("registry {registry}, repository {repository}, {version}")
}

/// `CONTAINER:PATH` (inside a container) or a host path, as `docker cp` reads them.
pub fn copy_end(v: &str) -> String {
    match v.split_once(':') {
        Some((c, p)) if !c.contains('/') && !c.is_empty() => format!("the path {p} inside the container {c}"),
        _ => format!("the path {} on the host", host_path(v)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ports_say_which_side_is_the_host() {
        assert!(port("8080:80").starts_with("host port 8080 (on your computer, every address) reaches port 80 (tcp)"));
        assert!(port("8080:80").ends_with("http://localhost:8080"));
        assert!(port("127.0.0.1:5432:5432").contains("host port 5432 on the host's address 127.0.0.1 only"));
        assert!(port("53:53/udp").contains("port 53 (udp) in the container") && !port("53:53/udp").contains("http"));
        assert!(port("80").contains("random free port of the host"));
    }

    #[test]
    fn mounts_say_which_side_is_the_host() {
        assert!(volume("$PWD:/work").starts_with(
            "a bind mount of the host folder $PWD (the current folder), which appears in the container at /work (read and write)"
        ));
        assert!(volume("data:/var/lib/x:ro").starts_with(
            "the volume data (created if it does not exist) is mounted at /var/lib/x in the container (read-only)"
        ));
        assert!(volume("/cache").contains("anonymous"));
        assert!(
            mount("type=bind,source=/src,target=/app,readonly")
                .contains("host folder /src, which appears in the container at /app (read-only)")
        );
        assert!(mount("source=v,target=/d").contains("the volume v is mounted at /d"));
        assert_eq!(named_volume("data:/var/lib/x:ro", false), Some("data"));
        assert_eq!(named_volume("$PWD:/work", false), None);
        assert_eq!(named_volume("/cache", false), None);
        assert_eq!(named_volume("type=volume,src=v,dst=/d", true), Some("v"));
        assert_eq!(named_volume("type=bind,source=/src,target=/app", true), None);
    }

    #[test]
    fn images_and_env() {
        assert_eq!(
            image("quay.io/jupyter/minimal-notebook"),
            "registry quay.io, repository jupyter/minimal-notebook, tag latest (no tag given, so latest)"
        );
        assert_eq!(
            image("python:3.12-slim"),
            "registry Docker Hub (docker.io), repository python (an official image, library/python), tag 3.12-slim"
        );
        assert_eq!(env("A=1"), "A, set to `1`");
        assert!(env("HOME").contains("value it has in your shell"));
        assert_eq!(copy_end("web:/etc/x"), "the path /etc/x inside the container web");
        assert_eq!(copy_end("./x"), "the path ./x on the host");
    }
}
