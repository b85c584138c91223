#!/usr/bin/env bash
# Builds the xaproxy:dev image.
#  - With Docker and BuildKit (docker buildx): docker/Dockerfile, the
#    multi-stage build on golang and distroless/static-debian12:nonroot.
#  - Otherwise with podman, without pulling anything: the same static binary
#    (CGO_ENABLED=0, -trimpath, -s -w, version from git describe) in a root
#    filesystem holding what the distroless image gives it (passwd and group
#    with nonroot 65532, /tmp, /home/nonroot, the CA bundle), imported with
#    `podman import` with the Dockerfile's user, entrypoint, command, ports
#    and labels. The tarball is stable (sorted, fixed times and owners), so
#    the same binary gives the same layer; an image already holding this
#    binary (label org.xaproxy.binary) is kept.
# XAPROXY_BUILDER=docker|podman forces one path.
#
# usage: scripts/docker-build.sh [IMAGE]   (default xaproxy:dev)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
export PATH="$PATH:/usr/local/go/bin"

IMAGE=${1:-xaproxy:dev}
VERSION=$(git describe --tags --always --dirty 2>/dev/null || echo dev)

builder=${XAPROXY_BUILDER:-}
if [[ -z $builder ]]; then
	if docker buildx version >/dev/null 2>&1 && docker info >/dev/null 2>&1; then
		builder=docker
	else
		builder=podman
	fi
fi

if [[ $builder == docker ]]; then
	exec docker build -f docker/Dockerfile --build-arg VERSION="$VERSION" -t "$IMAGE" .
fi

source scripts/podman-env.sh
podman_setup

work=$(mktemp -d /var/tmp/xaproxy-image.XXXXXX)
trap 'rm -rf "$work"' EXIT
root=$work/rootfs
mkdir -p "$root/etc/ssl/certs" "$root/tmp" "$root/home/nonroot" "$root/etc/xaproxy"
CGO_ENABLED=0 go build -trimpath -ldflags "-s -w -X main.version=$VERSION" -o "$root/xaproxy" ./cmd/xaproxy
sum=$(sha256sum "$root/xaproxy" | cut -c1-64)
if [[ $(podman image inspect --format '{{index .Labels "org.xaproxy.binary"}}' "$IMAGE" 2>/dev/null) == "$sum" ]]; then
	echo "docker-build: $IMAGE already holds this binary ($VERSION, sha256 ${sum:0:16})"
	exit 0
fi

# distroless/static-debian12:nonroot's users and groups.
cat >"$root/etc/passwd" <<'PASSWD'
root:x:0:0:root:/root:/sbin/nologin
nobody:x:65534:65534:nobody:/nonexistent:/sbin/nologin
nonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin
PASSWD
cat >"$root/etc/group" <<'GROUP'
root:x:0:
nobody:x:65534:
tty:x:5:
staff:x:50:
nonroot:x:65532:
GROUP
printf 'hosts: files dns\n' >"$root/etc/nsswitch.conf"
if [[ -f /etc/ssl/certs/ca-certificates.crt ]]; then
	cp /etc/ssl/certs/ca-certificates.crt "$root/etc/ssl/certs/"
fi
chmod 1777 "$root/tmp"
chmod 700 "$root/home/nonroot"
chown 65532:65532 "$root/home/nonroot"
chmod 755 "$root/xaproxy"
tar --sort=name --numeric-owner --mtime=@0 --format=gnu -C "$root" -cf "$work/rootfs.tar" .

old=$(podman image inspect --format '{{.Id}}' "$IMAGE" 2>/dev/null || true)
podman import --quiet \
	--change 'USER 65532:65532' \
	--change 'EXPOSE 3307' --change 'EXPOSE 9107' \
	--change 'ENTRYPOINT ["/xaproxy"]' \
	--change 'CMD ["serve", "--config", "/etc/xaproxy/xaproxy.yaml"]' \
	--change 'LABEL org.opencontainers.image.title=xaproxy' \
	--change "LABEL org.opencontainers.image.version=$VERSION" \
	--change "LABEL org.xaproxy.binary=$sum" \
	"$work/rootfs.tar" "$IMAGE" >/dev/null
# The image the tag named before is dangling now: drop it (unless in use).
[[ -n $old ]] && podman rmi "$old" >/dev/null 2>&1 || true
echo "docker-build: $IMAGE built with podman ($VERSION, sha256 ${sum:0:16}); $(podman run --rm "$IMAGE" version 2>&1 | head -1)"
