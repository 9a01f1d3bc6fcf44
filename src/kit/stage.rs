//! Reading a kit into a private staged copy, in one pass: the manifest first (into
//! memory), then `images.tar` hashed while it is rewritten into an unnamed temp file
//! that no other process can open. Only that copy is ever sent to the engine, so the
//! kit file changing after the check changes nothing that is loaded.
//!
//! The rewrite keeps the `docker save` archive as it is except its index: in
//! `manifest.json` only the images the kit's manifest lists remain, without `RepoTags`,
//! and `repositories` (the legacy tag list) is dropped, so the engine sets no tag on
//! load. Tags are set afterwards, one by one, once each image's id is confirmed.

use super::{IMAGES_ENTRY, KitError, MANIFEST_ENTRY, Manifest, SIGNATURE_ENTRY, io};
use serde_json::Value;
use sha2::{Digest, Sha256};
use std::collections::BTreeSet;
use std::fs::File;
use std::io::{Read, Seek, SeekFrom};
use std::path::{Component, Path, PathBuf};

/// Most bytes read of the manifest, signature or the save archive's own index files.
const MAX_INDEX: u64 = 16 << 20;

/// A kit checked whole and copied: what is loaded comes from here.
pub struct Staged {
    pub manifest: Manifest,
    /// The manifest exactly as stored, which a signature covers.
    pub manifest_bytes: Vec<u8>,
    pub signature: Option<Vec<u8>>,
    /// The rewritten save archive, an unnamed temp file.
    pub archive: File,
    pub archive_bytes: u64,
}

/// Reads and hashes what passes through it.
struct Hashing<R, F> {
    inner: R,
    hasher: Sha256,
    done: u64,
    progress: F,
}

impl<R: Read, F: FnMut(u64)> Read for Hashing<R, F> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.hasher.update(&buf[..n]);
        self.done += n as u64;
        (self.progress)(self.done);
        Ok(n)
    }
}

/// Checks and copies the kit at `path`. `progress` is told the bytes of images read.
pub fn stage(path: &Path, progress: impl FnMut(u64)) -> Result<Staged, KitError> {
    let shown = path.display().to_string();
    let not_a_kit = |why: &str| KitError::NotAKit(shown.clone(), why.to_owned());
    let damaged = |why: String| KitError::Damaged { path: shown.clone(), why };
    let meta = std::fs::metadata(path).map_err(io("open", path))?;
    if !meta.is_file() {
        return Err(not_a_kit("it is not a regular file"));
    }
    let file = File::open(path).map_err(io("open", path))?;
    let len = file.metadata().map_err(io("read", path))?.len();
    if len < 512 {
        return Err(not_a_kit("it is too short"));
    }

    // The entries: where the images are, and the manifest and signature, read now.
    let (images_at, images_size, manifest_bytes, signature) = {
        let mut archive = tar::Archive::new(&file);
        let mut entries = archive.entries_with_seek().map_err(|e| not_a_kit(&e.to_string()))?;
        let first = entries.next().and_then(Result::ok).ok_or_else(|| not_a_kit("it is not a tar archive"))?;
        if first.path().ok().as_deref() != Some(Path::new(IMAGES_ENTRY)) {
            return Err(not_a_kit(&format!("it does not start with `{IMAGES_ENTRY}`")));
        }
        let (at, size) = (first.raw_file_position(), first.size());
        if at + size > len {
            return Err(damaged(format!(
                "truncated: {IMAGES_ENTRY} should have {size} bytes, the file ends after {}",
                len.saturating_sub(at)
            )));
        }
        let mut manifest = None;
        let mut signature = None;
        for entry in entries {
            let entry = entry.map_err(|e| damaged(format!("truncated or not a kit after the images: {e}")))?;
            let name = entry.path().map(|p| p.into_owned()).unwrap_or_default();
            let slot = if name == Path::new(MANIFEST_ENTRY) {
                &mut manifest
            } else if name == Path::new(SIGNATURE_ENTRY) {
                &mut signature
            } else {
                continue;
            };
            *slot =
                Some(read_bounded(entry).map_err(|e| damaged(format!("truncated inside {}: {e}", name.display())))?);
        }
        let manifest = manifest.ok_or_else(|| damaged(format!("truncated: {MANIFEST_ENTRY} is missing")))?;
        (at, size, manifest, signature)
    };
    let manifest = Manifest::parse(&manifest_bytes).map_err(|e| match e {
        super::ManifestError::Newer(v) => KitError::Newer(shown.clone(), v),
        super::ManifestError::Invalid(why) => damaged(format!("{MANIFEST_ENTRY} cannot be read: {why}")),
    })?;
    if manifest.bytes != images_size {
        return Err(damaged(format!(
            "its images are {images_size} bytes, its manifest says {}: it does not match its manifest",
            manifest.bytes
        )));
    }

    // One pass over the images: hash, and rewrite into the private copy.
    let mut reader = &file;
    reader.seek(SeekFrom::Start(images_at)).map_err(io("read", path))?;
    let mut hashing = Hashing { inner: reader.take(images_size), hasher: Sha256::new(), done: 0, progress };
    let staging = tempfile::tempfile().map_err(io("make a private copy of", path))?;
    let listed: BTreeSet<String> = manifest.images.iter().map(|i| i.id.clone()).collect();
    let rewritten = rewrite(&mut hashing, staging, &listed);
    // Whatever the rewrite made of them, every byte is hashed before judging.
    std::io::copy(&mut hashing, &mut std::io::sink()).map_err(io("read", path))?;
    let found = hex::encode(hashing.hasher.finalize());
    if found != manifest.sha256 {
        return Err(damaged(format!(
            "its images do not match its manifest (sha256 {}…, expected {}…)",
            &found[..12],
            &manifest.sha256[..12]
        )));
    }
    let (mut archive, contained) =
        rewritten.map_err(|why| damaged(format!("{IMAGES_ENTRY} is not an image archive: {why}")))?;
    if let Some(missing) = manifest.images.iter().find(|i| !contained.contains(&i.id)) {
        return Err(damaged(format!(
            "it lists {} with id {}, but its images do not hold that image",
            missing.reference, missing.id
        )));
    }
    let archive_bytes = archive.seek(SeekFrom::End(0)).map_err(io("read back the copy of", path))?;
    archive.seek(SeekFrom::Start(0)).map_err(io("read back the copy of", path))?;
    Ok(Staged { manifest, manifest_bytes, signature, archive, archive_bytes })
}

