#!/usr/bin/env bash
# Builds the local images of the test stack with podman, from Debian
# packages, when no registry can be reached (docker/compose.yaml's mariadb
# and etcd images are pulled from registries otherwise):
#   localhost/xaproxy-mariadb:10.11  Debian bookworm's mariadb-server, with
#       an entrypoint and healthcheck.sh doing what compose.yaml uses of the
#       official mariadb image (docker/local/);
#   localhost/xaproxy-etcd:bookworm  Debian bookworm's etcd-server, with
#       etcd and etcdctl in /usr/local/bin as in quay.io/coreos/etcd.
# Both start from one `debootstrap --variant=minbase bookworm` root
# filesystem, with packages from the Debian archive as apt is configured on
# this machine, and are imported with `podman import` (nothing is pulled).
#
# Cached: each image carries the hash of its recipe (this script, the files
# of docker/local/ and the apt sources) in the label org.xaproxy.recipe; an
# image whose label matches is kept. The same recipe on the same Debian
# archive state gives the same packages; their versions are recorded in the
# label org.xaproxy.packages. REBUILD=1 rebuilds anyway.
#
# usage: scripts/docker-images.sh   (as root; installs podman and debootstrap when missing)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
source scripts/podman-env.sh
podman_setup

SUITE=bookworm
MIRROR=http://deb.debian.org/debian
MARIADB_IMAGE=localhost/xaproxy-mariadb:10.11
ETCD_IMAGE=localhost/xaproxy-etcd:bookworm

