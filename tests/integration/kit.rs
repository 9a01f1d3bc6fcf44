//! `prepare` with no registry, and the offline kit: save, remove the images, load, and
//! the lessons' checkpoints pass again; damaged, altered and crafted kits load nothing
//! they should not and move no tag. Every image here has a name unique to this run and
//! is removed by id at the end.

use crate::support::{LABEL_KEY, Test, course_dir, docker, docker_status, run_id};
use sha2::{Digest, Sha256};
use std::cell::RefCell;
use std::path::Path;

fn exists(image: &str) -> bool {
    docker_status(&["image", "inspect", image]).status.success()
}

fn id_of(image: &str) -> Option<String> {
    let out = docker_status(&["image", "inspect", "-f", "{{.Id}}", image]);
    out.status.success().then(|| String::from_utf8_lossy(&out.stdout).trim().to_owned())
}

/// A name no other run uses: `dl-kit-<run>-<what>:v1`.
fn unique(what: &str) -> String {
    format!("dl-kit-{}-{what}:v1", run_id())
}

/// Tiny images this test made (one file each), removed by id when it ends, and only
/// if they carry this run's label.
#[derive(Default)]
struct Made {
    ids: RefCell<Vec<String>>,
}

impl Made {
    /// `docker import` of one file holding `content`, tagged `name`: its id.
    fn image(&self, name: &str, content: &str) -> String {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("content.txt"), content).unwrap();
        let tar = dir.path().join("fs.tar");
        let ok = std::process::Command::new("tar")
            .arg("-C")
            .arg(dir.path())
            .args(["-cf"])
            .arg(&tar)
            .arg("content.txt")
            .status()
            .unwrap();
        assert!(ok.success());
        let label = format!("LABEL {LABEL_KEY}={}", run_id());
        let id = docker(&["import", "--change", &label, "--change", "CMD [\"/x\"]", tar.to_str().unwrap(), name]);
        let id = id.trim().to_owned();
        self.ids.borrow_mut().push(id.clone());
        id
    }
}

impl Drop for Made {
    fn drop(&mut self) {
        for id in self.ids.borrow().iter() {
            let label = docker_status(&[
                "image",
                "inspect",
                "-f",
                &format!("{{{{index .Config.Labels \"{LABEL_KEY}\"}}}}"),
                id,
            ]);
            if String::from_utf8_lossy(&label.stdout).trim() == run_id() {
                let _ = docker_status(&["rmi", "-f", id]);
            }
        }
    }
}

/// A course of one lesson that needs `images`; its step passes when the first is there.
fn course(images: &[&str]) -> tempfile::TempDir {
    let first = images[0];
    course_dir(&[
        ("lessons/course.yaml", "format_version: 1\nid: kitted\ntitle: Kitted\nlessons:\n  - a\n"),
        (
            "lessons/01-a.md",
            &format!(
                "---\ntitle: A\nimages: [{}]\n---\nIntro.\n## Run {{#run}}\nRun it.\n```sh run\n{}\n```\n",
                images.join(", "),
                images.iter().map(|i| format!("docker run {i}")).collect::<Vec<_>>().join("\n")
            ),
        ),
        (
            "checks/a.yaml",
            &format!("format_version: 1\ncheckpoints:\n  run:\n    - kind: image\n      image: {first}\n"),
        ),
    ])
}

fn dl(course: &Path) -> Test {
    Test::new().env("DOCKERLEARN_LESSONS", course)
}

