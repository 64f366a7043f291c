#!/usr/bin/env bash
# Development certificates for a local federation (never for production).
#
#   certs/generate.sh [OUTDIR] [NODE_NAME ...]      (defaults: certs/out, node-a node-b node-c)
#
# Creates in OUTDIR:
#   ca.crt / ca.key                 the dev CA every party trusts (server CA and partner client CA bundle)
#   hub.crt, <node>.crt, partner.crt  (+ .key) leaf certificates usable as server AND client (serverAuth +
#                                   clientAuth), SAN DNS:localhost, IP:127.0.0.1, DNS:<name>
#   untrusted-ca.crt / untrusted.crt / untrusted.key   a second CA and a leaf from it (negative tests)
#   expired.crt / expired.key       a leaf from the trusted CA whose validity ended in 2020 (negative tests)
# Keys are EC P-256 (fast to make). Existing files are overwritten.
set -euo pipefail

OUT="${1:-$(dirname "$0")/out}"
shift || true
NODES=("$@")
if [ "${#NODES[@]}" -eq 0 ]; then NODES=(node-a node-b node-c); fi

for name in "${NODES[@]}"; do
  if ! [[ "$name" =~ ^[A-Za-z0-9][A-Za-z0-9._-]*$ ]]; then
    echo "generate.sh: bad name '$name' (letters, digits, . _ -)" >&2
    exit 2
  fi
done

mkdir -p "$OUT"
OUT="$(cd "$OUT" && pwd)"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
umask 077

newkey() { openssl ecparam -name prime256v1 -genkey -noout -out "$1" 2>/dev/null; }

make_ca() { # name subject
  newkey "$OUT/$1.key"
  openssl req -x509 -new -key "$OUT/$1.key" -sha256 -days 3650 -subj "/CN=$2" \
    -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" \
    -out "$OUT/$1.crt" 2>/dev/null
}

leaf_ext() { # name -> extension file
  cat > "$WORK/$1.ext" <<EXT
basicConstraints=critical,CA:FALSE
keyUsage=critical,digitalSignature,keyEncipherment
extendedKeyUsage=serverAuth,clientAuth
subjectAltName=DNS:localhost,IP:127.0.0.1,DNS:$1
EXT
}

make_leaf() { # name ca
  newkey "$OUT/$1.key"
  openssl req -new -key "$OUT/$1.key" -subj "/CN=$1" -out "$WORK/$1.csr" 2>/dev/null
  leaf_ext "$1"
  openssl x509 -req -in "$WORK/$1.csr" -CA "$OUT/$2.crt" -CAkey "$OUT/$2.key" -CAcreateserial \
    -CAserial "$WORK/$2.srl" -days 825 -sha256 -extfile "$WORK/$1.ext" -out "$OUT/$1.crt" 2>/dev/null
}

make_expired() { # name ca: openssl 3.0's x509 cannot backdate, `openssl ca` can
  newkey "$OUT/$1.key"
  openssl req -new -key "$OUT/$1.key" -subj "/CN=$1" -out "$WORK/$1.csr" 2>/dev/null
  leaf_ext "$1"
  mkdir -p "$WORK/ca-db"
  : > "$WORK/ca-db/index.txt"
  cat > "$WORK/ca.cnf" <<CNF
[ ca ]
default_ca = dev
[ dev ]
database = $WORK/ca-db/index.txt
new_certs_dir = $WORK/ca-db
serial = $WORK/ca-db/serial
default_md = sha256
policy = any
copy_extensions = none
[ any ]
commonName = supplied
CNF
  openssl rand -hex 8 > "$WORK/ca-db/serial"
  openssl ca -batch -config "$WORK/ca.cnf" -cert "$OUT/$2.crt" -keyfile "$OUT/$2.key" \
    -startdate 20200101000000Z -enddate 20200102000000Z -extfile "$WORK/$1.ext" \
    -in "$WORK/$1.csr" -out "$WORK/$1.full.crt" 2>/dev/null
  openssl x509 -in "$WORK/$1.full.crt" -out "$OUT/$1.crt"
}

make_ca ca "enfed dev CA"
make_ca untrusted-ca "enfed untrusted test CA"
for name in hub partner "${NODES[@]}"; do make_leaf "$name" ca; done
make_leaf untrusted untrusted-ca
make_expired expired ca
chmod 644 "$OUT"/*.crt

echo "dev certificates written to $OUT (CA: ca.crt; leaves: hub partner ${NODES[*]}; negative: untrusted expired)"
