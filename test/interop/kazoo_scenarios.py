#!/usr/bin/python3
# Kazoo scenarios against a ZooKeeper-compatible server: every operation kazoo offers, the
# watch kinds and their order, ephemerals, sequence nodes, transactions, ACL/digest auth,
# session close and forced expiry, and kazoo's recipes. Usage: kazoo_scenarios.py host:port
#
# Output: one JSON object per line, {"check": "<scenario>/<what>", "ok": ..., "expected": ...,
# "actual": ...} and a final {"done": true} (see scenario-program.ts). Each scenario works
# under its own top-level node so scenarios do not disturb each other.
import json
import os
import queue
import signal
import subprocess
import sys
import threading
import traceback

from kazoo.client import KazooClient
from kazoo.exceptions import (
    BadVersionError,
    InvalidACLError,
    NoAuthError,
    NoChildrenForEphemeralsError,
    NodeExistsError,
    NoNodeError,
    NotEmptyError,
    RolledBackError,
    RuntimeInconsistency,
)
from kazoo.security import (
    ACL,
    OPEN_ACL_UNSAFE,
    Id,
    Permissions,
    make_digest_acl,
    make_digest_acl_credential,
)

HOSTS = sys.argv[1]
# The target's name: ZooKeeper before 3.8.4 lets exists() see a node without READ; Corral
# applies the 3.8.4/3.9.2 check and answers NoAuth.
TARGET = sys.argv[2] if len(sys.argv) > 2 else "zookeeper"
ENSEMBLE = "," in HOSTS
# Bound on every wait for an event or a recipe step; servers answer in milliseconds.
WAIT_S = 15.0
clients = []


def emit(name, ok, expected=None, actual=None, error=None):
    record = {"check": name, "ok": bool(ok)}
    if error is not None:
        record["error"] = error
    else:
        record["expected"] = expected
        record["actual"] = actual
    print(json.dumps(record, default=repr), flush=True)


def check(name, actual, expected):
    emit(name, actual == expected, expected, actual)


def raises(name, expected_exc, fn):
    """Checks that fn() raises exactly the kazoo exception class expected_exc."""
    try:
        fn()
        got = "no exception"
    except Exception as e:  # noqa: BLE001 - any outcome is reported
        got = type(e).__name__
    check(name, got, expected_exc.__name__)


def client(**kwargs):
    c = KazooClient(hosts=HOSTS, timeout=kwargs.pop("timeout", 10.0), **kwargs)
    c.start(timeout=WAIT_S)
    clients.append(c)
    return c


def stop(c):
    c.stop()
    c.close()
    if c in clients:
        clients.remove(c)


class Events:
    """Collects watch events (type name, path) from callbacks on kazoo's event thread."""

    def __init__(self):
        self.q = queue.Queue()

    def watcher(self, tag=""):
        def cb(event):
            self.q.put((tag + event.type, event.path))

        return cb

    def next(self):
        try:
            return self.q.get(timeout=WAIT_S)
        except queue.Empty:
            return ("timeout", None)

    def take(self, n):
        return [list(self.next()) for _ in range(n)]


def fence(c, events, path):
    """Returns once every notification sent to c before now has been delivered to `events`.

    ZooKeeper delivers a connection's notifications in order, so an exists-watch on a fresh
    path followed by its creation yields a marker event that arrives after all earlier ones.
    """
    c.exists(path, watch=events.watcher("fence:"))
    c.create(path)
    out = []
    while True:
        e = events.next()
        if e[0] in ("fence:CREATED", "timeout"):
            return out
        out.append(list(e))


scenarios = []


def scenario(name):
    """Registers a scenario; its checks are named "<name>/<what>"."""

    def register(fn):
        scenarios.append((name, fn))
        return fn

    return register


# ---------------------------------------------------------------------------------------


@scenario("builtin")
def builtin(zk):
    # The built-in nodes every ZooKeeper has; checked first, before other scenarios add nodes.
    check("builtin/root children", zk.get_children("/"), ["zookeeper"])
    check("builtin/zookeeper children", sorted(zk.get_children("/zookeeper")), ["config", "quota"])
    data, stat = zk.get("/")
    check("builtin/root data", data, b"")
    check("builtin/root cversion and numChildren", (stat.cversion, stat.numChildren), (-1, 1))
    _, zstat = zk.get("/zookeeper")
    check("builtin/zookeeper cversion and numChildren", (zstat.cversion, zstat.numChildren), (-2, 2))
    acls, _ = zk.get_acls("/zookeeper/config")
    check("builtin/config acl is world read", [(a.perms, a.id.scheme, a.id.id) for a in acls],
          [(Permissions.READ, "world", "anyone")])
    check("builtin/exists root", zk.exists("/") is not None, True)


