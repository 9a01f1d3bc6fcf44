//! The unit tests of `verify`.

use super::*;

/// What the shim hands the real `docker` for `args`, with an `echo` in its place.
fn passed_on(args: &[&str]) -> (bool, String) {
    let dir = tempfile::tempdir().unwrap();
    let real = dir.path().join("real-docker");
    std::fs::write(&real, "#!/bin/sh\necho \"$@\"\n").unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&real, std::fs::Permissions::from_mode(0o755)).unwrap();
    let shim_dir = tempfile::tempdir().unwrap();
    shim(shim_dir.path(), &real, "org.dockerlearn.verify=run1").unwrap();
    let out = Command::new(shim_dir.path().join("docker")).args(args).output().unwrap();
    (out.status.success(), String::from_utf8_lossy(&out.stdout).trim().to_owned())
}

#[test]
fn prunes_reach_only_what_the_run_made() {
    let filter = "--filter label=org.dockerlearn.verify=run1";
    for (args, want) in [
        (&["volume", "prune", "-f"][..], format!("volume prune {filter} -f")),
        (&["network", "prune", "-f"], format!("network prune {filter} -f")),
        (&["image", "prune", "-af"], format!("image prune {filter} -af")),
        (&["system", "prune", "-af"], format!("system prune {filter} -af")),
        (&["container", "prune", "-f"], format!("container prune {filter} -f")),
    ] {
        assert_eq!(passed_on(args), (true, want));
    }
    let (ok, out) = passed_on(&["builder", "prune", "-af"]);
    assert!(!ok && out.is_empty(), "the build cache is not the run's to prune");
    assert_eq!(passed_on(&["volume", "create", "v"]).1, "volume create --label org.dockerlearn.verify=run1 v");
    assert_eq!(passed_on(&["volume", "rm", "v"]).1, "volume rm v");
}

#[test]
fn builds_remove_their_containers_and_keep_their_output() {
    let flags = "--force-rm --label org.dockerlearn.verify=run1";
    for (args, want) in [
        (&["build", "-t", "x", "."][..], format!("build {flags} -t x .")),
        (&["image", "build", "."], format!("image build {flags} .")),
        (&["builder", "build", "."], format!("builder build {flags} .")),
    ] {
        assert_eq!(passed_on(args), (true, want));
    }
    // The exit status of the real `docker` is the shim's, and its output is kept.
    let dir = tempfile::tempdir().unwrap();
    let real = dir.path().join("real-docker");
    std::fs::write(&real, "#!/bin/sh\necho Step 1/1 : FROM busybox\nexit 3\n").unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&real, std::fs::Permissions::from_mode(0o755)).unwrap();
    let shim_dir = tempfile::tempdir().unwrap();
    shim(shim_dir.path(), &real, "org.dockerlearn.verify=run1").unwrap();
    let out = Command::new(shim_dir.path().join("docker")).args(["build", "."]).output().unwrap();
    assert_eq!(out.status.code(), Some(3));
    assert_eq!(String::from_utf8_lossy(&out.stdout), "Step 1/1 : FROM busybox\n");
    let kept = std::fs::read_to_string(shim_dir.path().join(BUILDS_LOG)).unwrap();
    assert_eq!(kept, "Step 1/1 : FROM busybox\n");
    let left: Vec<_> = std::fs::read_dir(shim_dir.path()).unwrap().map(|e| e.unwrap().file_name()).collect();
    assert_eq!(left.len(), 2, "only the shim and its log: {left:?}");
}
