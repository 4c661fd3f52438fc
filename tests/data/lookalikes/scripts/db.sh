#!/bin/sh
set -eu
mysql -u root -p
mysql -u root -p shop < schema.sql
mysqldump -u root -p"$MYSQL_ROOT_PASSWORD" --all-databases > all.sql
mysql -h db -P 3306 -u app -p"${MYSQL_PASSWORD}" shop
sshpass -p "$SSH_PASS" scp backup.tar.gz deploy@backup:
docker login -u ci -p "$(cat /run/secrets/registry)" registry.internal
psql "host=localhost user=postgres password=postgres dbname=test"
psql "host=$PGHOST user=$PGUSER password=$PGPASSWORD dbname=shop"
ssh -p 2222 deploy@bastion