@scenario("create")
def create(zk):
    base = "/create"
    check("create/returns path", zk.create(base, b"top"), base)
    data, stat = zk.get(base)
    check("create/data", data, b"top")
    check("create/fresh stat",
          (stat.version, stat.cversion, stat.aversion, stat.dataLength, stat.numChildren,
           stat.ephemeralOwner, stat.czxid == stat.mzxid == stat.pzxid, stat.ctime == stat.mtime),
          (0, 0, 0, 3, 0, 0, True, True))
    raises("create/existing is NodeExists", NodeExistsError, lambda: zk.create(base))
    raises("create/missing parent is NoNode", NoNodeError, lambda: zk.create(base + "/a/b"))
    check("create/makepath", zk.create(base + "/a/b/c", b"x", makepath=True), base + "/a/b/c")
    check("create/makepath parents exist", zk.exists(base + "/a/b") is not None, True)
    check("create/empty data", zk.get(base + "/a")[0], b"")

    path, stat2 = zk.create(base + "/with-stat", b"12345", include_data=True)
    check("create/create2 path", path, base + "/with-stat")
    check("create/create2 stat", (stat2.version, stat2.dataLength, stat2.czxid == stat2.mzxid),
          (0, 5, True))
    check("create/create2 stat equals get", stat2, zk.get(path)[1])
    _, parent = zk.get(base)
    check("create/parent pzxid is child czxid", parent.pzxid, stat2.czxid)
    check("create/parent mzxid unchanged", parent.mzxid, stat.mzxid)

    eph = zk.create(base + "/eph", b"e", ephemeral=True)
    _, estat = zk.get(eph)
    check("create/ephemeral owner is session", estat.ephemeralOwner, zk.client_id[0])
    raises("create/child of ephemeral", NoChildrenForEphemeralsError,
           lambda: zk.create(eph + "/child"))
    check("create/getEphemerals-like exists", zk.exists(eph).ephemeralOwner, zk.client_id[0])

    # Sequence numbers come from the parent's count of every child ever created.
    seqp = base + "/seq"
    zk.create(seqp)
    zk.create(seqp + "/plain")
    s1 = zk.create(seqp + "/n-", sequence=True)
    s2 = zk.create(seqp + "/n-", sequence=True)
    check("create/sequence suffixes count every child", [s1, s2],
          [seqp + "/n-0000000001", seqp + "/n-0000000002"])
    zk.delete(s2)
    s3 = zk.create(seqp + "/n-", sequence=True)
    check("create/sequence never reused after delete", s3, seqp + "/n-0000000003")
    s4 = zk.create(seqp + "/e-", b"", ephemeral=True, sequence=True)
    check("create/ephemeral sequential", s4, seqp + "/e-0000000004")
    check("create/ephemeral sequential owner", zk.exists(s4).ephemeralOwner, zk.client_id[0])
    s5 = zk.create(seqp + "/", sequence=True)
    check("create/sequence with trailing slash", s5, seqp + "/0000000005")
    s6 = zk.create(base + "/other-", sequence=True)
    # /create has had 4 children so far (a, with-stat, eph, seq): its own counter is 4.
    check("create/sequence counter is per parent", s6, base + "/other-0000000004")
    _, sstat = zk.get(seqp)
    # 6 creates, 1 delete: cversion counts both, numChildren the living.
    check("create/parent cversion and numChildren", (sstat.cversion, sstat.numChildren), (7, 5))


