# Drives kazoo (a Python ZooKeeper client with its own jute encoder) against the server
# behind the recording proxy, so the golden vectors also hold a second client's bytes.
# Run by capture.mjs: /usr/bin/python3 kazoo_driver.py <host:port>
# kazoo sends only opcodes 1-9, 12-16, 100 and 102; it never creates ephemerals here, so
# every ephemeralOwner in the capture belongs to the server's first session (exact in a
# double; see capture.mjs).
import sys

from kazoo.client import KazooClient
from kazoo.security import make_digest_acl


def step(name, fn):
    try:
        print("ok  ", name, "->", fn())
    except Exception as e:  # noqa: BLE001 - errors are part of what we capture
        print("err ", name, "->", repr(e))


zk = KazooClient(hosts=sys.argv[1], timeout=10.0)
zk.start()
step("create", lambda: zk.create("/kazoo", b"k"))
step("create2 with stat", lambda: zk.create("/kazoo/s", b"s", include_data=True))
step("create sequence", lambda: zk.create("/kazoo/q-", b"", sequence=True))
step("create digest acl", lambda: zk.create(
    "/kazoo/acl", b"a", acl=[make_digest_acl("bob", "pw", all=True)]))
step("exists", lambda: zk.exists("/kazoo"))
step("exists missing", lambda: zk.exists("/kazoo/none", watch=lambda e: print("event", e)))
step("get", lambda: zk.get("/kazoo", watch=lambda e: print("event", e)))
step("get_children", lambda: zk.get_children("/kazoo", watch=lambda e: print("event", e)))
step("get_children with stat", lambda: zk.get_children("/kazoo", include_data=True))
step("set", lambda: zk.set("/kazoo", b"k2"))
step("get_acls", lambda: zk.get_acls("/kazoo/acl"))
step("get no auth", lambda: zk.get("/kazoo/acl"))
step("add_auth", lambda: zk.add_auth("digest", "bob:pw"))
step("get with auth", lambda: zk.get("/kazoo/acl"))
step("set_acls", lambda: zk.set_acls("/kazoo/acl", [make_digest_acl("bob", "pw", read=True)]))
step("sync", lambda: zk.sync("/kazoo"))


def txn_ok():
    t = zk.transaction()
    t.create("/kazoo/t", b"t")
    t.set_data("/kazoo/t", b"t2")
    t.check("/kazoo/t", 1)
    t.delete("/kazoo/t")
    return t.commit()


def txn_fail():
    t = zk.transaction()
    t.create("/kazoo/t2", b"t")
    t.delete("/kazoo/none")
    return t.commit()


step("transaction ok", txn_ok)
step("transaction fails", txn_fail)
step("delete not empty", lambda: zk.delete("/kazoo"))
step("delete recursive", lambda: zk.delete("/kazoo", recursive=True))
zk.stop()
zk.close()
print("done")