/// A kit's entries: images.tar, the manifest, the signature if any.
fn read_kit(path: &Path) -> (Vec<u8>, serde_json::Value, Option<Vec<u8>>) {
    let mut archive = tar::Archive::new(std::fs::File::open(path).unwrap());
    let (mut images, mut manifest, mut sig) = (Vec::new(), serde_json::Value::Null, None);
    for entry in archive.entries().unwrap() {
        let mut entry = entry.unwrap();
        let mut bytes = Vec::new();
        std::io::Read::read_to_end(&mut entry, &mut bytes).unwrap();
        match entry.path().unwrap().to_str().unwrap() {
            "images.tar" => images = bytes,
            "dockerlearn-kit.json" => manifest = serde_json::from_slice(&bytes).unwrap(),
            "dockerlearn-kit.sig" => sig = Some(bytes),
            other => panic!("unexpected kit entry {other}"),
        }
    }
    (images, manifest, sig)
}

/// Writes a kit with a manifest whose sha256 and size are recomputed for `images`.
fn write_kit(path: &Path, images: &[u8], mut manifest: serde_json::Value, sig: Option<&[u8]>) {
    manifest["sha256"] = hex::encode(Sha256::digest(images)).into();
    manifest["bytes"] = images.len().into();
    let json = serde_json::to_vec_pretty(&manifest).unwrap();
    let mut b = tar::Builder::new(Vec::new());
    let mut add = |name: &str, data: &[u8]| {
        let mut h = tar::Header::new_ustar();
        h.set_size(data.len() as u64);
        h.set_mode(0o644);
        b.append_data(&mut h, name, data).unwrap();
    };
    add("images.tar", images);
    add("dockerlearn-kit.json", &json);
    if let Some(sig) = sig {
        add("dockerlearn-kit.sig", sig);
    }
    std::fs::write(path, b.into_inner().unwrap()).unwrap();
}

#[test]
fn prepare_without_a_registry_names_each_image_and_fails() {
    let made = Made::default();
    let name = unique("prepare");
    let course = course(&[&name]);
    let ran = dl(course.path()).args(["prepare"]).run().code(1);
    assert!(ran.stdout.contains(&format!("to pull  {name} (download size unknown: ")), "{}", ran.stdout);
    assert!(ran.stdout.contains(&format!("FAILED   {name}: the registry cannot be reached")), "{}", ran.stdout);
    assert!(ran.stdout.contains("None of these lessons has all its images yet."), "{}", ran.stdout);
    made.image(&name, "prepared");
    let ran = dl(course.path()).args(["prepare"]).run().code(0);
    assert!(ran.stdout.contains(&format!("present  {name}")), "{}", ran.stdout);
}

#[test]
fn a_kit_carries_the_images_to_an_engine_without_them() {
    let made = Made::default();
    let (a, b) = (unique("carry-a"), unique("carry-b"));
    let (id_a, id_b) = (made.image(&a, "a"), made.image(&b, "b"));
    let course = course(&[&a, &b]);
    let dir = tempfile::tempdir().unwrap();
    let kit = dir.path().join("course.kit");
    let ran = dl(course.path()).args(["kit", "save"]).args([&kit]).run().code(0);
    assert!(ran.stdout.contains(&format!("  {a}")) && ran.stdout.contains("2 images"), "{}", ran.stdout);
    docker(&["rmi", &a, &b]);
    assert!(!exists(&id_a) && !exists(&id_b), "gone, as on a machine that never had them");

    // A damaged or truncated kit is refused and loads nothing.
    let bytes = std::fs::read(&kit).unwrap();
    let mut altered = bytes.clone();
    altered[bytes.len() / 3] ^= 0xff;
    let bad = dir.path().join("altered.kit");
    std::fs::write(&bad, &altered).unwrap();
    let ran = dl(course.path()).args(["kit", "load"]).args([&bad]).run().code(1);
    assert!(ran.stderr.contains("is damaged") && ran.stderr.contains("nothing was loaded"), "{}", ran.stderr);
    let short = dir.path().join("short.kit");
    std::fs::write(&short, &bytes[..bytes.len() / 2]).unwrap();
    let ran = dl(course.path()).args(["kit", "load"]).args([&short]).run().code(1);
    assert!(ran.stderr.contains("truncated"), "{}", ran.stderr);
    assert!(!exists(&id_a) && !exists(&id_b), "nothing half-loaded");

    // The whole kit loads, with the same ids, and the lesson's step passes.
    let ran = dl(course.path()).args(["kit", "load"]).args([&kit]).run().code(0);
    assert!(
        ran.stdout.contains(&format!("loaded  {a}")) && ran.stdout.contains("the course is ready"),
        "{}",
        ran.stdout
    );
    assert_eq!((id_of(&a), id_of(&b)), (Some(id_a), Some(id_b)));
    let data = tempfile::tempdir().unwrap();
    dl(course.path()).env("DOCKERLEARN_DATA_DIR", data.path()).args(["check", "a/run"]).run().code(0);
}

