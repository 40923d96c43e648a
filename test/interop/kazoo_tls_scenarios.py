# kazoo's TLS client against a secure client port: python3 kazoo_tls_scenarios.py host:port pki_dir
# A client with a certificate the server's CA signed is served; one without a certificate,
# one whose certificate another CA signed, and a plain (non-TLS) client are refused.
# Output: one JSON line per check, then {"done": true} (see scenario-program.ts).
import json
import logging
import os
import sys

from kazoo.client import KazooClient
from kazoo.handlers.threading import KazooTimeoutError

logging.basicConfig(level=logging.CRITICAL)
hosts, pki = sys.argv[1], sys.argv[2]


def report(check, ok, expected=None, actual=None, error=None):
    line = {"check": check, "ok": ok, "expected": expected, "actual": actual}
    if error is not None:
        line["error"] = error
    print(json.dumps(line), flush=True)


def client(**kwargs):
    # One connection attempt per try, few retries: refusals must end quickly.
    return KazooClient(hosts=hosts, timeout=4, connection_retry={"max_tries": 1}, **kwargs)


def refused(name, **kwargs):
    zk = client(**kwargs)
    try:
        zk.start(timeout=4)
        report(name + "/refused", False, "refused", "connected")
        zk.stop()
    except KazooTimeoutError:
        report(name + "/refused", True, "refused", "refused")
    finally:
        zk.close()


def path(name):
    return os.path.join(pki, name)


try:
    zk = client(use_ssl=True, certfile=path("client.crt"), keyfile=path("client.key"),
                ca=path("ca.crt"), verify_certs=True)
    zk.start(timeout=10)
    zk.create("/kazoo-tls", b"over tls")
    data, _ = zk.get("/kazoo-tls")
    report("trusted/get", data == b"over tls", "over tls", data.decode())
    zk.delete("/kazoo-tls")
    zk.stop()
    zk.close()
except Exception as e:  # noqa: BLE001 - reported as a failed check
    report("trusted/session", False, error=repr(e))

refused("no-certificate", use_ssl=True, ca=path("ca.crt"), verify_certs=True)
refused("untrusted-certificate", use_ssl=True, certfile=path("rogue-client.crt"),
        keyfile=path("rogue-client.key"), ca=path("ca.crt"), verify_certs=True)
refused("plain-client")
print(json.dumps({"done": True}), flush=True)
