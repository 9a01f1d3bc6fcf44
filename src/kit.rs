//! The offline classroom kit: every image a course needs in one file, to copy onto
//! machines before class instead of fifty people pulling gigabytes over one network.
//!
//! A kit is a tar archive: `images.tar`, the engine's own `save` stream (what `docker
//! save` writes), then `dockerlearn-kit.json`, which lists the images with their ids
//! and gives the sha256 and size of `images.tar`, then, when the kit is signed,
//! `dockerlearn-kit.sig`, an ed25519 signature over that manifest (`sign`).
//!
//! `load` reads the kit once into a private copy while checking it (`stage`), and
//! sends only that copy to the engine, holding only the listed images and no tags.
//! Then it confirms each image's id and only then sets tags, never moving a tag that
//! names another image unless told to (`--force`). The sha256 guards against
//! accidents (a truncated copy, a bad disk); only a signature checked with `--trust`
//! says who made the kit, as anyone can recompute a hash.

pub mod sign;
mod stage;

use crate::engine::archive::LoadError;
use crate::engine::{Engine, EngineError};
use ed25519_dalek::{SigningKey, VerifyingKey};
use futures_util::StreamExt;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::Path;

pub use sign::SignError;
pub use stage::{Staged, stage};

pub const FORMAT_VERSION: u32 = 1;
const IMAGES_ENTRY: &str = "images.tar";
const MANIFEST_ENTRY: &str = "dockerlearn-kit.json";
const SIGNATURE_ENTRY: &str = "dockerlearn-kit.sig";
const BLOCK: u64 = 512;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KitImage {
    pub reference: String,
    /// `sha256:` and 64 hex digits: the engine's id, the digest of the image's config.
    pub id: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Manifest {
    pub format_version: u32,
    pub course: String,
    pub created_by: String,
    pub images: Vec<KitImage>,
    /// sha256 of `images.tar`, 64 lowercase hex digits.
    pub sha256: String,
    pub bytes: u64,
}

/// Why a manifest cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ManifestError {
    #[error("it was made by a newer dockerlearn (kit format {0})")]
    Newer(u32),
    #[error("{0}")]
    Invalid(String),
}