@scenario("gsd")
def get_set_delete(zk):
    p = "/gsd"
    zk.create(p, b"v0")
    st = zk.set(p, b"v1", version=0)
    check("gsd/set with right version", st.version, 1)
    check("gsd/set data visible", zk.get(p)[0], b"v1")
    check("gsd/set moves mzxid", st.mzxid > st.czxid, True)
    check("gsd/set keeps ctime, mtime not earlier", (st.mtime >= st.ctime), True)
    raises("gsd/set wrong version", BadVersionError, lambda: zk.set(p, b"x", version=5))
    check("gsd/failed set changes nothing", zk.get(p), (b"v1", st))
    st2 = zk.set(p, b"")
    check("gsd/set any version", (st2.version, st2.dataLength), (2, 0))
    raises("gsd/set missing", NoNodeError, lambda: zk.set(p + "/nope", b"x"))
    raises("gsd/get missing", NoNodeError, lambda: zk.get(p + "/nope"))
    zk.create(p + "/c")
    raises("gsd/delete wrong version before NotEmpty", BadVersionError,
           lambda: zk.delete(p, version=7))
    raises("gsd/delete non-empty", NotEmptyError, lambda: zk.delete(p))
    raises("gsd/delete child wrong version", BadVersionError, lambda: zk.delete(p + "/c", version=1))
    zk.delete(p + "/c", version=0)
    check("gsd/deleted child gone", zk.exists(p + "/c"), None)
    raises("gsd/delete missing", NoNodeError, lambda: zk.delete(p + "/c"))
    big = bytes(range(256)) * 2048  # 512 KiB
    zk.set(p, big)
    check("gsd/512 KiB value round trip", zk.get(p)[0] == big, True)
    check("gsd/dataLength of big value", zk.exists(p).dataLength, len(big))
    zk.delete(p, version=3)
    check("gsd/delete with right version", zk.exists(p), None)
    zk.create(p + "2/a/b", makepath=True)
    zk.delete(p + "2", recursive=True)
    check("gsd/recursive delete", zk.exists(p + "2"), None)


@scenario("children")
def children(zk):
    p = "/kids"
    zk.create(p)
    for n in ("a", "b", "c"):
        zk.create(p + "/" + n)
    zk.delete(p + "/b")
    check("children/names", sorted(zk.get_children(p)), ["a", "c"])
    names, stat = zk.get_children(p, include_data=True)
    check("children/with stat", (sorted(names), stat.numChildren, stat.cversion), (["a", "c"], 2, 4))
    check("children/stat pzxid is last change", stat.pzxid > stat.czxid, True)
    check("children/leaf has none", zk.get_children(p + "/a"), [])
    raises("children/missing", NoNodeError, lambda: zk.get_children(p + "/zz"))
    check("children/exists missing is None", zk.exists(p + "/zz"), None)


@scenario("acl")
def acl(zk):
    p = "/acl"
    zk.create(p, b"x")
    acls, stat = zk.get_acls(p)
    check("acl/default open", acls, OPEN_ACL_UNSAFE)
    check("acl/aversion 0", stat.aversion, 0)
    raises("acl/set_acls wrong version", BadVersionError, lambda: zk.set_acls(p, OPEN_ACL_UNSAFE, version=3))
    read_only = [ACL(Permissions.READ, Id("world", "anyone"))]
    st = zk.set_acls(p, read_only, version=0)
    check("acl/set_acls bumps aversion only", (st.aversion, st.version, st.mzxid == stat.mzxid),
          (1, 0, True))
    check("acl/read allowed", zk.get(p)[0], b"x")
    raises("acl/write denied", NoAuthError, lambda: zk.set(p, b"y"))
    raises("acl/create child denied", NoAuthError, lambda: zk.create(p + "/c"))
    raises("acl/set_acls denied without ADMIN", NoAuthError, lambda: zk.set_acls(p, OPEN_ACL_UNSAFE))
    # The permission check comes before the version check.
    raises("acl/NoAuth wins over BadVersion", NoAuthError, lambda: zk.set_acls(p, OPEN_ACL_UNSAFE, version=9))
    raises("acl/NoAuth wins over BadVersion on set", NoAuthError, lambda: zk.set(p, b"z", version=9))
    zk.create("/acl-nodel", acl=[ACL(Permissions.ALL & ~Permissions.DELETE, Id("world", "anyone"))])
    zk.create("/acl-nodel/c")
    raises("acl/delete needs DELETE on parent", NoAuthError, lambda: zk.delete("/acl-nodel/c"))
    raises("acl/world id other than anyone invalid", InvalidACLError,
           lambda: zk.create("/acl-bad", acl=[ACL(31, Id("world", "someone"))]))
    raises("acl/unknown scheme invalid", InvalidACLError,
           lambda: zk.create("/acl-bad", acl=[ACL(31, Id("nosuch", "x"))]))
    raises("acl/auth scheme without auth invalid", InvalidACLError,
           lambda: zk.create("/acl-bad", acl=[ACL(31, Id("auth", ""))]))
    zk.create("/acl-ip", acl=[ACL(31, Id("ip", "127.0.0.1"))])
    check("acl/ip acl matches loopback client", zk.get("/acl-ip")[0], b"")
    zk.create("/acl-ip2", acl=[ACL(31, Id("ip", "10.0.0.0/8"))])
    raises("acl/ip acl other network denied", NoAuthError, lambda: zk.get("/acl-ip2"))


