//! The offline classroom kit: every image a course needs in one file, to copy onto
//! machines before class instead of fifty people pulling gigabytes over one network.
//!
//! A kit is a tar archive of two entries: `images.tar`, the engine's own `save` stream
//! (what `docker save` writes), then `dockerlearn-kit.json`, which lists the images with
//! their ids and gives the sha256 and size of `images.tar`. `load` checks the whole file
//! against that before it sends anything to the engine, so a truncated or altered kit
//! is refused with the engine left as it was.

use crate::engine::{Engine, EngineError};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::Path;

pub const FORMAT_VERSION: u32 = 1;
const IMAGES_ENTRY: &str = "images.tar";
const MANIFEST_ENTRY: &str = "dockerlearn-kit.json";
const BLOCK: usize = 512;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KitImage {
    pub reference: String,
    pub id: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Manifest {
    pub format_version: u32,
    pub course: String,
    pub created_by: String,
    pub images: Vec<KitImage>,
    /// sha256 of `images.tar`, hex.
    pub sha256: String,
    pub bytes: u64,
}

#[derive(Debug, thiserror::Error)]
pub enum KitError {
    #[error(transparent)]
    Engine(#[from] EngineError),
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
    #[error("{action} {path}: {source}")]
    Io { action: &'static str, path: String, source: std::io::Error },
}

fn io(action: &'static str, path: &Path) -> impl FnOnce(std::io::Error) -> KitError {
    let path = path.display().to_string();
    move |source| KitError::Io { action, path, source }
}

/// A ustar header for a regular file.
fn tar_header(name: &str, size: u64) -> [u8; BLOCK] {
    let mut h = [0u8; BLOCK];
    h[..name.len()].copy_from_slice(name.as_bytes());
    h[100..107].copy_from_slice(b"0000644");
    h[108..115].copy_from_slice(b"0000000");
    h[116..123].copy_from_slice(b"0000000");
    h[124..135].copy_from_slice(format!("{size:011o}").as_bytes());
    h[136..147].copy_from_slice(b"00000000000");
    h[156] = b'0';
    h[257..263].copy_from_slice(b"ustar\0");
    h[263..265].copy_from_slice(b"00");
    h[148..156].copy_from_slice(b"        ");
    let sum: u32 = h.iter().map(|&b| b as u32).sum();
    h[148..156].copy_from_slice(format!("{sum:06o}\0 ").as_bytes());
    h
}

fn parse_header(h: &[u8]) -> Option<(String, u64)> {
    if h.len() < BLOCK || h.iter().all(|&b| b == 0) {
        return None;
    }
    let name = String::from_utf8_lossy(&h[..100]).trim_end_matches('\0').to_owned();
    let size = u64::from_str_radix(String::from_utf8_lossy(&h[124..136]).trim_matches(['\0', ' ']), 8).ok()?;
    Some((name, size))
}

fn padding(size: u64) -> u64 {
    (BLOCK as u64 - size % BLOCK as u64) % BLOCK as u64
}

/// What `save` wrote.
pub struct Saved {
    pub manifest: Manifest,
    pub file_bytes: u64,
}

/// Writes the kit for `images` to `path` (through `path.partial`, renamed at the end,
/// so an interrupted save never leaves a file that looks whole). `progress` is told
/// the bytes written so far.
pub async fn save(
    engine: &mut Engine,
    course: &str,
    images: &[String],
    path: &Path,
    mut progress: impl FnMut(u64),
) -> Result<Saved, KitError> {
    use futures_util::StreamExt;
    let docker = engine.client().await?;
    let mut listed = Vec::new();
    let mut missing = Vec::new();
    for reference in images {
        match docker.inspect_image(reference).await {
            Ok(i) => listed.push(KitImage { reference: reference.clone(), id: i.id.unwrap_or_default() }),
            Err(bollard::errors::Error::DockerResponseServerError { status_code: 404, .. }) => {
                missing.push(reference.clone())
            }
            Err(e) => return Err(engine.classify(e).into()),
        }
    }
    if !missing.is_empty() {
        return Err(KitError::MissingImages(missing));
    }
    let partial = path.with_extension("partial");
    let result = async {
        let mut file = std::fs::File::create(&partial).map_err(io("create", &partial))?;
        file.write_all(&tar_header(IMAGES_ENTRY, 0)).map_err(io("write", &partial))?;
        let names: Vec<&str> = images.iter().map(String::as_str).collect();
        let mut stream = docker.export_images(&names);
        let mut hasher = Sha256::new();
        let mut bytes: u64 = 0;
        while let Some(chunk) = stream.next().await {
            let chunk = chunk.map_err(|e| engine.classify(e))?;
            hasher.update(&chunk);
            file.write_all(&chunk).map_err(io("write", &partial))?;
            bytes += chunk.len() as u64;
            progress(bytes);
        }
        file.write_all(&vec![0u8; padding(bytes) as usize]).map_err(io("write", &partial))?;
        let manifest = Manifest {
            format_version: FORMAT_VERSION,
            course: course.to_owned(),
            created_by: format!("dockerlearn {}", env!("CARGO_PKG_VERSION")),
            images: listed,
            sha256: hasher.finalize().iter().map(|b| format!("{b:02x}")).collect(),
            bytes,
        };
        let json = serde_json::to_vec_pretty(&manifest).expect("manifest serialises");
        file.write_all(&tar_header(MANIFEST_ENTRY, json.len() as u64)).map_err(io("write", &partial))?;
        file.write_all(&json).map_err(io("write", &partial))?;
        file.write_all(&vec![0u8; padding(json.len() as u64) as usize + 2 * BLOCK]).map_err(io("write", &partial))?;
        file.seek(SeekFrom::Start(0)).map_err(io("write", &partial))?;
        file.write_all(&tar_header(IMAGES_ENTRY, bytes)).map_err(io("write", &partial))?;
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

/// Reads and checks a kit without touching the engine: the manifest, if the file is
/// whole and unaltered. `progress` is told the bytes checked so far.
pub fn check(path: &Path, mut progress: impl FnMut(u64)) -> Result<Manifest, KitError> {
    let shown = path.display().to_string();
    let damaged = |why: String| KitError::Damaged { path: shown.clone(), why };
    let mut file = std::fs::File::open(path).map_err(io("open", path))?;
    let mut header = [0u8; BLOCK];
    file.read_exact(&mut header).map_err(|_| KitError::NotAKit(shown.clone(), "it is too short".into()))?;
    let Some((name, size)) = parse_header(&header).filter(|(n, _)| n == IMAGES_ENTRY) else {
        return Err(KitError::NotAKit(shown, format!("it does not start with `{IMAGES_ENTRY}`")));
    };
    let mut hasher = Sha256::new();
    let mut remaining = size;
    let mut buf = vec![0u8; 1 << 20];
    while remaining > 0 {
        let want = remaining.min(buf.len() as u64) as usize;
        let n = file.read(&mut buf[..want]).map_err(io("read", path))?;
        if n == 0 {
            return Err(damaged(format!(
                "truncated: {name} should have {size} bytes, the file ends after {}",
                size - remaining
            )));
        }
        hasher.update(&buf[..n]);
        remaining -= n as u64;
        progress(size - remaining);
    }
    file.seek(SeekFrom::Current(padding(size) as i64)).map_err(io("read", path))?;
    let mut header = [0u8; BLOCK];
    file.read_exact(&mut header).map_err(|_| damaged(format!("truncated: {MANIFEST_ENTRY} is missing")))?;
    let Some((name, json_size)) = parse_header(&header).filter(|(n, _)| n == MANIFEST_ENTRY) else {
        return Err(damaged(format!("{MANIFEST_ENTRY} is missing after the images")));
    };
    let mut json = vec![0u8; json_size.min(16 << 20) as usize];
    file.read_exact(&mut json).map_err(|_| damaged(format!("truncated inside {name}")))?;
    #[derive(Deserialize)]
    struct VersionOnly {
        format_version: u32,
    }
    let version: VersionOnly =
        serde_json::from_slice(&json).map_err(|e| damaged(format!("{MANIFEST_ENTRY} cannot be read: {e}")))?;
    if version.format_version > FORMAT_VERSION {
        return Err(KitError::Newer(shown, version.format_version));
    }
    let manifest: Manifest =
        serde_json::from_slice(&json).map_err(|e| damaged(format!("{MANIFEST_ENTRY} cannot be read: {e}")))?;
    let found: String = hasher.finalize().iter().map(|b| format!("{b:02x}")).collect();
    if manifest.bytes != size || manifest.sha256 != found {
        return Err(damaged(format!(
            "its images do not match its manifest (sha256 {}…, expected {}…)",
            &found[..12],
            &manifest.sha256[..manifest.sha256.len().min(12)]
        )));
    }
    Ok(manifest)
}

/// Checks the kit, then loads its images into the engine and confirms each one is there
/// with the id the kit recorded.
pub async fn load(
    engine: &mut Engine,
    path: &Path,
    mut progress: impl FnMut(&str, u64, u64),
) -> Result<Manifest, KitError> {
    use futures_util::StreamExt;
    let manifest = check(path, |done| progress("checking", done, 0))?;
    let docker = engine.client().await?;
    let mut file = std::fs::File::open(path).map_err(io("open", path))?;
    file.seek(SeekFrom::Start(BLOCK as u64)).map_err(io("read", path))?;
    let total = manifest.bytes;
    let (tx, rx) = tokio::sync::mpsc::channel::<Result<bytes::Bytes, std::io::Error>>(4);
    let reader = std::thread::spawn(move || {
        let mut remaining = total;
        let mut buf = vec![0u8; 1 << 20];
        while remaining > 0 {
            let want = remaining.min(buf.len() as u64) as usize;
            match file.read(&mut buf[..want]) {
                Ok(0) => break,
                Ok(n) => {
                    remaining -= n as u64;
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
    let sent = std::sync::Arc::new(std::sync::atomic::AtomicU64::new(0));
    let counter = sent.clone();
    let body = tokio_stream_of(rx).map(move |r| {
        if let Ok(c) = &r {
            counter.fetch_add(c.len() as u64, std::sync::atomic::Ordering::Relaxed);
        }
        r
    });
    let options = bollard::query_parameters::ImportImageOptions { quiet: true, platform: None };
    let mut answers = docker.import_image_stream(options, body, None);
    while let Some(answer) = answers.next().await {
        progress("loading", sent.load(std::sync::atomic::Ordering::Relaxed), total);
        match answer {
            Ok(info) => {
                if let Some(e) = info.error_detail.and_then(|d| d.message) {
                    return Err(KitError::Refused(e));
                }
            }
            Err(bollard::errors::Error::DockerResponseServerError { message, .. }) => {
                return Err(KitError::Refused(message));
            }
            Err(e) => return Err(engine.classify(e).into()),
        }
    }
    let _ = reader.join();
    progress("loading", total, total);
    for image in &manifest.images {
        match docker.inspect_image(&image.reference).await {
            Ok(i) if i.id.as_deref() == Some(image.id.as_str()) => {}
            Ok(i) => {
                return Err(KitError::Refused(format!(
                    "{} has id {} after loading, not the kit's {}",
                    image.reference,
                    i.id.unwrap_or_default(),
                    image.id
                )));
            }
            Err(e) => return Err(engine.classify(e).into()),
        }
    }
    Ok(manifest)
}

fn tokio_stream_of<T>(mut rx: tokio::sync::mpsc::Receiver<T>) -> impl futures_util::Stream<Item = T> {
    futures_util::stream::poll_fn(move |cx| rx.poll_recv(cx))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers_round_trip_and_pad_to_blocks() {
        let h = tar_header("images.tar", 1234);
        assert_eq!(parse_header(&h), Some(("images.tar".to_owned(), 1234)));
        assert_eq!(padding(1234), 512 * 3 - 1234);
        assert_eq!(padding(1024), 0);
        assert_eq!(parse_header(&[0u8; 512]), None);
    }

    #[test]
    fn a_damaged_kit_is_refused_before_the_engine_sees_it() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("k.kit");
        let images = b"not really images".to_vec();
        let manifest = Manifest {
            format_version: 1,
            course: "c".into(),
            created_by: "t".into(),
            images: vec![],
            sha256: Sha256::digest(&images).iter().map(|b| format!("{b:02x}")).collect(),
            bytes: images.len() as u64,
        };
        let json = serde_json::to_vec(&manifest).unwrap();
        let mut kit = tar_header(IMAGES_ENTRY, images.len() as u64).to_vec();
        kit.extend(&images);
        kit.extend(vec![0u8; padding(images.len() as u64) as usize]);
        kit.extend(tar_header(MANIFEST_ENTRY, json.len() as u64));
        kit.extend(&json);
        kit.extend(vec![0u8; padding(json.len() as u64) as usize + 1024]);
        std::fs::write(&path, &kit).unwrap();
        assert_eq!(check(&path, |_| {}).unwrap(), manifest);

        let mut altered = kit.clone();
        altered[BLOCK + 3] ^= 1;
        std::fs::write(&path, &altered).unwrap();
        let e = check(&path, |_| {}).unwrap_err().to_string();
        assert!(e.contains("do not match its manifest") && e.contains("nothing was loaded"), "{e}");

        std::fs::write(&path, &kit[..BLOCK + 5]).unwrap();
        let e = check(&path, |_| {}).unwrap_err().to_string();
        assert!(e.contains("truncated"), "{e}");

        std::fs::write(&path, b"hello").unwrap();
        assert!(matches!(check(&path, |_| {}), Err(KitError::NotAKit(..))));
    }
}
