#!/usr/bin/env bash
# Makes sure what the test suite talks to is there: PostgreSQL and Redis on 127.0.0.1, Debian's
# Chromium for the operator page browser test, Ceph (radosgw) for the S3 blob store tests, SoftHSM2 for the PKCS#11
# signing tests, kubectl (manifest tests) and promtool (alert rule tests). Starts or installs only what is missing.
# Runs before `npm test` (pretest) and in CI; on a machine where it cannot act it explains what to do.
set -euo pipefail

if ! pg_isready -h 127.0.0.1 -p 5432 -q 2>/dev/null; then
  if command -v pg_ctlcluster >/dev/null && [ -d /etc/postgresql ]; then
    echo "ensure-test-services: starting PostgreSQL"
    pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql)" main start
    for _ in $(seq 1 30); do pg_isready -h 127.0.0.1 -p 5432 -q && break; sleep 1; done
  else
    echo "ensure-test-services: PostgreSQL is not reachable on 127.0.0.1:5432; start it (or set TEST_DATABASE_URL)" >&2
    exit 1
  fi
fi

if ! redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1; then
  if command -v redis-server >/dev/null; then
    echo "ensure-test-services: starting Redis"
    mkdir -p /var/lib/redis /var/log/redis
    redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no \
      --dir /var/lib/redis --logfile /var/log/redis/ci.log
    for _ in $(seq 1 30); do redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1 && break; sleep 1; done
  else
    echo "ensure-test-services: Redis is not reachable on 127.0.0.1:6379; start it (or set TEST_REDIS_URL)" >&2
    exit 1
  fi
fi

# Installs the Debian packages one group of tests needs; where this script cannot (not root, no apt-get), it says
# what to install and stops.
install_or_explain() {
  local tests="$1"
  shift
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "ensure-test-services: installing Debian $* ($tests)"
    apt-get update -qq && apt-get install -y -qq --no-install-recommends "$@" >/dev/null
  else
    echo "ensure-test-services: the $tests need Debian $* (apt-get install $*)" >&2
    exit 1
  fi
}

# Chromium at /usr/bin/chromium: the operator page browser test.
if ! command -v chromium >/dev/null; then
  install_or_explain "operator page browser test" chromium
fi

# Ceph's radosgw: the real S3 implementation the S3 blob store tests run against (test/helpers/ceph-rgw.ts);
# about a minute to install.
if ! command -v radosgw >/dev/null || ! command -v ceph-mon >/dev/null || ! command -v ceph-osd >/dev/null; then
  install_or_explain "S3 blob store tests" ceph-mon ceph-osd radosgw
fi

# SoftHSM2: the PKCS#11 token the HSM export signing tests initialise in a temporary directory (test/helpers/softhsm.ts).
if [ ! -e /usr/lib/softhsm/libsofthsm2.so ] || ! command -v softhsm2-util >/dev/null; then
  install_or_explain "PKCS#11 export signing tests" softhsm2
fi

# kubectl renders deploy/kubernetes (`kubectl kustomize`) for the manifest tests; Debian's kubernetes-client is
# enough (its kustomize reads the overlays' `bases`). KUBECTL=<path> picks another one.
if [ -z "${KUBECTL:-}" ] && ! command -v kubectl >/dev/null; then
  install_or_explain "Kubernetes manifest tests" kubernetes-client
fi

# promtool checks and unit-tests deploy/prometheus/enfed.rules.yml. Debian ships it in the prometheus package; the
# server itself is not started (Debian's policy-rc.d in containers, and nothing here asks for it).
if [ -z "${PROMTOOL:-}" ] && ! command -v promtool >/dev/null; then
  install_or_explain "alert rule tests" prometheus
fi
