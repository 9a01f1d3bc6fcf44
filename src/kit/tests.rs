//! Kits made by hand, checked and staged without an engine.

use super::*;
use proptest::prelude::*;
use std::collections::BTreeSet;

/// A minimal `docker save` archive of images made of one config each: for each, its
/// config bytes and tags. Returns the archive and the images' ids.
fn save_archive(images: &[(&str, &[&str])]) -> (Vec<u8>, Vec<String>) {
    let mut b = tar::Builder::new(Vec::new());
    let mut index = Vec::new();
    let mut ids = Vec::new();
    for (config, tags) in images {
        let hex = hex::encode(Sha256::digest(config.as_bytes()));
        b.append_data(&mut entry_header(config.len() as u64), format!("{hex}.json"), config.as_bytes()).unwrap();
        index.push(serde_json::json!({"Config": format!("{hex}.json"), "RepoTags": tags, "Layers": []}));
        ids.push(format!("sha256:{hex}"));
    }
    let index = serde_json::to_vec(&index).unwrap();
    b.append_data(&mut entry_header(index.len() as u64), "manifest.json", index.as_slice()).unwrap();
    let repositories = br#"{"victim":{"latest":"0"}}"#;
    b.append_data(&mut entry_header(repositories.len() as u64), "repositories", &repositories[..]).unwrap();
    (b.into_inner().unwrap(), ids)
}

fn manifest_for(images_tar: &[u8], images: Vec<KitImage>) -> Manifest {
    Manifest {
        format_version: FORMAT_VERSION,
        course: "c".into(),
        created_by: "test".into(),
        images,
        sha256: hex::encode(Sha256::digest(images_tar)),
        bytes: images_tar.len() as u64,
    }
}

/// A kit file as `save` lays it out.
fn kit_bytes(images_tar: &[u8], manifest_json: &[u8], signature: Option<&[u8]>) -> Vec<u8> {
    let mut b = tar::Builder::new(Vec::new());
    b.append_data(&mut entry_header(images_tar.len() as u64), IMAGES_ENTRY, images_tar).unwrap();
    b.append_data(&mut entry_header(manifest_json.len() as u64), MANIFEST_ENTRY, manifest_json).unwrap();
    if let Some(sig) = signature {
        b.append_data(&mut entry_header(sig.len() as u64), SIGNATURE_ENTRY, sig).unwrap();
    }
    b.into_inner().unwrap()
}

/// The staged copy's `manifest.json`, parsed, and its entry names.
fn staged_index(staged: &mut Staged) -> (serde_json::Value, BTreeSet<String>) {
    staged.archive.seek(SeekFrom::Start(0)).unwrap();
    let mut archive = tar::Archive::new(&staged.archive);
    let mut index = serde_json::Value::Null;
    let mut names = BTreeSet::new();
    for entry in archive.entries().unwrap() {
        let mut entry = entry.unwrap();
        let name = entry.path().unwrap().display().to_string();
        if name == "manifest.json" {
            index = serde_json::from_reader(&mut entry).unwrap();
        }
        names.insert(name);
    }
    (index, names)
}

#[test]
fn only_listed_images_are_staged_and_none_keeps_a_tag() {
    let dir = tempfile::tempdir().unwrap();
    let (images, ids) = save_archive(&[("{\"a\":1}", &["app:v1"]), ("{\"evil\":1}", &["victim:latest"])]);
    let listed = vec![KitImage { reference: "app:v1".into(), id: ids[0].clone() }];
    let json = serde_json::to_vec(&manifest_for(&images, listed)).unwrap();
    let path = dir.path().join("k.kit");
    std::fs::write(&path, kit_bytes(&images, &json, None)).unwrap();
    let mut staged = stage(&path, |_| {}).unwrap();
    let (index, names) = staged_index(&mut staged);
    let expected_config = format!("{}.json", &ids[0]["sha256:".len()..]);
    assert_eq!(index, serde_json::json!([{"Config": expected_config, "RepoTags": null, "Layers": []}]));
    assert!(!names.contains("repositories"), "{names:?}");
}

#[test]
fn loading_reads_the_staged_copy_whatever_happens_to_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("k.kit");
    let (images, ids) = save_archive(&[("{\"good\":1}", &["app:v1"])]);
    let listed = vec![KitImage { reference: "app:v1".into(), id: ids[0].clone() }];
    std::fs::write(&path, kit_bytes(&images, &serde_json::to_vec(&manifest_for(&images, listed)).unwrap(), None))
        .unwrap();
    let mut staged = stage(&path, |_| {}).unwrap();
    // Swapped for another whole kit after the check, then for garbage, then removed.
    let (other, other_ids) = save_archive(&[("{\"other\":1}", &["app:v1"])]);
    let listed = vec![KitImage { reference: "app:v1".into(), id: other_ids[0].clone() }];
    std::fs::write(&path, kit_bytes(&other, &serde_json::to_vec(&manifest_for(&other, listed)).unwrap(), None))
        .unwrap();
    std::fs::write(&path, b"garbage").unwrap();
    std::fs::remove_file(&path).unwrap();
    let (index, names) = staged_index(&mut staged);
    assert_eq!(index[0]["Config"], format!("{}.json", &ids[0]["sha256:".len()..]));
    assert!(names.contains(&format!("{}.json", &ids[0]["sha256:".len()..])), "{names:?}");
}