@scenario("digest")
def digest_auth(zk):
    cred = make_digest_acl_credential("alice", "secret")
    check("digest/credential form", cred, "alice:aYXlLOpEooaV1cRAvUL1fp9Qt7E=")
    alice = client(auth_data=[("digest", "alice:secret")])
    guest = client()
    try:
        p = "/digest"
        alice.create(p, b"private", acl=[make_digest_acl("alice", "secret", all=True)])
        raises("digest/get without auth", NoAuthError, lambda: guest.get(p))
        raises("digest/set without auth", NoAuthError, lambda: guest.set(p, b"x"))
        raises("digest/get_acls without READ or ADMIN", NoAuthError, lambda: guest.get_acls(p))
        if TARGET.startswith("corral"):
            raises("digest/exists without auth", NoAuthError, lambda: guest.exists(p))
        else:
            check("digest/exists without auth", guest.exists(p) is not None, True)
        check("digest/owner reads", alice.get(p)[0], b"private")
        acls, _ = alice.get_acls(p)
        check("digest/acl id", [(a.perms, a.id.scheme, a.id.id) for a in acls], [(31, "digest", cred)])
        # The "auth" scheme expands to the caller's authenticated ids.
        alice.create(p + "-auth", acl=[ACL(Permissions.READ | Permissions.WRITE, Id("auth", ""))])
        acls, _ = alice.get_acls(p + "-auth")
        # The node grants its owner no ADMIN, so even the owner sees the digest masked.
        check("digest/auth scheme expands, masked without ADMIN",
              [(a.perms, a.id.scheme, a.id.id) for a in acls], [(3, "digest", "alice:x")])
        alice.create(p + "-auth-all", acl=[ACL(Permissions.ALL, Id("auth", ""))])
        acls, _ = alice.get_acls(p + "-auth-all")
        check("digest/auth scheme expands", [(a.perms, a.id.scheme, a.id.id) for a in acls],
              [(31, "digest", cred)])
        # Without ADMIN, digest ids are shown masked as user:x.
        alice.create(p + "-mixed", acl=[make_digest_acl("alice", "secret", all=True),
                                        ACL(Permissions.READ, Id("world", "anyone"))])
        acls, _ = guest.get_acls(p + "-mixed")
        check("digest/masked for non-admin", sorted((a.perms, a.id.scheme, a.id.id) for a in acls),
              [(1, "world", "anyone"), (31, "digest", "alice:x")])
        guest.add_auth("digest", "bob:pw")
        raises("digest/wrong user still denied", NoAuthError, lambda: guest.get(p))
        guest.add_auth("digest", "alice:secret")
        check("digest/after add_auth", guest.get(p)[0], b"private")
        guest.set(p, b"shared")
        check("digest/write after add_auth", alice.get(p)[0], b"shared")
        guest.delete(p + "-auth")
        check("digest/delete needs only parent DELETE", guest.exists(p + "-auth"), None)
    finally:
        stop(alice)
        stop(guest)


@scenario("sync")
def sync(zk):
    check("sync/returns path", zk.sync("/"), "/")
    check("sync/missing path is fine", zk.sync("/no/such/node"), "/no/such/node")


