//! Engines on another machine: `ssh://` endpoints and `tcp://` with TLS. dockerlearn
//! reaches them through a bridge (`bridge`): a Unix socket of its own whose every
//! connection is carried to the engine by `ssh … docker system dial-stdio` (`ssh`) or
//! by a TLS connection (`tls`). So bollard, the raw `/_ping` and the recording proxy
//! all speak to a local socket, and the transport's failures are told here, in words
//! that say what to do.

use super::Endpoint;
use super::ssh::SshTarget;
use super::tls::TlsTarget;

/// An engine that is reached through the bridge.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Remote {
    Ssh(SshTarget),
    Tls(TlsTarget),
}

impl Remote {
    /// How `endpoint` is reached, when through the bridge: None for a local socket or
    /// a plain `tcp://` engine, which are spoken to directly.
    pub fn of(endpoint: &Endpoint) -> Result<Option<Remote>, RemoteError> {
        let host = endpoint.host.as_str();
        let bad = |why: String| RemoteError::BadAddress { endpoint: host.to_owned(), why };
        if host.starts_with("ssh://") {
            return SshTarget::parse(host).map(|t| Some(Remote::Ssh(t))).map_err(bad);
        }
        match &endpoint.tls {
            Some(tls) if host.starts_with("tcp://") => {
                TlsTarget::parse(host, tls.clone()).map(|t| Some(Remote::Tls(t))).map_err(bad)
            }
            _ => Ok(None),
        }
    }

    /// How long the first answer may take: ssh's connection timeout, its login and the
    /// remote `docker` starting; a TLS connection and handshake.
    pub fn first_answer_secs(&self) -> u64 {
        match self {
            Remote::Ssh(_) => super::ssh::CONNECT_SECS + 10,
            Remote::Tls(_) => super::tls::CONNECT_SECS * 2 + 5,
        }
    }
}

/// The machine the engine runs on, when it is not this one: the host an `ssh://` or
/// `tcp://` endpoint names, unless that is a loopback address (`localhost`, 127.0.0.1,
/// ::1), where the engine's published ports open on this computer's loopback too.
pub fn engine_machine(host: &str) -> Option<String> {
    let name = if let Some(rest) = host.strip_prefix("ssh://") {
        SshTarget::parse(&format!("ssh://{rest}")).ok()?.host
    } else if let Some(rest) = host.strip_prefix("tcp://").or_else(|| host.strip_prefix("http://")) {
        let authority = rest.split('/').next().unwrap_or_default();
        match authority.strip_prefix('[') {
            Some(v6) => v6.split(']').next().unwrap_or_default().to_owned(),
            None => authority.rsplit_once(':').map_or(authority, |(h, _)| h).to_owned(),
        }
    } else {
        return None;
    };
    let loopback =
        name.eq_ignore_ascii_case("localhost") || name.parse::<std::net::IpAddr>().is_ok_and(|ip| ip.is_loopback());
    (!loopback && !name.is_empty()).then_some(name)
}

/// What an engine on another machine means for the learner, said once when the prompt
/// starts and by `doctor`: what dockerlearn (and they) can see from here, and what not.
pub fn machine_notice(machine: &str) -> String {
    format!(
        "The Docker engine runs on {machine}, not on this computer. Ports you publish open on {machine} (open http://{machine}:PORT/, and checks ask there too); `-v ./folder:/path` mounts {machine}'s folders, not this computer's. Files you write here still reach `docker build`, and checks read them here."
    )
}