#[test]
fn saving_a_kit_of_missing_images_says_what_to_do() {
    let name = unique("never-made");
    let course = course(&[&name]);
    let dir = tempfile::tempdir().unwrap();
    let kit = dir.path().join("k.kit");
    let ran = dl(course.path()).args(["kit", "save"]).args([&kit]).run().code(1);
    assert!(ran.stderr.contains("not on this engine") && ran.stderr.contains(&name), "{}", ran.stderr);
    assert!(!kit.exists() && !kit.with_extension("partial").exists());
}

#[test]
fn an_image_the_manifest_does_not_list_is_not_loaded_and_moves_no_tag() {
    let made = Made::default();
    let (app, victim) = (unique("listed"), unique("victim"));
    made.image(&app, "app");
    let smuggled = made.image(&victim, "smuggled");
    let dir = tempfile::tempdir().unwrap();
    let kit = dir.path().join("k.kit");
    let course = course(&[&app, &victim]);
    dl(course.path()).args(["kit", "save"]).args([&kit]).run().code(0);
    // The manifest now lists only `app`; images.tar still holds the other image, tagged
    // with `victim`, and the hash is still right.
    let (images, mut manifest, _) = read_kit(&kit);
    manifest["images"].as_array_mut().unwrap().retain(|i| i["reference"] == app.as_str());
    write_kit(&kit, &images, manifest, None);
    docker(&["rmi", &app, &victim]);
    let before = made.image(&victim, "what the victim tag names on this machine");

    dl(course.path()).args(["kit", "load"]).args([&kit]).run().code(0).stdout_has(&format!("loaded  {app}"));
    assert!(exists(&app));
    assert_eq!(id_of(&victim), Some(before), "the tag was moved by an image the kit does not list");
    assert!(!exists(&smuggled), "an image the kit does not list was loaded");
}

#[test]
fn a_wrong_image_id_is_refused_before_anything_is_loaded_or_tagged() {
    let made = Made::default();
    let app = unique("wrong-id");
    let real = made.image(&app, "real");
    let dir = tempfile::tempdir().unwrap();
    let kit = dir.path().join("k.kit");
    let course = course(&[&app]);
    dl(course.path()).args(["kit", "save"]).args([&kit]).run().code(0);
    let (images, mut manifest, _) = read_kit(&kit);
    manifest["images"][0]["id"] = format!("sha256:{}", "ab".repeat(32)).into();
    write_kit(&kit, &images, manifest, None);
    docker(&["rmi", &app]);

    let ran = dl(course.path()).args(["kit", "load"]).args([&kit]).run().code(1);
    assert!(
        ran.stderr.contains("do not hold that image") && ran.stderr.contains("nothing was loaded"),
        "{}",
        ran.stderr
    );
    assert!(!exists(&app), "a tag was set for an image whose id is wrong");
    assert!(!exists(&real), "the image was loaded though the kit was refused");
}

