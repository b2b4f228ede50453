#!/usr/bin/env bash
# Kept in the repository (from the workplace notes) so CI does not depend on files outside the clone.
# Starts a real S3-compatible store (OpenStack Swift + s3api, from Debian) on 127.0.0.1:${S3_PORT:-8080}.
# Needs: apt-get install -y --no-install-recommends swift swift-proxy swift-account swift-container swift-object memcached curl
# Credentials: access key hub:admin, secret hubsecret, region us-east-1, forcePathStyle true.
# Stop: kill $(cat $SWIFT_ROOT/run/*.pid). Batch DeleteObjects needs Content-MD5; conditional PUT is unsupported.
set -euo pipefail
S=${SWIFT_ROOT:-/tmp/swift-s3}; PORT=${S3_PORT:-8080}
mkdir -p "$S/etc" "$S/node/d1" "$S/run" "$S/log"; chown -R swift:swift "$S/node"   # servers drop privileges to user 'swift'
cd "$S/etc"
for t in account:6202 container:6201 object:6200; do n=${t%%:*}; p=${t##*:}
  [ -f $n.ring.gz ] || { swift-ring-builder $n.builder create 8 1 1; swift-ring-builder $n.builder add r1z1-127.0.0.1:$p/d1 100; swift-ring-builder $n.builder rebalance; } >/dev/null
  printf '[DEFAULT]\nbind_ip = 127.0.0.1\nbind_port = %s\nworkers = 1\ndevices = %s/node\nmount_check = false\nswift_dir = %s/etc\n[pipeline:main]\npipeline = %s-server\n[app:%s-server]\nuse = egg:swift#%s\n[%s-replicator]\n[%s-auditor]\n' \
    $p "$S" "$S" $n $n $n $n $n > $n-server.conf
done
cat > proxy-server.conf <<CONF
[DEFAULT]
bind_ip = 127.0.0.1
bind_port = $PORT
workers = 1
swift_dir = $S/etc
[pipeline:main]
pipeline = catch_errors gatekeeper healthcheck proxy-logging cache listing_formats bulk s3api tempauth copy slo dlo proxy-logging proxy-server
[app:proxy-server]
use = egg:swift#proxy
account_autocreate = true
[filter:tempauth]
use = egg:swift#tempauth
user_hub_admin = hubsecret .admin
[filter:s3api]
use = egg:swift#s3api
location = us-east-1
[filter:cache]
use = egg:swift#memcache
memcache_servers = 127.0.0.1:11211
[filter:catch_errors]
use = egg:swift#catch_errors
[filter:gatekeeper]
use = egg:swift#gatekeeper
[filter:healthcheck]
use = egg:swift#healthcheck
[filter:proxy-logging]
use = egg:swift#proxy_logging
[filter:listing_formats]
use = egg:swift#listing_formats
[filter:bulk]
use = egg:swift#bulk
[filter:copy]
use = egg:swift#copy
[filter:slo]
use = egg:swift#slo
[filter:dlo]
use = egg:swift#dlo
CONF
cd "$S"
memcached -u root -l 127.0.0.1 -p 11211 -m 64 >log/memcached.log 2>&1 & echo $! > run/memcached.pid
for n in account container object proxy; do /usr/bin/swift-$n-server etc/$n-server.conf -v >log/$n.log 2>&1 & echo $! > run/$n.pid; done
for i in $(seq 1 60); do curl -fs http://127.0.0.1:$PORT/healthcheck >/dev/null && exit 0; sleep 0.5; done; exit 1
