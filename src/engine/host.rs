//! What dockerlearn looks at on the learner's own machine: files in their directory,
//! HTTP answers from published ports, and the one file in a tar stream the engine's
//! archive API returns. Plain, bounded, and with timeouts: these run after every command.

use std::path::Path;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

const MAX_BODY: usize = 256 * 1024;
const HTTP_TIMEOUT: Duration = Duration::from_secs(5);

/// A file under `dir`, as text; None when it is absent or not a file.
pub fn read_file(dir: &Path, relative: &str) -> Option<String> {
    let path = dir.join(relative);
    let bytes = std::fs::read(path).ok()?;
    Some(String::from_utf8_lossy(&bytes[..bytes.len().min(MAX_BODY)]).into_owned())
}

/// `GET path` on `host:port`: the status and the body, or why there was no answer.
pub async fn http_get(host: &str, port: u16, path: &str) -> Result<(u16, String), String> {
    let exchange = async {
        let mut stream = tokio::net::TcpStream::connect((host, port)).await?;
        let request = format!(
            "GET {path} HTTP/1.1\r\nHost: {host}:{port}\r\nUser-Agent: dockerlearn\r\nConnection: close\r\n\r\n"
        );
        stream.write_all(request.as_bytes()).await?;
        let mut buf = Vec::new();
        let mut chunk = [0u8; 8192];
        loop {
            let n = stream.read(&mut chunk).await?;
            if n == 0 || buf.len() > MAX_BODY {
                break;
            }
            buf.extend_from_slice(&chunk[..n]);
        }
        Ok::<Vec<u8>, std::io::Error>(buf)
    };
    let raw = match tokio::time::timeout(HTTP_TIMEOUT, exchange).await {
        Err(_) => {
            return Err(format!("no answer within {} seconds", HTTP_TIMEOUT.as_secs()));
        }
        Ok(Err(e)) if e.kind() == std::io::ErrorKind::ConnectionRefused => {
            return Err("connection refused: nothing listens there yet (is the server still starting?)".to_owned());
        }
        Ok(Err(e)) => return Err(e.to_string()),
        Ok(Ok(raw)) => raw,
    };
    parse_response(&raw)
}

fn parse_response(raw: &[u8]) -> Result<(u16, String), String> {
    let text = String::from_utf8_lossy(raw);
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let status = head
        .lines()
        .next()
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| "the answer is not HTTP".to_owned())?;
    let chunked = head.lines().any(|l| {
        let l = l.to_ascii_lowercase();
        l.starts_with("transfer-encoding:") && l.contains("chunked")
    });
    Ok((status, if chunked { dechunk(body) } else { body.to_owned() }))
}

fn dechunk(body: &str) -> String {
    let mut out = String::new();
    let mut rest = body;
    while let Some((size, after)) = rest.split_once("\r\n") {
        let Ok(n) = usize::from_str_radix(size.split(';').next().unwrap_or("").trim(), 16) else {
            break;
        };
        if n == 0 || after.len() < n {
            break;
        }
        out.push_str(&after[..n]);
        rest = after[n..].trim_start_matches("\r\n");
    }
    out
}

/// Whether a TCP connection to `host:port` opens within `timeout`: how `doctor` tells
/// whether the registry can be reached. The error says why not.
pub async fn reachable(host: &str, port: u16, timeout: Duration) -> Result<(), String> {
    match tokio::time::timeout(timeout, tokio::net::TcpStream::connect((host, port))).await {
        Ok(Ok(_)) => Ok(()),
        Ok(Err(e)) => Err(e.to_string()),
        Err(_) => Err(format!("no answer within {} seconds", timeout.as_secs())),
    }
}

/// Whether something on this machine already listens on a TCP port.
pub fn port_in_use(port: u16) -> bool {
    std::net::TcpListener::bind(("0.0.0.0", port)).is_err()
}

/// Free bytes on the file system holding `path` (POSIX `df`); None where unknown.
pub fn free_bytes(path: &Path) -> Option<u64> {
    let out = std::process::Command::new("df").arg("-Pk").arg(path).output().ok()?;
    if !out.status.success() {
        return None;
    }
    let text = String::from_utf8_lossy(&out.stdout);
    let kib: u64 = text.lines().nth(1)?.split_whitespace().nth(3)?.parse().ok()?;
    Some(kib * 1024)
}

/// The content of the first regular file in a tar archive (ustar), as text.
/// `None` when the archive holds no regular file (the path is a directory).
pub fn first_tar_entry(tar: &[u8]) -> Option<String> {
    let mut offset = 0;
    while offset + 512 <= tar.len() {
        let header = &tar[offset..offset + 512];
        if header.iter().all(|&b| b == 0) {
            return None;
        }
        let size_field = String::from_utf8_lossy(&header[124..136]);
        let size = usize::from_str_radix(size_field.trim_matches(|c: char| c == '\0' || c.is_whitespace()), 8).ok()?;
        let kind = header[156];
        let start = offset + 512;
        if kind == b'0' || kind == 0 {
            let end = (start + size).min(tar.len());
            return Some(String::from_utf8_lossy(&tar[start..end]).into_owned());
        }
        offset = start + size.div_ceil(512) * 512;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn http_answers_are_parsed_plain_and_chunked() {
        let plain = b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello";
        assert_eq!(parse_response(plain), Ok((200, "hello".to_owned())));
        let chunked =
            b"HTTP/1.1 404 Not Found\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n";
        assert_eq!(parse_response(chunked), Ok((404, "hello world".to_owned())));
        assert!(parse_response(b"SSH-2.0-OpenSSH").is_err());
    }

    #[test]
    fn the_first_file_of_a_tar_is_read() {
        let mut tar = vec![0u8; 512];
        tar[..5].copy_from_slice(b"notes");
        tar[124..135].copy_from_slice(b"00000000005");
        tar[156] = b'0';
        let mut body = b"hello".to_vec();
        body.resize(512, 0);
        tar.extend(body);
        tar.extend(vec![0u8; 1024]);
        assert_eq!(first_tar_entry(&tar).as_deref(), Some("hello"));
        let mut dir = tar.clone();
        dir[156] = b'5';
        dir[124..135].copy_from_slice(b"00000000000");
        assert_eq!(first_tar_entry(&dir[..512 + 1024]), None);
    }
}
