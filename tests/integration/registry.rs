//! commit-share's registry steps against a real registry (Debian's `docker-registry`
//! as `registry:2`) on `localhost:5000`: the checkpoints read what the registry holds
//! and what the engine pulled, so a registry on another port, a push of another name,
//! a pull that removed nothing and a name put back without a pull all fail.

use crate::support::{Image, Sandbox, docker, fixed_names};
use crate::tight::{LabelledImages, absent, begin, check_in, passes, passes_soon, sh};

#[test]
fn push_and_pull_go_through_the_learners_registry() {
    let _images = [Image::acquire("alpine:3.22"), Image::acquire("registry:2")];
    let _names = fixed_names();
    for name in ["mytools:v1", "localhost:5000/mytools:v1", "localhost:5000/other:v1"] {
        absent(name);
    }
    let sb = Sandbox::new();
    let _made = LabelledImages(sb.label.clone());
    let dir = tempfile::tempdir().unwrap();
    let dir = dir.path();
    sh(&sb, dir, "docker run --name tools alpine:3.22 apk add --no-cache curl && docker commit tools mytools:v1");
    docker(&["tag", "mytools:v1", "localhost:5000/mytools:v1"]);

    begin(&sb, "commit-share", "registry");
    assert!(!passes(&sb, "commit-share/registry", dir), "passes before a registry runs");
    // Running, but not where the image's name says.
    sh(&sb, dir, "docker run -d -p 5001:5000 --name registry registry:2");
    std::thread::sleep(std::time::Duration::from_secs(1));
    let v = check_in(&sb, "commit-share/registry", dir);
    assert_eq!(v["passed"], false, "passes with the registry on 5001: {v}");
    docker(&["rm", "-f", "-v", "registry"]);
    sh(&sb, dir, "docker run -d -p 5000:5000 --name registry registry:2");
    passes_soon(&sb, "commit-share/registry", dir);

    begin(&sb, "commit-share", "push");
    assert!(!passes(&sb, "commit-share/push", dir), "passes before a push");
    sh(&sb, dir, "docker tag mytools:v1 localhost:5000/other:v1 && docker push localhost:5000/other:v1");
    assert!(!passes(&sb, "commit-share/push", dir), "passes after a push of another name");
    sh(&sb, dir, "docker push localhost:5000/mytools:v1");
    passes_soon(&sb, "commit-share/push", dir);

    begin(&sb, "commit-share", "pull");
    assert!(!passes(&sb, "commit-share/pull", dir), "passes before a pull");
    // Pulled, but the local copy was never removed.
    sh(&sb, dir, "docker pull localhost:5000/mytools:v1");
    assert!(!passes(&sb, "commit-share/pull", dir), "passes with the local copy still there");
    // The local name removed, but nothing pulled since.
    begin(&sb, "commit-share", "pull");
    sh(&sb, dir, "docker rmi mytools:v1 localhost:5000/other:v1");
    assert!(!passes(&sb, "commit-share/pull", dir), "passes without a pull");
    sh(&sb, dir, "docker rmi localhost:5000/mytools:v1 && docker pull localhost:5000/mytools:v1");
    passes_soon(&sb, "commit-share/pull", dir);
    // The pull downloaded it: the registry's digest is the image's.
    let digests = docker(&["image", "inspect", "-f", "{{json .RepoDigests}}", "localhost:5000/mytools:v1"]);
    assert!(digests.contains("localhost:5000/mytools@sha256:"), "{digests}");
}