@scenario("txn")
def transaction(zk):
    p = "/txn"
    zk.create(p, b"0")
    t = zk.transaction()
    t.create(p + "/a", b"a")
    t.create(p + "/b", b"b")
    t.set_data(p + "/a", b"a1")
    t.check(p, 0)
    t.delete(p + "/b")
    t.create(p + "/s-", sequence=True)
    res = t.commit()
    check("txn/success result kinds",
          [type(r).__name__ for r in res], ["str", "str", "ZnodeStat", "bool", "bool", "str"])
    check("txn/success created paths", [res[0], res[1], res[5]], [p + "/a", p + "/b", p + "/s-0000000002"])
    check("txn/setData stat in result", res[2].version, 1)
    check("txn/applied", sorted(zk.get_children(p)), ["a", "s-0000000002"])
    _, sa = zk.get(p + "/a")
    check("txn/one zxid for all ops", (sa.czxid == sa.mzxid == res[2].mzxid), True)

    t = zk.transaction()
    t.create(p + "/c")
    t.set_data(p + "/a", b"a2", version=7)
    t.delete(p + "/a")
    res = t.commit()
    check("txn/failure results",
          [type(r).__name__ for r in res],
          [RolledBackError.__name__, BadVersionError.__name__, RuntimeInconsistency.__name__])
    check("txn/nothing applied", (zk.exists(p + "/c"), zk.get(p + "/a")[0]), (None, b"a1"))

    t = zk.transaction()
    t.check(p + "/nope", 0)
    res = t.commit()
    check("txn/check missing node", [type(r).__name__ for r in res], [NoNodeError.__name__])
    # Later ops see the effects of earlier ones in the same transaction.
    t = zk.transaction()
    t.create(p + "/d", b"d")
    t.check(p + "/d", 0)
    t.set_data(p + "/d", b"d1", version=0)
    t.create(p + "/d/e")
    t.delete(p + "/d/e")
    t.delete(p + "/d", version=1)
    res = t.commit()
    check("txn/ops see earlier ops", [type(r).__name__ for r in res],
          ["str", "bool", "ZnodeStat", "str", "bool", "bool"])
    t = zk.transaction()
    t.create(p + "/x")
    t.create(p + "/x")
    res = t.commit()
    check("txn/duplicate create fails second", [type(r).__name__ for r in res],
          [RolledBackError.__name__, NodeExistsError.__name__])
    check("txn/duplicate create not applied", zk.exists(p + "/x"), None)


@scenario("wdata")
def watch_data(zk):
    ev = Events()
    p = "/wdata"
    zk.create(p, b"0")
    zk.get(p, watch=ev.watcher())
    zk.set(p, b"1")
    check("wdata/changed", list(ev.next()), ["CHANGED", p])
    zk.set(p, b"2")  # the watch was one-shot: no event for this one
    zk.get(p, watch=ev.watcher())
    zk.delete(p)
    check("wdata/deleted", list(ev.next()), ["DELETED", p])
    check("wdata/one-shot, nothing else", fence(zk, ev, "/wdata-fence"), [])
    raises("wdata/get on missing sets no watch", NoNodeError, lambda: zk.get(p, watch=ev.watcher()))
    zk.create(p)
    check("wdata/no event after failed get", fence(zk, ev, "/wdata-fence2"), [])


@scenario("wexists")
def watch_exists(zk):
    ev = Events()
    p = "/wexists"
    check("wexists/missing", zk.exists(p, watch=ev.watcher()), None)
    zk.create(p)
    check("wexists/created", list(ev.next()), ["CREATED", p])
    zk.exists(p, watch=ev.watcher())
    zk.set(p, b"x")
    check("wexists/changed", list(ev.next()), ["CHANGED", p])
    zk.exists(p, watch=ev.watcher())
    zk.delete(p)
    check("wexists/deleted", list(ev.next()), ["DELETED", p])
    check("wexists/nothing else", fence(zk, ev, "/wexists-fence"), [])


@scenario("wchild")
def watch_child(zk):
    ev = Events()
    p = "/wchild"
    zk.create(p)
    zk.get_children(p, watch=ev.watcher())
    zk.create(p + "/a")
    check("wchild/child created", list(ev.next()), ["CHILD", p])
    zk.set(p + "/a", b"x")  # data change of a child is no child event
    zk.set(p, b"x")  # nor is a data change of the node itself
    zk.get_children(p, watch=ev.watcher())
    zk.delete(p + "/a")
    check("wchild/child deleted", list(ev.next()), ["CHILD", p])
    zk.get_children(p, watch=ev.watcher())
    zk.delete(p)
    check("wchild/node deleted", list(ev.next()), ["DELETED", p])
    check("wchild/nothing else", fence(zk, ev, "/wchild-fence"), [])