#[test]
fn damaged_kits_are_refused_before_the_engine_sees_them() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("k.kit");
    let (images, ids) = save_archive(&[("{\"a\":1}", &["app:v1"])]);
    let listed = vec![KitImage { reference: "app:v1".into(), id: ids[0].clone() }];
    let manifest = manifest_for(&images, listed.clone());
    let kit = kit_bytes(&images, &serde_json::to_vec(&manifest).unwrap(), None);
    std::fs::write(&path, &kit).unwrap();
    assert_eq!(stage(&path, |_| {}).unwrap().manifest, manifest);

    let refused = |bytes: &[u8]| {
        std::fs::write(&path, bytes).unwrap();
        stage(&path, |_| {}).err().expect("refused").to_string()
    };
    let mut altered = kit.clone();
    altered[BLOCK as usize + 3] ^= 1;
    let e = refused(&altered);
    assert!(e.contains("do not match its manifest") && e.contains("nothing was loaded"), "{e}");
    let e = refused(&kit[..BLOCK as usize + 5]);
    assert!(e.contains("truncated"), "{e}");
    assert!(refused(b"hello").contains("is not a dockerlearn kit"));

    // A sha256 with non-ASCII characters, of the right byte length or not: refused, no panic.
    for sha in ["é".repeat(32), format!("{}é", "0".repeat(62)), "ü".into()] {
        let bad = Manifest { sha256: sha, ..manifest.clone() };
        let e = refused(&kit_bytes(&images, &serde_json::to_vec(&bad).unwrap(), None));
        assert!(e.contains("sha256 is not 64 lowercase hex digits"), "{e}");
    }
    // An id the images do not hold, hash recomputed: refused before loading.
    let wrong = vec![KitImage { reference: "app:v1".into(), id: format!("sha256:{}", "ab".repeat(32)) }];
    let e = refused(&kit_bytes(&images, &serde_json::to_vec(&manifest_for(&images, wrong)).unwrap(), None));
    assert!(e.contains("does not hold") || e.contains("do not hold that image"), "{e}");
    // A newer format.
    let newer = Manifest { format_version: 9, ..manifest };
    let e = refused(&kit_bytes(&images, &serde_json::to_vec(&newer).unwrap(), None));
    assert!(e.contains("newer dockerlearn"), "{e}");
}

#[test]
fn an_index_that_is_a_link_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("k.kit");
    let (_, ids) = save_archive(&[("{\"a\":1}", &["app:v1"])]);
    let mut b = tar::Builder::new(Vec::new());
    let mut h = entry_header(0);
    h.set_entry_type(tar::EntryType::Symlink);
    b.append_link(&mut h, "manifest.json", "other.json").unwrap();
    let images = b.into_inner().unwrap();
    let listed = vec![KitImage { reference: "app:v1".into(), id: ids[0].clone() }];
    std::fs::write(&path, kit_bytes(&images, &serde_json::to_vec(&manifest_for(&images, listed)).unwrap(), None))
        .unwrap();
    let e = stage(&path, |_| {}).err().unwrap().to_string();
    assert!(e.contains("manifest.json is not a regular file"), "{e}");
}

#[test]
fn tags_split_as_the_engine_reads_them() {
    assert_eq!(split_tag("hello-world"), Some(("hello-world".into(), "latest".into())));
    assert_eq!(split_tag("python:3.12-slim"), Some(("python".into(), "3.12-slim".into())));
    assert_eq!(split_tag("localhost:5000/app"), Some(("localhost:5000/app".into(), "latest".into())));
    assert_eq!(split_tag("localhost:5000/app:v2"), Some(("localhost:5000/app".into(), "v2".into())));
    assert_eq!(split_tag("app@sha256:00"), None);
}

fn hex64() -> impl Strategy<Value = String> {
    proptest::collection::vec(any::<u8>(), 32).prop_map(hex::encode)
}

fn valid_manifest() -> impl Strategy<Value = Manifest> {
    let image = ("[a-z0-9][a-z0-9._/-]{0,30}(:[A-Za-z0-9._-]{1,20})?", hex64())
        .prop_map(|(reference, hex)| KitImage { reference, id: format!("sha256:{hex}") });
    (0..=FORMAT_VERSION, ".{0,20}", ".{0,20}", proptest::collection::vec(image, 0..5), hex64(), any::<u64>()).prop_map(
        |(format_version, course, created_by, images, sha256, bytes)| Manifest {
            format_version,
            course,
            created_by,
            images,
            sha256,
            bytes,
        },
    )
}

proptest! {
    #[test]
    fn the_manifest_parser_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..400)) {
        let _ = Manifest::parse(&bytes);
        let _ = stage::keep_listed(&bytes, &BTreeSet::new(), &mut BTreeSet::new());
    }

    #[test]
    fn the_manifest_parser_never_panics_on_near_manifests(sha in "\\PC{0,70}", id in "\\PC{0,80}", reference in "\\PC{0,20}") {
        let json = serde_json::json!({"format_version": 1, "course": "c", "created_by": "t",
            "images": [{"reference": reference, "id": id}], "sha256": sha, "bytes": 1});
        let _ = Manifest::parse(&serde_json::to_vec(&json).unwrap());
    }

    #[test]
    fn manifests_round_trip(m in valid_manifest()) {
        let parsed = Manifest::parse(&serde_json::to_vec_pretty(&m).unwrap());
        prop_assert_eq!(parsed, Ok(m));
    }
}
