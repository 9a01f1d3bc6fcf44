//! A private folder (0700, in the temp dir) holding one Unix socket of dockerlearn's own:
//! the recording proxy's and the remote bridge's. The folder is named with the process
//! id, so a later run removes the folders of runs that were killed before they could.

use std::path::{Path, PathBuf};

/// How the folders are named, with the process id after it.
const FOLDER: &str = "dockerlearn-relay-";

/// A listening socket in a folder of its own, removed with it when dropped.
pub struct SocketDir {
    socket: PathBuf,
    _dir: tempfile::TempDir,
}

impl SocketDir {
    /// Sweeps the folders of runs that are gone, then makes a folder and binds
    /// `docker.sock` in it.
    pub fn bind() -> std::io::Result<(SocketDir, std::os::unix::net::UnixListener)> {
        sweep(&std::env::temp_dir());
        let prefix = format!("{FOLDER}{}-", std::process::id());
        let dir = tempfile::Builder::new().prefix(&prefix).tempdir()?;
        std::fs::set_permissions(dir.path(), std::os::unix::fs::PermissionsExt::from_mode(0o700))?;
        let socket = dir.path().join("docker.sock");
        let listener = std::os::unix::net::UnixListener::bind(&socket)?;
        listener.set_nonblocking(true)?;
        Ok((SocketDir { socket, _dir: dir }, listener))
    }

    pub fn socket(&self) -> &Path {
        &self.socket
    }

    /// Another file in the same private folder (ssh's control socket).
    pub fn beside(&self, name: &str) -> PathBuf {
        self.socket.with_file_name(name)
    }
}

/// Removes the socket folders in `dir` that are this user's and whose process is gone.
fn sweep(dir: &Path) {
    use std::os::unix::fs::MetadataExt;
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    let me = rustix::process::getuid().as_raw();
    for entry in entries.flatten() {
        let name = entry.file_name();
        let pid = name.to_str().and_then(|n| n.strip_prefix(FOLDER)).and_then(|rest| rest.split('-').next());
        let Some(pid) = pid.and_then(|p| p.parse().ok()).and_then(rustix::process::Pid::from_raw) else { continue };
        let ours = std::fs::symlink_metadata(entry.path()).is_ok_and(|m| m.is_dir() && m.uid() == me);
        let gone = rustix::process::test_kill_process(pid) == Err(rustix::io::Errno::SRCH);
        if ours && gone {
            let _ = std::fs::remove_dir_all(entry.path());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_folders_of_runs_that_are_gone_are_swept() {
        let temp = tempfile::tempdir().unwrap();
        let mut ended = std::process::Command::new("true").spawn().unwrap();
        let gone = ended.id();
        ended.wait().unwrap();
        let folder = |pid: u32| temp.path().join(format!("{FOLDER}{pid}-abc"));
        for pid in [gone, std::process::id()] {
            std::fs::create_dir(folder(pid)).unwrap();
            std::fs::write(folder(pid).join("docker.sock"), "").unwrap();
        }
        std::fs::create_dir(temp.path().join("dockerlearn-other")).unwrap();
        sweep(temp.path());
        assert!(!folder(gone).exists(), "a dead run's folder is removed");
        assert!(folder(std::process::id()).exists(), "a live run's folder stays");
        assert!(temp.path().join("dockerlearn-other").exists(), "only the socket folders are looked at");
    }

    #[test]
    fn the_folder_is_private_and_goes_when_dropped() {
        use std::os::unix::fs::PermissionsExt;
        let (dir, _listener) = SocketDir::bind().unwrap();
        let folder = dir.socket().parent().unwrap().to_owned();
        assert_eq!(std::fs::metadata(&folder).unwrap().permissions().mode() & 0o777, 0o700);
        drop(dir);
        assert!(!folder.exists());
    }
}