fn read_bounded(entry: impl Read) -> std::io::Result<Vec<u8>> {
    let mut bytes = Vec::new();
    entry.take(MAX_INDEX + 1).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > MAX_INDEX {
        return Err(std::io::Error::other("far too big"));
    }
    Ok(bytes)
}

/// The path as the engine will see it once unpacked: `./manifest.json` is
/// `manifest.json`. None for paths that climb out or are absolute.
fn clean(path: &Path) -> Option<PathBuf> {
    let mut out = PathBuf::new();
    for c in path.components() {
        match c {
            Component::Normal(n) => out.push(n),
            Component::CurDir => {}
            _ => return None,
        }
    }
    Some(out)
}

/// Copies a `docker save` archive, keeping in its index only the `listed` image ids,
/// untagged. Returns the copy and the listed ids it holds.
fn rewrite(source: impl Read, into: File, listed: &BTreeSet<String>) -> Result<(File, BTreeSet<String>), String> {
    let mut archive = tar::Archive::new(source);
    let mut out = tar::Builder::new(into);
    let mut contained = BTreeSet::new();
    let mut saw_index = false;
    for entry in archive.entries().map_err(|e| e.to_string())? {
        let mut entry = entry.map_err(|e| e.to_string())?;
        let raw = entry.path().map_err(|e| e.to_string())?.into_owned();
        let path = clean(&raw).ok_or_else(|| format!("it holds a path outside itself: {}", raw.display()))?;
        let kind = entry.header().entry_type();
        let mut header = entry.header().clone();
        header.set_size(entry.size());
        let name = path.to_str().unwrap_or_default();
        if matches!(name, "manifest.json" | "repositories" | "index.json") && !kind.is_file() {
            return Err(format!("its {name} is not a regular file"));
        }
        match name {
            "repositories" => continue,
            "manifest.json" | "index.json" => {
                let bytes = read_bounded(&mut entry).map_err(|e| format!("{name}: {e}"))?;
                let kept = if name == "manifest.json" {
                    saw_index = true;
                    keep_listed(&bytes, listed, &mut contained)?
                } else {
                    untag_index(&bytes)?
                };
                header.set_size(kept.len() as u64);
                out.append_data(&mut header, &path, kept.as_slice()).map_err(|e| e.to_string())?;
            }
            _ if kind.is_pax_global_extensions() => continue,
            _ => match entry.link_name().map_err(|e| e.to_string())? {
                Some(target) if kind.is_symlink() || kind.is_hard_link() => {
                    out.append_link(&mut header, &path, target).map_err(|e| e.to_string())?
                }
                _ => out.append_data(&mut header, &path, &mut entry).map_err(|e| e.to_string())?,
            },
        }
    }
    if !saw_index {
        return Err("it has no manifest.json".into());
    }
    Ok((out.into_inner().map_err(|e| e.to_string())?, contained))
}

/// `manifest.json` of a save archive with only the listed images, and no `RepoTags`.
pub fn keep_listed(
    json: &[u8],
    listed: &BTreeSet<String>,
    contained: &mut BTreeSet<String>,
) -> Result<Vec<u8>, String> {
    let images: Vec<serde_json::Map<String, Value>> =
        serde_json::from_slice(json).map_err(|e| format!("manifest.json: {e}"))?;
    let mut kept = Vec::new();
    for mut image in images {
        // `<hex>.json` (Docker before 25) or `blobs/sha256/<hex>` (OCI layout).
        let config = image.get("Config").and_then(Value::as_str).unwrap_or_default();
        let hex = config.strip_suffix(".json").unwrap_or(config).rsplit('/').next().unwrap_or_default();
        let id = format!("sha256:{hex}");
        if listed.contains(&id) {
            image.insert("RepoTags".into(), Value::Null);
            contained.insert(id);
            kept.push(image);
        }
    }
    serde_json::to_vec(&kept).map_err(|e| e.to_string())
}

/// An OCI `index.json` without the image names an engine would tag from.
fn untag_index(json: &[u8]) -> Result<Vec<u8>, String> {
    let mut index: Value = serde_json::from_slice(json).map_err(|e| format!("index.json: {e}"))?;
    if let Some(manifests) = index.get_mut("manifests").and_then(Value::as_array_mut) {
        for m in manifests {
            if let Some(a) = m.get_mut("annotations").and_then(Value::as_object_mut) {
                a.remove("io.containerd.image.name");
                a.remove("org.opencontainers.image.ref.name");
            }
        }
    }
    serde_json::to_vec(&index).map_err(|e| e.to_string())
}
