-- Run once by the mariadb:10.11 image on an empty data directory
-- (mounted at /docker-entrypoint-initdb.d by docker/compose.yaml).
-- The password matches the shard DSNs in docker/xaproxy-*.yaml: a development
-- stack's secret, to be replaced anywhere else.

CREATE DATABASE IF NOT EXISTS shop;

CREATE USER IF NOT EXISTS 'xaproxy'@'%' IDENTIFIED BY 'xaproxy-secret';

-- Tables, DDL through the proxy (CREATE/DROP DATABASE shop included) and the
-- rows of the schema xaproxy serves. MariaDB needs no privilege for XA
-- RECOVER (it has no XA_RECOVER_ADMIN; granting it would be an error).
GRANT ALL PRIVILEGES ON shop.* TO 'xaproxy'@'%';

-- Recovery reads information_schema.INNODB_TRX to prove that a killed owner
-- connection has let go of its prepared branch before finishing it
-- (docs/xa-protocol.md, "Stuck owners").
GRANT PROCESS ON *.* TO 'xaproxy'@'%';