@scenario("worder")
def watch_order(zk):
    # Another client writes; the watcher sees the events in the order of the writes, and for
    # one write the data-table event before the parent's child event.
    ev = Events()
    writer = client()
    try:
        p = "/worder"
        zk.create(p)
        zk.create(p + "/a", b"0")
        zk.get_children(p, watch=ev.watcher("child:"))
        zk.exists(p + "/b", watch=ev.watcher("exists:"))
        zk.get(p + "/a", watch=ev.watcher("data:"))
        writer.create(p + "/b")
        writer.set(p + "/a", b"1")
        check("worder/events in write order", ev.take(3),
              [["exists:CREATED", p + "/b"], ["child:CHILD", p], ["data:CHANGED", p + "/a"]])
        zk.get(p + "/a", watch=ev.watcher("data:"))
        zk.get_children(p, watch=ev.watcher("child:"))
        t = writer.transaction()
        t.set_data(p + "/a", b"2")
        t.create(p + "/c")
        t.commit()
        check("worder/transaction events in op order", ev.take(2),
              [["data:CHANGED", p + "/a"], ["child:CHILD", p]])
        check("worder/nothing else", fence(zk, ev, "/worder-fence"), [])
        # Read-your-writes across clients after sync: the writer's change is visible.
        writer.set(p + "/a", b"3")
        zk.sync(p + "/a")
        check("worder/sync then read sees write", zk.get(p + "/a")[0], b"3")
    finally:
        stop(writer)


@scenario("eclose")
def ephemeral_close(zk):
    ev = Events()
    owner = client()
    p = "/eclose"
    zk.create(p)
    owner.create(p + "/e1", ephemeral=True)
    owner.create(p + "/e2-", ephemeral=True, sequence=True)
    zk.exists(p + "/e1", watch=ev.watcher())
    zk.get_children(p, watch=ev.watcher())
    stop(owner)
    got = ev.take(2)
    check("eclose/events on close", sorted(got), [["CHILD", p], ["DELETED", p + "/e1"]])
    check("eclose/ephemerals gone", zk.get_children(p), [])


@scenario("chroot")
def chroot(zk):
    # A chroot is the client's business: the server sees and reports full paths and the client
    # strips its prefix, in replies and in watch notifications alike.
    zk.create("/jail")
    c = KazooClient(hosts=HOSTS + "/jail", timeout=10.0)
    c.start(timeout=WAIT_S)
    clients.append(c)
    try:
        ev = Events()
        check("chroot/create returns relative path", c.create("/a", b"x"), "/a")
        check("chroot/node is under the chroot", zk.get("/jail/a")[0], b"x")
        check("chroot/sequential relative", c.create("/s-", sequence=True), "/s-0000000001")
        check("chroot/children of chroot root", sorted(c.get_children("/")), ["a", "s-0000000001"])
        c.get("/a", watch=ev.watcher())
        c.get_children("/", watch=ev.watcher())
        zk.set("/jail/a", b"y")
        zk.create("/jail/b")
        check("chroot/event paths are relative", ev.take(2), [["CHANGED", "/a"], ["CHILD", "/"]])
        t = c.transaction()
        t.create("/t")
        t.set_data("/a", b"z")
        check("chroot/transaction paths", [r if isinstance(r, str) else type(r).__name__ for r in t.commit()],
              ["/t", "ZnodeStat"])
    finally:
        stop(c)


@scenario("fourlw")
def four_letter_words(zk):
    # kazoo's command() and server_version() use four-letter words on the client port.
    check("fourlw/ruok", zk.command(b"ruok"), "imok")
    srvr = zk.command(b"srvr").splitlines()
    check("fourlw/srvr version line", srvr[0].startswith("Zookeeper version: 3."), True)
    # Against an ensemble (a multi-host connect string) the member kazoo landed on leads or follows.
    modes = ["Mode: leader", "Mode: follower"] if ENSEMBLE else ["Mode: standalone"]
    check("fourlw/srvr mode", any(m in srvr for m in modes), True)
    check("fourlw/isro", zk.command(b"isro"), "rw")
    version = zk.server_version()
    check("fourlw/server_version from envi", (version[0], len(version) >= 2), (3, True))
    mntr = zk.command(b"mntr").splitlines()
    states = ["leader", "follower"] if ENSEMBLE else ["standalone"]
    check("fourlw/mntr server state", any("zk_server_state\t" + s in mntr for s in states), True)
    conf = zk.command(b"conf").splitlines()
    ports = [h.rsplit(":", 1)[1] for h in HOSTS.split(",")]
    check("fourlw/conf client port", any("clientPort=" + p in conf for p in ports), True)