#[test]
fn a_tag_that_names_another_image_is_left_alone_without_force() {
    let made = Made::default();
    let app = unique("taken");
    let kits = made.image(&app, "the kit's");
    let dir = tempfile::tempdir().unwrap();
    let kit = dir.path().join("k.kit");
    let course = course(&[&app]);
    dl(course.path()).args(["kit", "save"]).args([&kit]).run().code(0);
    docker(&["rmi", &app]);
    let theirs = made.image(&app, "this machine's own");

    let ran = dl(course.path()).args(["kit", "load"]).args([&kit]).run().code(1);
    assert!(ran.stdout.contains(&format!("kept    {app}: the tag names another image")), "{}", ran.stdout);
    assert!(ran.stderr.contains("--force"), "{}", ran.stderr);
    assert_eq!(id_of(&app), Some(theirs.clone()), "moved without --force");
    assert!(exists(&kits), "the kit's image is loaded all the same, by id");

    let ran = dl(course.path()).args(["kit", "load", "--force"]).args([&kit]).run().code(0);
    assert!(ran.stdout.contains(&format!("the tag named {theirs} before")), "{}", ran.stdout);
    assert_eq!(id_of(&app), Some(kits));
}

#[test]
fn a_signed_kit_loads_only_unaltered_and_with_its_key() {
    let made = Made::default();
    let (app, other) = (unique("signed"), unique("forged"));
    made.image(&app, "genuine");
    let forged = made.image(&other, "forged");
    let dir = tempfile::tempdir().unwrap();
    let key = dir.path().join("class.key");
    let ran = Test::new().args(["kit", "keygen"]).args([&key]).run().code(0);
    let public = std::fs::read_to_string(dir.path().join("class.key.pub")).unwrap().trim().to_owned();
    assert!(ran.stdout.contains(&public), "{}", ran.stdout);
    let pub_file = dir.path().join("class.key.pub");

    let kit = dir.path().join("k.kit");
    dl(course(&[&app]).path()).args(["kit", "save", "--sign"]).args([&key, &kit]).run().code(0);
    let forged_kit = dir.path().join("forged.kit");
    let other_course = course(&[&other]);
    dl(other_course.path()).args(["kit", "save"]).args([&forged_kit]).run().code(0);
    docker(&["rmi", &app, &other]);

    // The forged kit: another image under the signed manifest's name, hash recomputed,
    // the genuine signature kept.
    let (_, genuine_manifest, sig) = read_kit(&kit);
    let (forged_images, forged_manifest, _) = read_kit(&forged_kit);
    let mut manifest = genuine_manifest.clone();
    manifest["images"] = forged_manifest["images"].clone();
    manifest["images"][0]["reference"] = app.clone().into();
    let altered = dir.path().join("altered.kit");
    write_kit(&altered, &forged_images, manifest, sig.as_deref());
    let ran = Test::new().args(["kit", "load", "--trust"]).args([&pub_file, &altered]).run().code(1);
    assert!(ran.stderr.contains("altered after it was signed"), "{}", ran.stderr);
    // Unsigned, or signed by another key: refused too.
    let ran = Test::new().args(["kit", "load", "--trust", &public]).args([&forged_kit]).run().code(1);
    assert!(ran.stderr.contains("this kit is not signed"), "{}", ran.stderr);
    let other_key = dir.path().join("other.key");
    Test::new().args(["kit", "keygen"]).args([&other_key]).run().code(0);
    let ran = Test::new()
        .args(["kit", "load", "--trust"])
        .args([dir.path().join("other.key.pub"), kit.clone()])
        .run()
        .code(1);
    assert!(ran.stderr.contains("not by the trusted"), "{}", ran.stderr);
    assert!(!exists(&app) && !exists(&forged), "a refused kit loaded something");

    Test::new()
        .args(["kit", "load", "--trust"])
        .args([&pub_file, &kit])
        .run()
        .code(0)
        .stdout_has(&format!("loaded  {app}"));
    // Without --trust, the hash alone guards against accidents, not forgery: the docs say so.
    Test::new().args(["kit", "load"]).args([&altered]).run().code(1).stdout_has("kept");
    assert!(exists(&forged));
}
