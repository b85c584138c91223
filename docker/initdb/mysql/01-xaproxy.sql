-- Run once by the mysql:8.0 image on an empty data directory
-- (mounted at /docker-entrypoint-initdb.d by docker/compose.yaml).
-- The password matches the shard DSNs in docker/xaproxy-*.yaml: a development
-- stack's secret, to be replaced anywhere else.

CREATE DATABASE IF NOT EXISTS shop;

CREATE USER IF NOT EXISTS 'xaproxy'@'%' IDENTIFIED BY 'xaproxy-secret';

-- Tables, DDL through the proxy (CREATE/DROP DATABASE shop included) and the
-- rows of the schema xaproxy serves.
GRANT ALL PRIVILEGES ON shop.* TO 'xaproxy'@'%';

-- MySQL 8.0.19 and later refuse XA RECOVER without XA_RECOVER_ADMIN, and
-- recovery lists the in-doubt branches with it: without this grant a branch
-- left prepared by a proxy that died stays prepared, holding its row locks.
-- (MariaDB lets any user run XA RECOVER: see ../mariadb/.)
GRANT XA_RECOVER_ADMIN ON *.* TO 'xaproxy'@'%';

-- Recovery reads information_schema.INNODB_TRX to prove that a killed owner
-- connection has let go of its prepared branch before finishing it
-- (docs/xa-protocol.md, "Stuck owners").
GRANT PROCESS ON *.* TO 'xaproxy'@'%';
