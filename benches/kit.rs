//! Kit throughput against the engine's own tools, on the same image: `dockerlearn kit
//! save` vs `docker save -o`, and `dockerlearn kit load` vs `docker load -i`, in MB/s of
//! file written or read. Run with `cargo bench --bench kit`. It builds one labelled
//! ~100 MB fixture image (busybox plus random data) and removes it afterwards.

use std::process::Command;
use std::time::Instant;

const IMAGE: &str = "dockerlearn-kit-bench:latest";
const ROUNDS: usize = 3;

fn docker(args: &[&str]) {
    let out = Command::new("docker").args(args).output().expect("docker runs");
    assert!(out.status.success(), "docker {args:?}: {}", String::from_utf8_lossy(&out.stderr));
}

fn run(cmd: &mut Command) -> f64 {
    let t = Instant::now();
    let out = cmd.output().expect("runs");
    assert!(
        out.status.success(),
        "{cmd:?}: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    t.elapsed().as_secs_f64()
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    v[v.len() / 2]
}

fn main() {
    if std::env::args().any(|a| a == "--list") {
        return;
    }
    let present = Command::new("docker").args(["image", "inspect", IMAGE]).output().unwrap().status.success();
    assert!(!present, "{IMAGE} exists already; it is not this bench's to use");
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("root");
    std::fs::create_dir_all(root.join("bin")).unwrap();
    std::fs::copy("/bin/busybox", root.join("bin/busybox")).expect("busybox-static is installed");
    // Incompressible data, as real image layers mostly are.
    let mut data = vec![0u8; 100 << 20];
    let mut x: u64 = 0x9e3779b97f4a7c15;
    for chunk in data.chunks_mut(8) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        chunk.copy_from_slice(&x.to_le_bytes()[..chunk.len()]);
    }
    std::fs::write(root.join("data.bin"), &data).unwrap();
    let tar = dir.path().join("fs.tar");
    assert!(Command::new("tar").arg("-C").arg(&root).arg("-cf").arg(&tar).arg(".").status().unwrap().success());
    docker(&["import", "--change", "LABEL org.dockerlearn.test=bench", tar.to_str().unwrap(), IMAGE]);

    // A course of one lesson that needs exactly this image.
    let course = dir.path().join("course");
    std::fs::create_dir_all(course.join("lessons")).unwrap();
    std::fs::create_dir_all(course.join("checks")).unwrap();
    std::fs::write(course.join("lessons/course.yaml"), "format_version: 1\nid: bench\ntitle: Bench\nlessons:\n  - b\n")
        .unwrap();
    std::fs::write(
        course.join("lessons/b.md"),
        format!("---\ntitle: B\nimages: [{IMAGE}]\n---\n## Run {{#run}}\n```sh run\ndocker run {IMAGE}\n```\n"),
    )
    .unwrap();
    std::fs::write(
        course.join("checks/b.yaml"),
        format!("format_version: 1\ncheckpoints:\n  run:\n    - kind: image\n      image: {IMAGE}\n"),
    )
    .unwrap();

    let bin = env!("CARGO_BIN_EXE_dockerlearn");
    let kit = dir.path().join("b.kit");
    let plain = dir.path().join("b.tar");
    let dl = || {
        let mut c = Command::new(bin);
        c.env("DOCKERLEARN_LESSONS", &course);
        c
    };
    let (mut kit_save, mut docker_save, mut kit_load, mut docker_load) = (vec![], vec![], vec![], vec![]);
    for _ in 0..ROUNDS {
        kit_save.push(run(dl().args(["kit", "save"]).arg(&kit)));
        docker_save.push(run(Command::new("docker").args(["save", "-o"]).arg(&plain).arg(IMAGE)));
        docker(&["rmi", IMAGE]);
        kit_load.push(run(dl().args(["kit", "load"]).arg(&kit)));
        docker(&["rmi", IMAGE]);
        docker_load.push(run(Command::new("docker").args(["load", "-i"]).arg(&plain)));
    }
    let kit_mb = std::fs::metadata(&kit).unwrap().len() as f64 / 1e6;
    let tar_mb = std::fs::metadata(&plain).unwrap().len() as f64 / 1e6;
    println!("image file: kit {kit_mb:.1} MB, docker save {tar_mb:.1} MB; median of {ROUNDS} rounds");
    let row = |what: &str, mb: f64, t: f64| println!("  {what:<22} {t:>6.3} s  {:>7.1} MB/s", mb / t);
    row("dockerlearn kit save", kit_mb, median(kit_save));
    row("docker save -o", tar_mb, median(docker_save));
    row("dockerlearn kit load", kit_mb, median(kit_load));
    row("docker load -i", tar_mb, median(docker_load));
    docker(&["rmi", IMAGE]);
}