sources=$(ls /etc/apt/sources.list /etc/apt/sources.list.d/*.sources 2>/dev/null || true)
# recipe IMAGE: the hash of what IMAGE is built from.
recipe() {
	local files=("$0")
	# shellcheck disable=SC2206
	files+=($sources)
	[[ $1 == "$MARIADB_IMAGE" ]] && files+=(docker/local/mariadb-*)
	echo "$1" | cat - "${files[@]}" | sha256sum | cut -c1-16
}

# current IMAGE: true when IMAGE exists and was built from its recipe.
current() {
	[[ $(podman image inspect --format '{{index .Labels "org.xaproxy.recipe"}}' "$1" 2>/dev/null) == "$(recipe "$1")" ]]
}

need=()
for img in "$MARIADB_IMAGE" "$ETCD_IMAGE"; do
	if [[ ${REBUILD:-0} != 1 ]] && current "$img"; then
		echo "docker-images: $img is current (recipe $(recipe "$img"))"
	else
		need+=("$img")
	fi
done
[[ ${#need[@]} -eq 0 ]] && exit 0

work=$(mktemp -d /var/tmp/xaproxy-images.XXXXXX)
mounts=()
cleanup() {
	local m
	for m in "${mounts[@]}"; do umount -l "$m" 2>/dev/null || true; done
	rm -rf "$work"
}
trap cleanup EXIT

base=$work/base
echo "docker-images: debootstrap --variant=minbase $SUITE"
debootstrap --variant=minbase "$SUITE" "$base" "$MIRROR" >"$work/debootstrap.log" 2>&1 ||
	{ tail -20 "$work/debootstrap.log" >&2; exit 1; }
# The machine's apt sources (updates and security too), so that the images
# get the versions this machine's apt would install.
rm -f "$base/etc/apt/sources.list"
cp /etc/apt/sources.list.d/*.sources "$base/etc/apt/sources.list.d/" 2>/dev/null || cp /etc/apt/sources.list "$base/etc/apt/"
# No service may start inside the chroot.
printf '#!/bin/sh\nexit 101\n' >"$base/usr/sbin/policy-rc.d"
chmod 755 "$base/usr/sbin/policy-rc.d"

# in_root DIR CMD...: runs CMD in the chroot DIR with /proc mounted.
in_root() {
	local root=$1
	shift
	if ! mountpoint -q "$root/proc"; then
		mount -t proc proc "$root/proc"
		mounts+=("$root/proc")
	fi
	DEBIAN_FRONTEND=noninteractive LC_ALL=C chroot "$root" "$@"
}

# build NAME IMAGE PACKAGES CONFIGURE_FN IMPORT_CHANGES...
build() {
	local name=$1 img=$2 pkgs=$3 configure=$4
	shift 4
	local root=$work/$name
	echo "docker-images: $img: apt-get install $pkgs"
	cp -a "$base" "$root"
	in_root "$root" apt-get update -q >"$work/$name-apt.log" 2>&1 || { tail -20 "$work/$name-apt.log" >&2; exit 1; }
	# shellcheck disable=SC2086
	in_root "$root" apt-get install -y -q --no-install-recommends $pkgs >>"$work/$name-apt.log" 2>&1 ||
		{ tail -30 "$work/$name-apt.log" >&2; exit 1; }
	local versions
	# shellcheck disable=SC2086
	versions=$(in_root "$root" dpkg-query -W -f '${Package}=${Version} ' $pkgs)
	"$configure" "$root"
	in_root "$root" apt-get clean
	umount "$root/proc"
	rm -rf "$root"/var/lib/apt/lists/* "$root"/usr/share/doc/* "$root"/usr/share/man/* \
		"$root"/usr/share/info/* "$root"/var/cache/debconf/*-old "$root"/var/log/*.log \
		"$root"/var/log/apt/* "$root/usr/sbin/policy-rc.d"
	# A stable tarball: sorted, numeric owners, no atime/ctime.
	tar --sort=name --numeric-owner --xattrs -C "$root" -cf "$work/$name.tar" .
	local old
	old=$(podman image inspect --format '{{.Id}}' "$img" 2>/dev/null || true)
	podman import --quiet \
		--change "LABEL org.xaproxy.recipe=$(recipe "$img")" \
		--change "LABEL org.xaproxy.packages=${versions% }" \
		--change "ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin" \
		"$@" "$work/$name.tar" "$img" >/dev/null
	# The image the tag named before is dangling now: drop it (unless in use).
	[[ -n $old ]] && podman rmi "$old" >/dev/null 2>&1 || true
	rm -rf "$root" "$work/$name.tar"
	echo "docker-images: $img built ($versions)"
}

configure_mariadb() {
	local root=$1
	install -m 755 docker/local/mariadb-entrypoint.sh "$root/usr/local/bin/docker-entrypoint.sh"
	install -m 755 docker/local/mariadb-healthcheck.sh "$root/usr/local/bin/healthcheck.sh"
	install -m 644 docker/local/mariadb-container.cnf "$root/etc/mysql/mariadb.conf.d/90-container.cnf"
	# The package initialized a data directory: the image's must be empty,
	# for the entrypoint to initialize the volume with the stack's password.
	rm -rf "$root"/var/lib/mysql/*
	mkdir -p "$root/docker-entrypoint-initdb.d" "$root/run/mysqld"
	in_root "$root" chown mysql:mysql /var/lib/mysql /run/mysqld
}

configure_etcd() {
	local root=$1
	ln -sf /usr/bin/etcd "$root/usr/local/bin/etcd"
	ln -sf /usr/bin/etcdctl "$root/usr/local/bin/etcdctl"
}

for img in "${need[@]}"; do
	case "$img" in
	"$MARIADB_IMAGE")
		build mariadb "$img" "mariadb-server mariadb-client" configure_mariadb \
			--change 'ENTRYPOINT ["/usr/local/bin/docker-entrypoint.sh"]' \
			--change 'CMD ["mariadbd"]' \
			--change 'EXPOSE 3306' \
			--change 'VOLUME /var/lib/mysql'
		;;
	"$ETCD_IMAGE")
		build etcd "$img" "etcd-server etcd-client" configure_etcd \
			--change 'CMD ["/usr/local/bin/etcd"]' \
			--change 'EXPOSE 2379' --change 'EXPOSE 2380'
		;;
	esac
done
