#!/usr/bin/env bash
# Installs the real ZooKeeper server and the real clients that the interop and differential
# tests talk to (docs/testing.md): Debian's zookeeper 3.8 (server, Java client, zkCli.sh,
# recipe jars), the C client (cli_mt), kazoo for /usr/bin/python3, Apache Curator 5, the
# servlet API ZooKeeper's AdminServer needs (test/admin compares against it) and Chromium for
# the dashboard's browser tests (driven by playwright-core, which downloads no browser).
# Idempotent: packages already present are skipped. Needs root (CI runs as root).
set -euo pipefail

packages=(
  zookeeper
  zookeeper-bin
  python3-kazoo
  libcurator-client-java
  libcurator-framework-java
  libcurator-recipes-java
  libcurator-discovery-java
  libslf4j-java
  libservlet-api-java
  chromium
  # TLS and SASL suites: Netty's codec jars (ZooKeeper's TLS port, ClientCnxnSocketNetty),
  # openssl for test certificates (keytool comes with the JDK), pure-sasl for kazoo's SASL.
  libnetty-java
  openssl
  python3-pure-sasl
)
missing=()
for p in "${packages[@]}"; do
  dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
if [ "${#missing[@]}" -eq 0 ]; then
  echo "interop: all packages present"
  exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
  echo "interop: missing ${missing[*]} and not root; install them with apt-get" >&2
  exit 1
fi
echo "interop: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "interop: installed"
