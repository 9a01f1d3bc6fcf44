//! The shipped course on every engine learners run (see `engines`): `verify` proves each
//! checkpoint fails before its step and passes after, and lessons are walked in the
//! REPL, as a learner at that engine would.

use crate::engines::{Engine, Kind};

/// `dockerlearn verify` of the whole shipped course on `kind`: every step proven.
fn verify_course(kind: Kind) {
    let engine = Engine::take(kind);
    let began = std::time::Instant::now();
    let ran = engine.dl(&["verify"]);
    let _ = std::io::Write::write_fmt(
        &mut std::io::stderr(),
        format_args!("on_engines: verify on {kind:?}: {:.0} s\n", began.elapsed().as_secs_f64()),
    );
    assert!(
        ran.code == 0 && ran.stdout.contains(" steps, 0 failed"),
        "verify on {kind:?} (exit {}):\n{}\n{}",
        ran.code,
        ran.stdout,
        ran.stderr
    );
}

#[test]
fn verify_the_course_on_docker_26() {
    verify_course(Kind::Docker);
}

#[test]
fn verify_the_course_on_docker_26_with_the_containerd_store() {
    verify_course(Kind::Containerd);
}

#[test]
fn verify_the_course_on_podman_5() {
    verify_course(Kind::Podman);
}