fn is_hex64(s: &str) -> bool {
    s.len() == 64 && s.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

impl Manifest {
    /// Parses and validates `dockerlearn-kit.json`. Never panics, whatever the bytes.
    pub fn parse(bytes: &[u8]) -> Result<Manifest, ManifestError> {
        #[derive(Deserialize)]
        struct VersionOnly {
            format_version: u32,
        }
        let version: VersionOnly = serde_json::from_slice(bytes).map_err(|e| ManifestError::Invalid(e.to_string()))?;
        if version.format_version > FORMAT_VERSION {
            return Err(ManifestError::Newer(version.format_version));
        }
        let manifest: Manifest = serde_json::from_slice(bytes).map_err(|e| ManifestError::Invalid(e.to_string()))?;
        if !is_hex64(&manifest.sha256) {
            return Err(ManifestError::Invalid("its sha256 is not 64 lowercase hex digits".into()));
        }
        for image in &manifest.images {
            if !image.id.strip_prefix("sha256:").is_some_and(is_hex64) {
                return Err(ManifestError::Invalid(format!(
                    "the id of `{}` is not `sha256:` and 64 hex digits",
                    image.reference
                )));
            }
            if image.reference.is_empty() || image.reference.chars().any(|c| c.is_whitespace() || c.is_control()) {
                return Err(ManifestError::Invalid(format!("`{}` is not an image reference", image.reference)));
            }
        }
        Ok(manifest)
    }
}

#[derive(Debug, thiserror::Error)]
pub enum KitError {
    #[error(transparent)]
    Engine(#[from] EngineError),
    #[error(transparent)]
    Sign(#[from] SignError),
    #[error(
        "these images are not on this engine, so they cannot go into the kit: {}\nPull them first (`dockerlearn prepare`), then save the kit again.",
        .0.join(", ")
    )]
    MissingImages(Vec<String>),
    #[error("{0} is not a dockerlearn kit: {1}")]
    NotAKit(String, String),
    #[error("{path} is damaged ({why}), so nothing was loaded: copy the kit again from where it was made")]
    Damaged { path: String, why: String },
    #[error("{0} was made by a newer dockerlearn (kit format {1}): upgrade dockerlearn to load it")]
    Newer(String, u32),
    #[error("the engine refused the kit's images: {0}")]
    Refused(String),
    #[error("could not {action} {path}: {cause}")]
    Io { action: &'static str, path: String, cause: std::io::Error },
}

fn io(action: &'static str, path: &Path) -> impl FnOnce(std::io::Error) -> KitError {
    let path = path.display().to_string();
    move |cause| KitError::Io { action, path, cause }
}

/// What `save` wrote.
pub struct Saved {
    pub manifest: Manifest,
    pub file_bytes: u64,
}

/// The header of a regular file entry, made by the `tar` crate.
fn entry_header(size: u64) -> tar::Header {
    let mut header = tar::Header::new_ustar();
    header.set_size(size);
    header.set_mode(0o644);
    header.set_mtime(0);
    header.set_entry_type(tar::EntryType::Regular);
    header
}

/// Writes the kit for `images` to `path` (through `path.partial`, renamed at the end,
/// so an interrupted save never leaves a file that looks whole), signed with `signer`
/// when given. `progress` is told the bytes written so far.
pub async fn save(
    engine: &mut Engine,
    course: &str,
    images: &[String],
    path: &Path,
    signer: Option<&SigningKey>,
    mut progress: impl FnMut(u64),
) -> Result<Saved, KitError> {
    let mut listed = Vec::new();
    let mut missing = Vec::new();
    for reference in images {
        match engine.image_id(reference).await? {
            Some(id) => listed.push(KitImage { reference: reference.clone(), id }),
            None => missing.push(reference.clone()),
        }
    }
    if !missing.is_empty() {
        return Err(KitError::MissingImages(missing));
    }
    let partial = path.with_extension("partial");
    let result = async {
        let mut file = std::fs::File::create(&partial).map_err(io("create", &partial))?;
        // The images' header is written last, once their size is known: one pass.
        file.write_all(&[0u8; BLOCK as usize]).map_err(io("write", &partial))?;
        let mut hasher = Sha256::new();
        let mut bytes: u64 = 0;
        {
            let mut stream = std::pin::pin!(engine.save_images(images).await?);
            while let Some(chunk) = stream.next().await {
                let chunk = chunk?;
                hasher.update(&chunk);
                file.write_all(&chunk).map_err(io("write", &partial))?;
                bytes += chunk.len() as u64;
                progress(bytes);
            }
        }
        let padding = (BLOCK - bytes % BLOCK) % BLOCK;
        file.write_all(&vec![0u8; padding as usize]).map_err(io("write", &partial))?;
        let manifest = Manifest {
            format_version: FORMAT_VERSION,
            course: course.to_owned(),
            created_by: format!("dockerlearn {}", env!("CARGO_PKG_VERSION")),
            images: listed,
            sha256: hex::encode(hasher.finalize()),
            bytes,
        };
        let json = serde_json::to_vec_pretty(&manifest).expect("manifest serialises");
        let mut kit = tar::Builder::new(file);
        let write = io("write", &partial);
        let mut appended = kit.append_data(&mut entry_header(json.len() as u64), MANIFEST_ENTRY, json.as_slice());
        if let (Ok(()), Some(key)) = (&appended, signer) {
            let sig = serde_json::to_vec_pretty(&sign::sign(key, &json)).expect("signature serialises");
            appended = kit.append_data(&mut entry_header(sig.len() as u64), SIGNATURE_ENTRY, sig.as_slice());
        }
        let mut file = appended.and_then(|()| kit.into_inner()).map_err(write)?;
        let mut header = entry_header(bytes);
        header.set_path(IMAGES_ENTRY).map_err(io("write", &partial))?;
        header.set_cksum();
        file.seek(SeekFrom::Start(0)).map_err(io("write", &partial))?;
        file.write_all(header.as_bytes()).map_err(io("write", &partial))?;
        file.sync_all().map_err(io("write", &partial))?;
        let file_bytes = file.metadata().map_err(io("write", &partial))?.len();
        Ok::<Saved, KitError>(Saved { manifest, file_bytes })
    }
    .await;
    match result {
        Ok(saved) => {
            std::fs::rename(&partial, path).map_err(io("rename", &partial))?;
            Ok(saved)
        }
        Err(e) => {
            let _ = std::fs::remove_file(&partial);
            Err(e)
        }
    }
}

/// What loading did with one of the kit's tags.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Tagged {
    /// The tag did not exist and now names the kit's image.
    Set,
    /// It already named the kit's image.
    Already,
    /// It named another image (this id) and was moved, as `--force` asked.
    Moved(String),
    /// It names another image (this id) and was left alone.
    LeftAlone(String),
    /// A digest reference, which cannot be set as a tag: the image is there by its id.
    NotATag,
}

pub struct Loaded {
    pub manifest: Manifest,
    pub tags: Vec<(String, Tagged)>,
}

/// How to load: whose signature to require, and whether tags may be moved.
#[derive(Debug, Default)]
pub struct LoadOptions {
    pub trust: Option<VerifyingKey>,
    pub force: bool,
}

/// `repo` and `tag` of a reference; None for a digest reference.
fn split_tag(reference: &str) -> Option<(String, String)> {
    if reference.contains('@') {
        return None;
    }
    match reference.rfind(':') {
        Some(i) if !reference[i + 1..].contains('/') => {
            Some((reference[..i].to_owned(), reference[i + 1..].to_owned()))
        }
        _ => Some((reference.to_owned(), "latest".to_owned())),
    }
}

/// Checks the kit into a private copy, loads the copy's listed images untagged,
/// confirms each one's id, then sets their tags. `progress` is told the phase and the
/// bytes done of the total.
pub async fn load(
    engine: &mut Engine,
    path: &Path,
    options: &LoadOptions,
    mut progress: impl FnMut(&str, u64, u64),
) -> Result<Loaded, KitError> {
    let size = std::fs::metadata(path).map(|m| m.len()).unwrap_or(0);
    let staged = stage(path, |done| progress("checking", done, size))?;
    if let Some(key) = &options.trust {
        sign::verify(&staged.manifest_bytes, staged.signature.as_deref(), key)?;
    }
    let Staged { manifest, mut archive, archive_bytes: total, .. } = staged;

    let (tx, rx) = tokio::sync::mpsc::channel::<Result<bytes::Bytes, std::io::Error>>(4);
    let sent = std::sync::Arc::new(std::sync::atomic::AtomicU64::new(0));
    let counter = sent.clone();
    let reader = std::thread::spawn(move || {
        let mut buf = vec![0u8; 1 << 20];
        loop {
            match archive.read(&mut buf) {
                Ok(0) => break,
                Ok(n) => {
                    counter.fetch_add(n as u64, std::sync::atomic::Ordering::Relaxed);
                    if tx.blocking_send(Ok(bytes::Bytes::copy_from_slice(&buf[..n]))).is_err() {
                        break;
                    }
                }
                Err(e) => {
                    let _ = tx.blocking_send(Err(e));
                    break;
                }
            }
        }
    });
    let mut rx = rx;
    let body = futures_util::stream::poll_fn(move |cx| rx.poll_recv(cx));
    let loaded = engine.load_images(body).await;
    let _ = reader.join();
    progress("loading", sent.load(std::sync::atomic::Ordering::Relaxed), total);
    match loaded {
        Ok(()) => {}
        Err(LoadError::Engine(e)) => return Err(e.into()),
        Err(LoadError::Refused(why)) => return Err(KitError::Refused(why)),
    }

    // Every image is there under the kit's id (ids are digests of content) before any tag.
    for image in &manifest.images {
        if engine.image_id(&image.id).await?.as_deref() != Some(image.id.as_str()) {
            return Err(KitError::Refused(format!(
                "{} is not on the engine with the kit's id {} after loading, so no tag was set",
                image.reference, image.id
            )));
        }
    }
    let mut tags = Vec::new();
    for image in &manifest.images {
        let Some((repo, tag)) = split_tag(&image.reference) else {
            tags.push((image.reference.clone(), Tagged::NotATag));
            continue;
        };
        let outcome = match engine.image_id(&image.reference).await? {
            Some(id) if id == image.id => Tagged::Already,
            Some(other) if !options.force => Tagged::LeftAlone(other),
            before => {
                engine.tag_image(&image.id, &repo, &tag).await?;
                before.map_or(Tagged::Set, Tagged::Moved)
            }
        };
        tags.push((image.reference.clone(), outcome));
    }
    Ok(Loaded { manifest, tags })
}

/// Makes a signing key pair for kits: `path` and `path.pub`.
pub fn keygen(path: &Path) -> Result<(std::path::PathBuf, String), KitError> {
    Ok(sign::keygen(path)?)
}

#[cfg(test)]
mod tests;
