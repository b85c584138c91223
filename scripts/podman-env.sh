# Sourced by scripts/docker-build.sh, docker-images.sh and docker-test.sh:
# makes rootful podman usable on a Debian machine without a Docker engine and
# without systemd, installing what is missing with apt-get as `make deps` does.
#
# What this machine class needs, found by trying (issue 16):
#  - runc, not crun: crun refuses the hybrid cgroup hierarchy; with no
#    systemd, cgroups are managed by podman itself (cgroupfs);
#  - default_ulimits = []: raising RLIMIT_NOFILE/NPROC is not permitted in
#    the machine's own container, and podman raises them by default;
#  - netavark with aardvark-dns, so that compose services find each other
#    by name on the project network, and iptables for published ports.
# All of it goes into a containers.conf named by CONTAINERS_CONF, which
# `podman system service` (the Docker API Compose talks to) reads too.
#
# Defines: PODMAN_DIR, CONTAINERS_CONF (exported), podman_setup.

PODMAN_DIR=${PODMAN_DIR:-$(pwd)/bin/podman}
export CONTAINERS_CONF=$PODMAN_DIR/containers.conf

# podman_setup installs podman and its helpers when missing and writes the
# containers.conf. Idempotent.
podman_setup() {
	export PATH="$PATH:/usr/local/sbin:/usr/sbin:/sbin"
	local cmds=(podman runc debootstrap iptables /usr/lib/podman/netavark /usr/lib/podman/aardvark-dns)
	local pkgs=(podman runc debootstrap iptables netavark aardvark-dns)
	local missing=() i
	for i in "${!cmds[@]}"; do
		command -v "${cmds[$i]}" >/dev/null 2>&1 || missing+=("${pkgs[$i]}")
	done
	if [[ ${#missing[@]} -gt 0 ]]; then
		if [[ $(id -u) -ne 0 ]] || ! command -v apt-get >/dev/null 2>&1; then
			echo "podman: missing ${missing[*]}; install them as root (apt-get install ${missing[*]})" >&2
			return 1
		fi
		echo "podman: installing ${missing[*]}"
		DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null ||
			{ apt-get update -q >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null; }
	fi
	if [[ $(id -u) -ne 0 ]]; then
		echo "podman: the local container path runs rootful podman: run as root" >&2
		return 1
	fi
	mkdir -p "$PODMAN_DIR"
	cat >"$CONTAINERS_CONF.tmp" <<-'CONF'
		# written by scripts/podman-env.sh
		[containers]
		default_ulimits = []
		[engine]
		runtime = "runc"
		cgroup_manager = "cgroupfs"
		events_logger = "file"
		[network]
		network_backend = "netavark"
	CONF
	mv "$CONTAINERS_CONF.tmp" "$CONTAINERS_CONF"
}