/// Why a remote engine could not be reached. The first line says what happened, the
/// rest what to do.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RemoteError {
    #[error(
        "dockerlearn cannot use the endpoint {endpoint}: {why}\nWrite it as the docker CLI does: ssh://[USER@]HOST[:PORT] or tcp://HOST:PORT."
    )]
    BadAddress { endpoint: String, why: String },
    #[error(
        "the engine is at {target}, reached over ssh, but the ssh command is not installed.\nInstall an OpenSSH client (Debian/Ubuntu: `sudo apt-get install openssh-client`; it comes with macOS and Windows 10+), then try again."
    )]
    NoSsh { target: String },
    #[error(
        "ssh does not know the host key of {host}, and dockerlearn cannot ask you to trust it.\nConnect once yourself with `ssh {target}` and answer `yes` if the fingerprint is your lab machine's; then try again."
    )]
    UnknownHostKey { host: String, target: String },
    #[error(
        "ssh refused {host}: its host key is not the one ~/.ssh/known_hosts holds (the machine was rebuilt, or someone is in between).\nIf the machine was rebuilt, remove the old key with `ssh-keygen -R {host}`, then connect once with `ssh {target}` to check and accept the new one."
    )]
    ChangedHostKey { host: String, target: String },
    #[error(
        "ssh could not log in to {target}: {detail}.\nCheck that `ssh {target}` logs in without asking for a password (a key in ssh-agent or ~/.ssh, the right user name), then try again."
    )]
    LoginRefused { target: String, detail: String },
    #[error(
        "ssh could not reach {target}: {detail}.\nCheck that the machine is running and its address and port are right (`ssh {target}` must work), then try again."
    )]
    SshUnreachable { target: String, detail: String },
    #[error(
        "ssh logged in to {target}, but that machine has no `docker` command ({detail}).\nInstall Docker there (https://docs.docker.com/engine/install/), or point DOCKER_HOST at the machine that has it."
    )]
    NoDockerThere { target: String, detail: String },
    #[error(
        "ssh logged in to {target}, but docker there could not reach its engine: {detail}.\nOn that machine: start Docker (`sudo systemctl start docker`), and let your user use it (`sudo usermod -aG docker USER`, then log in again)."
    )]
    EngineThere { target: String, detail: String },
    #[error(
        "ssh to {target} failed: {detail}.\nTry `ssh {target} docker version` to see what goes wrong, then try again."
    )]
    SshFailed { target: String, detail: String },
    #[error(
        "nothing answers at {address}: {detail}.\nCheck that the engine's machine is up and that dockerd listens there (2376 is the usual TLS port), then try again."
    )]
    TcpUnreachable { address: String, detail: String },
    #[error(
        "the engine at {address} did not complete a TLS handshake within {seconds} seconds.\nCheck the address and port: a TLS engine usually listens on 2376."
    )]
    TlsTimeout { address: String, seconds: u64 },
    #[error(
        "the engine's certificate at {address} is not signed by the CA dockerlearn trusts ({ca}).\nUse the ca.pem of the CA that signed the engine's certificate (copy it from the engine's machine into DOCKER_CERT_PATH or the context), then try again."
    )]
    UnknownCa { address: String, ca: String },
    #[error(
        "the engine's certificate at {address} has expired, or is not valid yet (check this computer's clock).\nMake a new server certificate for the engine (https://docs.docker.com/engine/security/protect-access/), then try again."
    )]
    Expired { address: String },
    #[error(
        "the engine's certificate is not made for {host}: {detail}.\nConnect by a name or address the certificate lists (its subjectAltName), or make a certificate for {host}."
    )]
    WrongName { host: String, detail: String },
    #[error(
        "the engine's certificate at {address} was refused: {detail}.\nCheck that ca.pem is the CA that signed the engine's certificate."
    )]
    BadServerCertificate { address: String, detail: String },
    #[error(
        "the engine at {address} refused dockerlearn's client certificate ({detail}).\nUse the cert.pem and key.pem made for this engine (signed by its CA), in DOCKER_CERT_PATH or the context's TLS folder, then try again."
    )]
    ClientCertificateRefused { address: String, detail: String },
    #[error(
        "what answers at {address} does not speak TLS ({detail}).\nIf the engine listens without TLS, unset DOCKER_TLS_VERIFY and DOCKER_TLS; otherwise check the port (TLS is usually 2376, plain 2375)."
    )]
    NotTls { address: String, detail: String },
    #[error(
        "the engine at {address} speaks TLS, but dockerlearn was not told to.\nSet DOCKER_TLS_VERIFY=1 and DOCKER_CERT_PATH to the folder with ca.pem, cert.pem and key.pem (as for the docker CLI), then try again."
    )]
    WantsTls { address: String },
    #[error(
        "the engine at {address} accepted the connection, then closed it without answering: it may expect TLS.\nIf it is a TLS port (usually 2376), set DOCKER_TLS_VERIFY=1 and DOCKER_CERT_PATH to the folder with ca.pem, cert.pem and key.pem; otherwise check that a Docker engine listens there."
    )]
    HungUp { address: String },
    #[error(
        "dockerlearn could not use the TLS files in {dir}: {why}\nCheck that ca.pem, cert.pem and key.pem there are PEM files made for this engine."
    )]
    TlsFiles { dir: String, why: String },
    #[error(
        "TLS with the engine at {address} failed: {detail}.\nCheck the engine's address and the certificates in DOCKER_CERT_PATH, then try again."
    )]
    TlsFailed { address: String, detail: String },
    #[error("dockerlearn could not open its local socket to the engine: {why}.\nCheck that the temp folder ({}) is writable.", std::env::temp_dir().display())]
    Bridge { why: String },
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_machine_is_named_unless_it_is_this_one() {
        assert_eq!(engine_machine("ssh://me@labvm:2222").as_deref(), Some("labvm"));
        assert_eq!(engine_machine("ssh://root@127.0.0.1:2222"), None);
        assert_eq!(engine_machine("tcp://10.1.2.3:2376").as_deref(), Some("10.1.2.3"));
        assert_eq!(engine_machine("tcp://[fd00::5]:2376").as_deref(), Some("fd00::5"));
        assert_eq!(engine_machine("tcp://localhost:2375"), None);
        assert_eq!(engine_machine("tcp://[::1]:2375"), None);
        assert_eq!(engine_machine("unix:///var/run/docker.sock"), None);
    }

    #[test]
    fn only_ssh_and_tls_go_through_the_bridge() {
        use super::super::context::{EndpointSource, Tls};
        let at = |host: &str| Endpoint::plain(host, EndpointSource::DockerHost);
        assert_eq!(Remote::of(&at("unix:///var/run/docker.sock")).unwrap(), None);
        assert_eq!(Remote::of(&at("tcp://box:2375")).unwrap(), None);
        assert!(matches!(Remote::of(&at("ssh://me@box")).unwrap(), Some(Remote::Ssh(_))));
        let tls = Tls { verify: true, ca: None, cert: None, key: None, dir: "/certs".into() };
        let with_tls = Endpoint { tls: Some(tls), ..at("tcp://box:2376") };
        assert!(matches!(Remote::of(&with_tls).unwrap(), Some(Remote::Tls(_))));
        let err = Remote::of(&at("ssh://me:secret@box")).unwrap_err();
        assert!(matches!(err, RemoteError::BadAddress { .. }), "{err}");
    }
}
