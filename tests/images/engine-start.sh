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
    dockerd --storage-driver=fuse-overlayfs >"$log" 2>&1 &
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