# A victim session in its own process, so that it can be frozen with SIGSTOP: it creates an
# ephemeral, prints its session id and password, and after being continued reports the
# connection states kazoo went through until it is connected again.
VICTIM = r"""
import json, queue, sys
from kazoo.client import KazooClient, KazooState
hosts, path = sys.argv[1], sys.argv[2]
states = queue.Queue()
zk = KazooClient(hosts=hosts, timeout=4.0)
zk.add_listener(lambda s: states.put(s))
zk.start(15)
states.get(timeout=15)  # CONNECTED
zk.create(path, b"mine", ephemeral=True)
sid, pw = zk.client_id
print(json.dumps({"sid": sid, "pw": pw.hex()}), flush=True)
seen = []
while not (seen[-1:] == ["CONNECTED"] and "LOST" in seen):
    try:
        seen.append(states.get(timeout=30))
    except queue.Empty:
        break
print(json.dumps({"states": seen, "new_sid": zk.client_id[0]}), flush=True)
zk.stop()
zk.close()
"""


def start_victim(path):
    proc = subprocess.Popen([sys.executable, "-c", VICTIM, HOSTS, path],
                            stdout=subprocess.PIPE, text=True)
    first = json.loads(proc.stdout.readline())
    return proc, first["sid"], bytes.fromhex(first["pw"])


def finish_victim(proc):
    try:
        line = proc.stdout.readline()
        proc.wait(WAIT_S)
        return json.loads(line) if line else {"states": ["no output"], "new_sid": None}
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


@scenario("expiry")
def session_expiry(zk):
    ev = Events()
    p = "/expiry"
    zk.create(p)
    # Victim "hijacked": frozen while a second client resumes its session and closes it.
    hijacked, hsid, hpw = start_victim(p + "/hijacked")
    # Victim "silent": frozen until its 4 s session times out (the minimum for tickTime 2000).
    silent, ssid, _ = start_victim(p + "/silent")
    try:
        zk.exists(p + "/hijacked", watch=ev.watcher("hijacked:"))
        zk.exists(p + "/silent", watch=ev.watcher("silent:"))
        os.kill(hijacked.pid, signal.SIGSTOP)
        os.kill(silent.pid, signal.SIGSTOP)
        thief = KazooClient(hosts=HOSTS, client_id=(hsid, hpw), timeout=4.0)
        thief.start(timeout=WAIT_S)
        try:
            check("expiry/resume keeps session id", thief.client_id[0], hsid)
            check("expiry/ephemeral survives resume", zk.exists(p + "/hijacked").ephemeralOwner, hsid)
            check("expiry/resumed session reads", thief.get(p + "/hijacked")[0], b"mine")
        finally:
            thief.stop()
            thief.close()
        check("expiry/closing the resumed session deletes the ephemeral", list(ev.next()),
              ["hijacked:DELETED", p + "/hijacked"])
        check("expiry/timeout deletes the silent session's ephemeral", list(ev.next()),
              ["silent:DELETED", p + "/silent"])
        check("expiry/ephemerals gone", zk.get_children(p), [])
        os.kill(hijacked.pid, signal.SIGCONT)
        os.kill(silent.pid, signal.SIGCONT)
        for name, proc, sid in (("hijacked", hijacked, hsid), ("silent", silent, ssid)):
            out = finish_victim(proc)
            check("expiry/" + name + " victim sees SUSPENDED, LOST, then a new session",
                  (out["states"], out["new_sid"] != sid),
                  (["SUSPENDED", "LOST", "CONNECTED"], True))
    finally:
        for proc in (hijacked, silent):
            if proc.poll() is None:
                os.kill(proc.pid, signal.SIGCONT)
                proc.kill()
                proc.wait()

    # Resuming with a wrong password is refused like an expired session; kazoo, still in its
    # initial LOST state, quietly starts a new session.
    owner = client(timeout=4.0)
    osid, opw = owner.client_id
    wrong = bytes(16) if opw != bytes(16) else b"\x01" * 16
    bad = KazooClient(hosts=HOSTS, client_id=(osid, wrong), timeout=4.0)
    bad.start(timeout=WAIT_S)
    try:
        check("expiry/wrong password gets a new session", bad.client_id[0] != osid, True)
        check("expiry/owner unaffected by wrong password", owner.exists("/") is not None, True)
    finally:
        bad.stop()
        bad.close()
        stop(owner)


