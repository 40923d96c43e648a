# The x509 ACL scheme through kazoo's TLS client: python3 kazoo_x509_scenarios.py host:port pki
# The server runs with ssl.clientAuth=want and the X509AuthenticationProvider. A client with
# the certificate "/CN=client/O=corral-tests" holds x509:O=corral-tests,CN=client (Java's
# RFC 2253 spelling); the auth ACL expands to it; a TLS client without a certificate is
# refused by such ACLs. The server names that subject X509AuthenticationProvider.superUser.
# Output: one JSON line per check, then {"done": true} (see scenario-program.ts).
import json
import logging
import os
import sys

from kazoo.client import KazooClient
from kazoo.exceptions import NoAuthError
from kazoo.security import ACL, Id, Permissions

logging.basicConfig(level=logging.CRITICAL)
hosts, pki = sys.argv[1], sys.argv[2]
subject = "O=corral-tests,CN=client"


def report(check, ok, expected=None, actual=None, error=None):
    line = {"check": check, "ok": ok, "expected": expected, "actual": actual}
    if error is not None:
        line["error"] = error
    print(json.dumps(line), flush=True)


def client(with_cert):
    extra = {}
    if with_cert:
        extra = {"certfile": os.path.join(pki, "client.crt"),
                 "keyfile": os.path.join(pki, "client.key")}
    zk = KazooClient(hosts=hosts, timeout=5, connection_retry={"max_tries": 1}, use_ssl=True,
                     ca=os.path.join(pki, "ca.crt"), verify_certs=True, **extra)
    zk.start(timeout=10)
    return zk


def read(zk, path):
    try:
        return zk.get(path)[0].decode()
    except NoAuthError:
        return "NoAuth"


try:
    owner = client(True)
    owner.create("/x509-auth", b"mine", acl=[ACL(Permissions.ALL, Id("auth", ""))])
    acl = [[a.id.scheme, a.id.id] for a in owner.get_acls("/x509-auth")[0]]
    report("x509/auth-expands", acl == [["x509", subject]], [["x509", subject]], acl)
    owner.create("/x509-named", b"named", acl=[ACL(Permissions.ALL, Id("x509", subject))])
    got = read(owner, "/x509-named")
    report("x509/named-acl-reads", got == "named", "named", got)
    # The client's subject is X509AuthenticationProvider.superUser: it is super, so an ACL
    # naming someone else does not stop it.
    owner.create("/x509-other", b"other", acl=[ACL(Permissions.ALL, Id("x509", "CN=someone-else"))])
    got = read(owner, "/x509-other")
    report("x509/super-user", got == "other", "other", got)
    anonymous = client(False)
    got = read(anonymous, "/x509-other")
    report("x509/no-certificate-not-super", got == "NoAuth", "NoAuth", got)
    got = read(anonymous, "/x509-named")
    report("x509/no-certificate", got == "NoAuth", "NoAuth", got)
    anonymous.stop()
    anonymous.close()
    owner.delete("/x509-auth")
    owner.delete("/x509-named")
    owner.delete("/x509-other")
    owner.stop()
    owner.close()
except Exception as e:  # noqa: BLE001 - reported as a failed check
    report("x509/error", False, error=repr(e))
print(json.dumps({"done": True}), flush=True)
