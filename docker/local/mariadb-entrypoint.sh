#!/bin/bash
# Entrypoint of the local MariaDB image (scripts/docker-images.sh), the part
# of the official mariadb image's interface that docker/compose.yaml uses:
#  - arguments starting with "-" are mariadbd options;
#  - on an empty /var/lib/mysql: MARIADB_ROOT_PASSWORD (or
#    MYSQL_ROOT_PASSWORD) becomes root's password, for root@localhost and
#    root@'%', then every /docker-entrypoint-initdb.d/*.sql runs as root,
#    with a first server listening on the socket only (so that TCP health
#    checks pass only once the real server is up, as with the official image);
#  - the server runs as the mysql user and logs to stderr.
set -euo pipefail

if [[ $# -eq 0 || ${1:0:1} == - ]]; then
	set -- mariadbd "$@"
fi
if [[ $1 != mariadbd && $1 != mysqld ]]; then
	exec "$@"
fi

datadir=/var/lib/mysql
sock=/run/mysqld/mysqld.sock
mkdir -p /run/mysqld
chown mysql:mysql /run/mysqld "$datadir"

if [[ ! -d $datadir/mysql ]]; then
	pw=${MARIADB_ROOT_PASSWORD:-${MYSQL_ROOT_PASSWORD:-}}
	if [[ -z $pw ]]; then
		echo "entrypoint: the data directory is empty and MARIADB_ROOT_PASSWORD is not set" >&2
		exit 1
	fi
	echo "entrypoint: initializing $datadir"
	mariadb-install-db --user=mysql --datadir="$datadir" --skip-test-db \
		--auth-root-authentication-method=normal >/dev/null
	"$@" --user=mysql --skip-networking --socket="$sock" &
	pid=$!
	for _ in $(seq 1 120); do
		mariadb-admin --socket="$sock" -uroot ping >/dev/null 2>&1 && break
		sleep 0.5
	done
	root=(mariadb --socket="$sock" -uroot)
	# The password goes through a here-document, not the command line.
	"${root[@]}" <<-SQL
		SET @pw = '${pw//\'/\'\'}';
		EXECUTE IMMEDIATE CONCAT('ALTER USER root@localhost IDENTIFIED BY ', QUOTE(@pw));
		EXECUTE IMMEDIATE CONCAT('CREATE USER root@''%'' IDENTIFIED BY ', QUOTE(@pw));
		GRANT ALL ON *.* TO root@'%' WITH GRANT OPTION;
		-- As the official image: root is root@localhost and root@'%' only,
		-- both with the password, and there is no anonymous user.
		DELETE FROM mysql.global_priv WHERE User = '' OR (User = 'root' AND Host NOT IN ('localhost', '%'));
		DELETE FROM mysql.proxies_priv WHERE Host NOT IN ('localhost', '%');
		FLUSH PRIVILEGES;
	SQL
	for f in /docker-entrypoint-initdb.d/*; do
		case "$f" in
		*.sql)
			echo "entrypoint: running $f"
			"${root[@]}" -p"$pw" <"$f"
			;;
		*) echo "entrypoint: ignoring $f" ;;
		esac
	done
	mariadb-admin --socket="$sock" -uroot -p"$pw" shutdown
	wait "$pid" || true
	echo "entrypoint: initialized"
fi

exec "$@" --user=mysql
