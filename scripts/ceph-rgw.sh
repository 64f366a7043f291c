#!/usr/bin/env bash
# A throwaway single-node Ceph (one monitor, one OSD on memstore, one radosgw) on 127.0.0.1, for the S3 blob store
# tests: the real S3 implementation of Ceph (SigV4, multipart uploads, ACLs), started per test file.
#
#   scripts/ceph-rgw.sh start DIR MONPORT RGWPORT ACCESS_KEY SECRET_KEY   # ready when it returns (about 12 s)
#   scripts/ceph-rgw.sh stop DIR                                          # stops the daemons, removes DIR
#
# The ports must be free (the monitor's address is written into its map, so port 0 cannot be used). Data lives in
# memory (memstore) and DIR; nothing outside DIR is touched. Debian packages: ceph-mon ceph-osd radosgw
# (scripts/ensure-test-services.sh installs them).
set -euo pipefail

stop() {
  local dir=$1 name pid
  for name in client.rgw.a osd.0 mon.a; do
    if [ -f "$dir/run/$name.pid" ]; then
      pid=$(cat "$dir/run/$name.pid")
      kill "$pid" 2>/dev/null || true
      for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
      kill -9 "$pid" 2>/dev/null || true
    fi
  done
  rm -rf "$dir"
}

start() {
  local dir=$1 monport=$2 rgwport=$3 access=$4 secret=$5
  rm -rf "$dir"
  mkdir -p "$dir"/{mon.a,osd.0,run,log,rgw}
  # A failed step must not leave the daemons that did start running.
  trap 'stop "$dir"' ERR
  local fsid
  fsid=$(cat /proc/sys/kernel/random/uuid)
  cat >"$dir/ceph.conf" <<CONF
[global]
fsid = $fsid
mon host = [v2:127.0.0.1:$monport]
public addr = 127.0.0.1
ms bind ipv6 = false
auth cluster required = cephx
auth service required = cephx
auth client required = cephx
run dir = $dir/run
admin socket = $dir/run/\$name.asok
pid file = $dir/run/\$name.pid
log file = $dir/log/\$name.log
keyring = $dir/keyring
mon data = $dir/mon.\$id
osd data = $dir/osd.\$id
osd objectstore = memstore
memstore device bytes = 1073741824
osd pool default size = 1
osd pool default min size = 1
osd pool default pg num = 8
osd pool default pgp num = 8
osd pool default pg autoscale mode = off
mon allow pool size one = true
mon allow pool delete = true
mon warn on pool no redundancy = false
osd crush chooseleaf type = 0
mon osd min down reporters = 1
osd max object name len = 460
osd max object namespace len = 64
erasure code dir = /usr/lib/x86_64-linux-gnu/ceph/erasure-code
plugin dir = /usr/lib/x86_64-linux-gnu/ceph
[client.rgw.a]
rgw frontends = beast endpoint=127.0.0.1:$rgwport
rgw data = $dir/rgw
rgw dns name = 127.0.0.1
CONF
  local c=(-c "$dir/ceph.conf")
  ceph-authtool --create-keyring "$dir/keyring" --gen-key -n mon. --cap mon 'allow *' >/dev/null
  ceph-authtool "$dir/keyring" --gen-key -n client.admin --cap mon 'allow *' --cap osd 'allow *' \
    --cap mgr 'allow *' --cap mds 'allow *' >/dev/null
  ceph-authtool "$dir/keyring" --gen-key -n client.rgw.a --cap mon 'allow rw' --cap osd 'allow rwx' \
    --cap mgr 'allow rw' >/dev/null
  monmaptool --create --addv a "[v2:127.0.0.1:$monport]" --fsid "$fsid" "$dir/monmap" >/dev/null
  ceph-mon "${c[@]}" --mkfs -i a --monmap "$dir/monmap" --keyring "$dir/keyring"
  ceph-mon "${c[@]}" -i a
  local uuid id
  uuid=$(cat /proc/sys/kernel/random/uuid)
  id=$(ceph "${c[@]}" osd new "$uuid")
  # The OSD's key must be known to the monitor before mkfs, which contacts it.
  ceph-authtool "$dir/keyring" --gen-key -n "osd.$id" --cap osd 'allow *' --cap mon 'allow profile osd' \
    --cap mgr 'allow profile osd' >/dev/null
  ceph "${c[@]}" auth import -i "$dir/keyring" 2>/dev/null
  ceph-osd "${c[@]}" -i "$id" --mkfs --osd-uuid "$uuid" 2>/dev/null
  ceph-osd "${c[@]}" -i "$id"
  radosgw "${c[@]}" -n client.rgw.a
  local ready=false line
  for _ in $(seq 1 600); do
    # An HTTP answer (no curl needed): radosgw is up once it answers a plain GET.
    if exec 3<>"/dev/tcp/127.0.0.1/$rgwport" 2>/dev/null; then
      printf 'GET / HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n' >&3
      if read -r -t 2 line <&3 && [[ $line == HTTP/* ]]; then ready=true; fi
      exec 3>&-
      [ "$ready" = true ] && break
    fi
    sleep 0.1
  done
  if [ "$ready" != true ]; then
    echo "radosgw did not answer on 127.0.0.1:$rgwport" >&2
    false
  fi
  radosgw-admin "${c[@]}" user create --uid=enfed --display-name=enfed --access-key="$access" \
    --secret-key="$secret" >/dev/null
  trap - ERR
}

case "${1:-}" in
  start) start "$2" "$3" "$4" "$5" "$6" ;;
  stop) stop "$2" ;;
  *)
    echo "usage: $0 start DIR MONPORT RGWPORT ACCESS_KEY SECRET_KEY | stop DIR" >&2
    exit 2
    ;;
esac
