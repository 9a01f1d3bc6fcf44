#!/bin/sh
# Starts one engine of the test suite's own in the background: `docker` (Docker Engine,
# classic image store), `containerd` (Docker Engine, containerd image store) or `podman`
# (Podman's Docker-compatible API). It runs until its standard input closes: the test
# process that started it holds that input, so the engine ends with the tests.
set -eu
kind=${1:?which engine: docker, containerd or podman}
log=/var/log/dl-engine.log
case "$kind" in
docker)
    # Also as a lab VM serves it: TLS on 127.0.0.1:2376 (`--tlsverify`, certificates
    # made here by openssl as Docker's guide makes them, the client's in /root/tls),
    # and an sshd on 127.0.0.1:22 that lets root in with /root/.ssh/id_ed25519.
    tls=/etc/docker/tls client=/root/tls
    mkdir -p "$tls" "$client"
    openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=dl-test-ca \
        -keyout "$tls/ca-key.pem" -out "$tls/ca.pem" 2>/dev/null
    for who in server client; do
        openssl req -newkey rsa:2048 -nodes -subj "/CN=$who" -keyout "$tls/$who-key.pem" -out "$tls/$who.csr" 2>/dev/null
        if [ "$who" = server ]; then ext="subjectAltName=IP:127.0.0.1,DNS:localhost"; else ext="extendedKeyUsage=clientAuth"; fi
        printf '%s\n' "$ext" >"$tls/$who.ext"
        openssl x509 -req -days 2 -in "$tls/$who.csr" -CA "$tls/ca.pem" -CAkey "$tls/ca-key.pem" \
            -CAcreateserial -extfile "$tls/$who.ext" -out "$tls/$who.pem" 2>/dev/null
    done
    cp "$tls/ca.pem" "$client/ca.pem"
    cp "$tls/client.pem" "$client/cert.pem"
    cp "$tls/client-key.pem" "$client/key.pem"
    mkdir -p /run/sshd /root/.ssh
    ssh-keygen -A >/dev/null
    [ -f /root/.ssh/id_ed25519 ] || ssh-keygen -q -t ed25519 -N '' -f /root/.ssh/id_ed25519
    cp /root/.ssh/id_ed25519.pub /root/.ssh/authorized_keys
    echo "127.0.0.1 $(cut -d' ' -f1,2 /etc/ssh/ssh_host_ed25519_key.pub)" >/root/.ssh/known_hosts
    /usr/sbin/sshd -o ListenAddress=127.0.0.1 -o PermitRootLogin=prohibit-password
    dockerd --storage-driver=fuse-overlayfs -H unix:///var/run/docker.sock -H tcp://127.0.0.1:2376 \
        --tlsverify --tlscacert="$tls/ca.pem" --tlscert="$tls/server.pem" --tlskey="$tls/server-key.pem" \
        >"$log" 2>&1 &
    ;;
containerd)
    mkdir -p /etc/docker
    echo '{"features":{"containerd-snapshotter":true}}' >/etc/docker/daemon.json
    dockerd --storage-driver=overlayfs >"$log" 2>&1 &
    ;;
podman)
    # Buildah raises a build container's limits on open files and processes to what
    # root may have elsewhere; here, without CAP_SYS_RESOURCE, only up to the hard
    # limits this container got: say those are the defaults.
    hard() { awk -v what="$1" '$0 ~ what { print $(NF-1) }' /proc/self/limits; }
    mkdir -p /etc/containers/containers.conf.d /run/podman
    files=$(hard "Max open files") processes=$(hard "Max processes")
    printf '[containers]\ndefault_ulimits = ["nofile=%s:%s", "nproc=%s:%s"]\n' \
        "$files" "$files" "$processes" "$processes" >/etc/containers/containers.conf.d/limits.conf
    PODMAN_IGNORE_CGROUPSV1_WARNING=1 podman system service --time=0 unix:///run/podman/podman.sock >"$log" 2>&1 &
    ;;
*)
    echo "dl-engine: no engine called $kind" >&2
    exit 2
    ;;
esac
engine=$!
cat >/dev/null || true
kill -TERM "$engine" 2>/dev/null || true
wait "$engine" || true
