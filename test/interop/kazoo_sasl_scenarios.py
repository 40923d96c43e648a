# kazoo's SASL DIGEST-MD5 client (sasl_options, and the legacy auth_data ("sasl", "u:p")
# form) against a server whose JAAS Server section lists admin (the superUser), bob and
# alice: python3 kazoo_sasl_scenarios.py host:port
# Checks sasl ACLs (and the auth scheme expanding to the sasl id) beside digest ACLs, the
# super user, and that a wrong password is refused.
# Output: one JSON line per check, then {"done": true} (see scenario-program.ts).
import json
import logging
import sys
import time
import warnings

from kazoo.client import KazooClient
from kazoo.exceptions import AuthFailedError, NoAuthError
from kazoo.handlers.threading import KazooTimeoutError
from kazoo.security import ACL, Id, Permissions, make_digest_acl

logging.basicConfig(level=logging.CRITICAL)
warnings.simplefilter("ignore")
hosts = sys.argv[1]


def report(check, ok, expected=None, actual=None, error=None):
    line = {"check": check, "ok": ok, "expected": expected, "actual": actual}
    if error is not None:
        line["error"] = error
    print(json.dumps(line), flush=True)


def sasl(user, password):
    return {"mechanism": "DIGEST-MD5", "username": user, "password": password}


def client(**kwargs):
    zk = KazooClient(hosts=hosts, timeout=5, connection_retry={"max_tries": 1}, **kwargs)
    zk.start(timeout=8)
    return zk


def outcome(fn):
    try:
        value = fn()
        return value.decode() if isinstance(value, bytes) else value
    except NoAuthError:
        return "NoAuth"


def scenario(name, fn):
    try:
        fn()
    except Exception as e:  # noqa: BLE001 - reported as a failed check
        report(name + "/error", False, error=repr(e))


def sasl_acl():
    bob = client(sasl_options=sasl("bob", "bobsecret"))
    bob.create("/kazoo-sasl", b"bob's", acl=[ACL(Permissions.ALL, Id("sasl", "bob"))])
    got = outcome(lambda: bob.get("/kazoo-sasl")[0])
    report("sasl-acl/owner-reads", got == "bob's", "bob's", got)
    bob.create("/kazoo-auth", b"x", acl=[ACL(Permissions.ALL, Id("auth", ""))])
    acl = [(a.id.scheme, a.id.id, a.perms) for a in bob.get_acls("/kazoo-auth")[0]]
    report("sasl-acl/auth-expands", acl == [("sasl", "bob", 31)], [["sasl", "bob", 31]], acl)
    bob.stop()
    bob.close()
    legacy = client(auth_data=[("sasl", "bob:bobsecret")])
    got = outcome(lambda: legacy.get("/kazoo-sasl")[0])
    report("sasl-acl/legacy-form-reads", got == "bob's", "bob's", got)
    legacy.stop()
    legacy.close()
    alice = client(sasl_options=sasl("alice", "alicesecret"))
    got = outcome(lambda: alice.get("/kazoo-sasl")[0])
    report("sasl-acl/other-user", got == "NoAuth", "NoAuth", got)
    alice.stop()
    alice.close()
    anonymous = client()
    got = outcome(lambda: anonymous.get("/kazoo-sasl")[0])
    report("sasl-acl/anonymous", got == "NoAuth", "NoAuth", got)
    anonymous.stop()
    anonymous.close()
    admin = client(sasl_options=sasl("admin", "adminsecret"))
    got = outcome(lambda: admin.get("/kazoo-sasl")[0])
    report("sasl-acl/super-user", got == "bob's", "bob's", got)
    admin.delete("/kazoo-sasl")
    admin.delete("/kazoo-auth")
    admin.stop()
    admin.close()


def digest_acl():
    carol = client(auth_data=[("digest", "carol:pw")])
    carol.create("/kazoo-digest", b"carol's", acl=[make_digest_acl("carol", "pw", all=True)])
    got = outcome(lambda: carol.get("/kazoo-digest")[0])
    report("digest-acl/owner-reads", got == "carol's", "carol's", got)
    carol.stop()
    carol.close()
    bob = client(sasl_options=sasl("bob", "bobsecret"))
    got = outcome(lambda: bob.get("/kazoo-digest")[0])
    report("digest-acl/sasl-user", got == "NoAuth", "NoAuth", got)
    bob.stop()
    bob.close()


def wrong_password():
    # kazoo reports CONNECTED once the session opens, before SASL runs; the failed exchange
    # then makes it give up: it stops connecting and its state reads CLOSED (ZooKeeper 3.8
    # and Corral alike).
    zk = KazooClient(hosts=hosts, timeout=5, connection_retry={"max_tries": 1},
                     sasl_options=sasl("bob", "wrong"))
    try:
        zk.start(timeout=8)
    except (AuthFailedError, KazooTimeoutError):
        pass
    deadline = time.time() + 10
    while zk.client_state != "CLOSED" and time.time() < deadline:
        time.sleep(0.05)
    report("wrong-password/gave-up", zk.client_state == "CLOSED", "CLOSED", zk.client_state)
    zk.stop()
    zk.close()


scenario("sasl-acl", sasl_acl)
scenario("digest-acl", digest_acl)
scenario("wrong-password", wrong_password)
print(json.dumps({"done": True}), flush=True)
