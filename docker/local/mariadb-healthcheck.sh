#!/bin/bash
# healthcheck.sh of the local MariaDB image (scripts/docker-images.sh): the
# two tests of the official image's healthcheck.sh that docker/compose.yaml
# asks for, as root with the container's MARIADB_ROOT_PASSWORD.
#   --connect             a TCP connection is accepted (not the first-start
#                         server, which listens on the socket only)
#   --innodb_initialized  InnoDB is available
set -euo pipefail
pw=${MARIADB_ROOT_PASSWORD:-${MYSQL_ROOT_PASSWORD:-}}
q() { mariadb --protocol=tcp -h127.0.0.1 -P3306 -uroot -p"$pw" -N -B -e "$1"; }
for a in "$@"; do
	case "$a" in
	--connect) q 'SELECT 1' >/dev/null ;;
	--innodb_initialized)
		[[ $(q "SELECT COUNT(*) FROM information_schema.ENGINES WHERE ENGINE = 'InnoDB' AND SUPPORT IN ('YES', 'DEFAULT')") == 1 ]]
		;;
	*)
		echo "healthcheck.sh: unsupported test $a (this image has --connect and --innodb_initialized)" >&2
		exit 2
		;;
	esac
done