@scenario("recipes")
def recipes(zk):
    other = client()
    try:
        # Lock: mutual exclusion between two clients.
        lock1 = zk.Lock("/recipes/lock", "one")
        lock2 = other.Lock("/recipes/lock", "two")
        check("recipes/lock acquire", lock1.acquire(timeout=WAIT_S), True)
        check("recipes/lock contended", lock2.acquire(blocking=False), False)
        check("recipes/lock contenders", lock1.contenders(), ["one"])
        lock1.release()
        check("recipes/lock handed over", lock2.acquire(timeout=WAIT_S), True)
        lock2.release()

        # Election: the first contender leads; the second takes over when it finishes.
        order = []
        done = threading.Event()
        e1 = zk.Election("/recipes/election", "first")
        e2 = other.Election("/recipes/election", "second")
        e1_in = threading.Event()
        release_e1 = threading.Event()

        def lead1():
            order.append("first")
            e1_in.set()
            release_e1.wait(WAIT_S)

        def lead2():
            order.append("second")
            done.set()

        t1 = threading.Thread(target=e1.run, args=(lead1,), daemon=True)
        t1.start()
        e1_in.wait(WAIT_S)
        t2 = threading.Thread(target=e2.run, args=(lead2,), daemon=True)
        t2.start()
        check("recipes/election contenders",
              _eventually(lambda: e1.contenders(), lambda v: len(v) == 2), ["first", "second"])
        release_e1.set()
        done.wait(WAIT_S)
        check("recipes/election order", order, ["first", "second"])
        t1.join(WAIT_S)
        t2.join(WAIT_S)

        # Counter.
        c1 = zk.Counter("/recipes/counter")
        c2 = other.Counter("/recipes/counter")
        c1 += 5
        c2 -= 2
        c1 += 10
        check("recipes/counter", (c1.value, c2.value), (13, 13))

        # Queue: priority first, then FIFO.
        q = zk.Queue("/recipes/queue")
        q.put(b"a")
        q.put(b"b")
        q.put(b"urgent", priority=1)
        q2 = other.Queue("/recipes/queue")
        check("recipes/queue length", len(q2), 3)
        check("recipes/queue order", [q2.get(), q.get(), q2.get(), q.get()], [b"urgent", b"a", b"b", None])

        lq = zk.LockingQueue("/recipes/lqueue")
        lq.put(b"job")
        check("recipes/locking queue get", lq.get(WAIT_S), b"job")
        check("recipes/locking queue consume", lq.consume(), True)

        # Barrier: wait blocks until removed.
        b = zk.Barrier("/recipes/barrier")
        b.create()
        check("recipes/barrier holds", other.Barrier("/recipes/barrier").wait(0.2), False)
        waiter_result = []
        waiter = threading.Thread(
            target=lambda: waiter_result.append(other.Barrier("/recipes/barrier").wait(WAIT_S)))
        waiter.start()
        b.remove()
        waiter.join(WAIT_S)
        check("recipes/barrier released", waiter_result, [True])

        # Party membership.
        p1 = zk.Party("/recipes/party", "alice")
        p2 = other.Party("/recipes/party", "bob")
        p1.join()
        p2.join()
        check("recipes/party members", sorted(p1), ["alice", "bob"])
        p2.leave()
        check("recipes/party after leave", (len(p1), list(p1)), (1, ["alice"]))
        sp = zk.ShallowParty("/recipes/sparty", "x")
        sp.join()
        check("recipes/shallow party", list(sp), ["x"])

        # DoubleBarrier with two members.
        d1 = zk.DoubleBarrier("/recipes/dbarrier", 2, "m1")
        d2 = other.DoubleBarrier("/recipes/dbarrier", 2, "m2")
        th = threading.Thread(target=d1.enter)
        th.start()
        d2.enter()
        th.join(WAIT_S)
        check("recipes/double barrier entered", (d1.participating, d2.participating), (True, True))
        th = threading.Thread(target=d1.leave)
        th.start()
        d2.leave()
        th.join(WAIT_S)
        check("recipes/double barrier left", (d1.participating, d2.participating), (False, False))
    finally:
        stop(other)


def _eventually(fn, ok):
    """Re-reads fn() until ok(value), at most WAIT_S. Used where the condition is another
    client's recipe state, which offers no event to wait on."""
    ev = threading.Event()
    value = fn()
    for _ in range(int(WAIT_S / 0.05)):
        if ok(value):
            break
        ev.wait(0.05)
        value = fn()
    return value


def main():
    zk = client()
    for name, fn in scenarios:
        try:
            fn(zk)
        except Exception:  # noqa: BLE001 - reported as a failed check
            emit(name + "/completed", False, error=traceback.format_exc())
    for c in list(clients):
        try:
            stop(c)
        except Exception:  # noqa: BLE001
            pass
    print(json.dumps({"done": True}), flush=True)


if __name__ == "__main__":
    main()
