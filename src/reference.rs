//! Image references as the engine understands them, so `hello-world`,
//! `hello-world:latest` and `docker.io/library/hello-world:latest` are one image.

use std::fmt;

/// A parsed image reference in its fully qualified form.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ImageRef {
    /// Registry host, `docker.io` for Docker Hub.
    pub domain: String,
    /// Repository path, with `library/` for Docker Hub's official images.
    pub path: String,
    pub tag: Option<String>,
    pub digest: Option<String>,
}

impl ImageRef {
    /// Parses what a user would type after `docker run`. Never fails: the engine is
    /// the judge of validity, this only makes equal references compare equal.
    pub fn parse(reference: &str) -> ImageRef {
        let reference = reference.trim();
        let (name, digest) = match reference.split_once('@') {
            Some((n, d)) => (n, Some(d.to_owned())),
            None => (reference, None),
        };
        let (name, tag) = match name.rfind(':') {
            Some(i) if !name[i + 1..].contains('/') => (&name[..i], Some(name[i + 1..].to_owned())),
            _ => (name, None),
        };
        let (domain, path) = match name.split_once('/') {
            Some((first, rest)) if first.contains('.') || first.contains(':') || first == "localhost" => {
                (first.to_owned(), rest.to_owned())
            }
            _ => ("docker.io".to_owned(), name.to_owned()),
        };
        let domain = if domain == "index.docker.io" { "docker.io".to_owned() } else { domain };
        let path = if domain == "docker.io" && !path.contains('/') { format!("library/{path}") } else { path };
        let tag = match (&tag, &digest) {
            (None, None) => Some("latest".to_owned()),
            _ => tag,
        };
        ImageRef { domain, path, tag, digest }
    }

    /// The path of a repository named without a registry: Docker's (`docker.io`, with
    /// `library/` for one word) or Podman's (`localhost`). None for other registries.
    fn unqualified(&self) -> Option<&str> {
        match self.domain.as_str() {
            "docker.io" => Some(self.path.strip_prefix("library/").unwrap_or(&self.path)),
            "localhost" => Some(&self.path),
            _ => None,
        }
    }

    /// The repository without tag or digest, fully qualified.
    pub fn repository(&self) -> String {
        format!("{}/{}", self.domain, self.path)
    }

    /// The short form people type: `python:3.12`, `quay.io/jupyter/base-notebook:latest`.
    pub fn familiar(&self) -> String {
        let repo = if self.domain == "docker.io" {
            self.path.strip_prefix("library/").unwrap_or(&self.path).to_owned()
        } else {
            self.repository()
        };
        let mut s = repo;
        if let Some(t) = &self.tag {
            s.push(':');
            s.push_str(t);
        }
        if let Some(d) = &self.digest {
            s.push('@');
            s.push_str(d);
        }
        s
    }

    /// Whether `other` names the same image. A reference without a digest matches one
    /// with it when repository and tag agree.
    /// Podman names an image built or committed without a registry `localhost/NAME`,
    /// and finds it by `NAME`: there the two are one image.
    pub fn matches(&self, other: &ImageRef) -> bool {
        if self.repository() != other.repository() && self.unqualified() != other.unqualified() {
            return false;
        }
        match (&self.digest, &other.digest) {
            (Some(a), Some(b)) => a == b,
            _ => self.tag == other.tag || self.tag.is_none() || other.tag.is_none(),
        }
    }
}

impl fmt::Display for ImageRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.familiar())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn podmans_localhost_names_are_the_short_names() {
        let built = ImageRef::parse("localhost/test:pipeline");
        assert!(built.matches(&ImageRef::parse("test:pipeline")));
        assert!(ImageRef::parse("docker.io/library/test:pipeline").matches(&built));
        assert!(ImageRef::parse("localhost/team/app:1").matches(&ImageRef::parse("team/app:1")));
        assert!(!built.matches(&ImageRef::parse("test:other")));
        // A registry on a port is a registry: not the same image.
        assert!(!ImageRef::parse("localhost:5000/test:pipeline").matches(&ImageRef::parse("test:pipeline")));
        assert!(!ImageRef::parse("quay.io/test:pipeline").matches(&ImageRef::parse("test:pipeline")));
    }

    #[test]
    fn short_and_long_forms_are_one_image() {
        let a = ImageRef::parse("hello-world");
        assert_eq!(a, ImageRef::parse("hello-world:latest"));
        assert_eq!(a, ImageRef::parse("docker.io/library/hello-world:latest"));
        assert_eq!(a, ImageRef::parse("index.docker.io/library/hello-world"));
        assert_eq!(a.familiar(), "hello-world:latest");
    }

    #[test]
    fn registries_ports_and_digests() {
        let r = ImageRef::parse("localhost:5000/team/app:1.2");
        assert_eq!(r.domain, "localhost:5000");
        assert_eq!(r.path, "team/app");
        assert_eq!(r.tag.as_deref(), Some("1.2"));
        let q = ImageRef::parse("quay.io/jupyter/base-notebook");
        assert_eq!(q.familiar(), "quay.io/jupyter/base-notebook:latest");
        let d = ImageRef::parse("busybox@sha256:abc");
        assert_eq!(d.tag, None);
        assert_eq!(d.digest.as_deref(), Some("sha256:abc"));
        assert!(ImageRef::parse("busybox:1.36@sha256:abc").matches(&d));
    }

    #[test]
    fn different_tags_differ() {
        assert!(!ImageRef::parse("python:3.12").matches(&ImageRef::parse("python:3.11")));
        assert!(!ImageRef::parse("user/python").matches(&ImageRef::parse("python")));
        assert_eq!(ImageRef::parse("docker/whalesay").familiar(), "docker/whalesay:latest");
    }
}
