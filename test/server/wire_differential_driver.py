# Kazoo driver of the wire differential test (test/server/wire-differential.test.ts): runs one
# JSON op list, read from stdin, against the server at argv[1] with three client slots
# (slot 0 authenticated as digest alice, slot 1 as digest bob, slot 2 anonymous), and prints one
# JSON document: a result per op, the raw watch notifications each session received in arrival
# order, the session ids in creation order, and the tree read back before and after every
# session closed. Values are printed raw (zxids, times, session ids); the test normalizes them.
# Notifications are captured where kazoo's connection thread reads them, before kazoo's own
# watcher bookkeeping, so persistent-watch events (which kazoo 2.8 does not know) are seen too.
import json
import sys
from collections import namedtuple

import kazoo.exceptions as E
import kazoo.protocol.connection as C
from kazoo.client import KazooClient
from kazoo.protocol.serialization import (
    CheckVersion, Create, Create2, Delete, Exists, GetACL, GetChildren, GetChildren2, GetData,
    MultiHeader, SetACL, SetData, Sync, Transaction, ZnodeStat, int_struct, long_struct,
    read_buffer, read_string, stat_struct, write_string)
from kazoo.security import ACL, Id

ops = json.load(sys.stdin)
hosts = sys.argv[1]

# Every notification a session's connection reads, in order, keyed by the client object.
raw_events = {}
_orig_read_watch_event = C.ConnectionHandler._read_watch_event


def _recording_read_watch_event(self, buffer, offset):
    watch, _ = C.Watch.deserialize(buffer, offset)
    raw_events.setdefault(id(self.client), []).append([watch.type, watch.path])
    return _orig_read_watch_event(self, buffer, offset)


C.ConnectionHandler._read_watch_event = _recording_read_watch_event


# Requests kazoo 2.8 lacks, in ZooKeeper's layouts: createContainer (19) and createTTL (21)
# answer like create2; addWatch (106), checkWatches (17) and removeWatches (18) answer with a
# header only. (A field may not be called "type": that is the class's opcode attribute.)
class CreateContainer(namedtuple("CreateContainer", "path data acl flags")):
    type = 19
    serialize = Create2.serialize
    deserialize = Create2.deserialize


class CreateTTL(namedtuple("CreateTTL", "path data acl flags ttl")):
    type = 21

    def serialize(self):
        return Create2.serialize(self) + long_struct.pack(self.ttl)

    deserialize = Create2.deserialize


class AddWatch(namedtuple("AddWatch", "path mode")):
    type = 106

    def serialize(self):
        return write_string(self.path) + int_struct.pack(self.mode)

    @classmethod
    def deserialize(cls, bytes, offset):
        return True


class MultiRead(namedtuple("MultiRead", "operations")):
    """multiRead (22): getData/getChildren ops, each answered on its own."""
    type = 22
    serialize = Transaction.serialize

    @classmethod
    def deserialize(cls, bytes, offset):
        results = []
        header, offset = MultiHeader.deserialize(bytes, offset)
        while not header.done:
            if header.type == GetData.type:
                data, offset = read_buffer(bytes, offset)
                stat = ZnodeStat._make(stat_struct.unpack_from(bytes, offset))
                offset += stat_struct.size
                results.append({"data": data.hex() if data is not None else None,
                                "stat": st(stat)})
            elif header.type == GetChildren.type:
                count = int_struct.unpack_from(bytes, offset)[0]
                offset += int_struct.size
                kids = []
                for _ in range(max(count, 0)):
                    k, offset = read_string(bytes, offset)
                    kids.append(k)
                results.append({"children": sorted(kids)})
            else:
                err = int_struct.unpack_from(bytes, offset)[0]
                offset += int_struct.size
                results.append({"type": header.type, "err": err})
            header, offset = MultiHeader.deserialize(bytes, offset)
        return results


class GetEphemerals(namedtuple("GetEphemerals", "path")):
    type = 103

    def serialize(self):
        return write_string(self.path)

    @classmethod
    def deserialize(cls, bytes, offset):
        count = int_struct.unpack_from(bytes, offset)[0]
        offset += int_struct.size
        out = []
        for _ in range(max(count, 0)):
            p, offset = read_string(bytes, offset)
            out.append(p)
        return out


class GetAllChildrenNumber(namedtuple("GetAllChildrenNumber", "path")):
    type = 104

    def serialize(self):
        return write_string(self.path)

    @classmethod
    def deserialize(cls, bytes, offset):
        return int_struct.unpack_from(bytes, offset)[0]


class CheckWatches(namedtuple("CheckWatches", "path kind")):
    type = 17

    def serialize(self):
        return write_string(self.path) + int_struct.pack(self.kind)

    @classmethod
    def deserialize(cls, bytes, offset):
        return True


class RemoveWatches(namedtuple("RemoveWatches", "path kind")):
    type = 18

    def serialize(self):
        return write_string(self.path) + int_struct.pack(self.kind)

    @classmethod
    def deserialize(cls, bytes, offset):
        return True


# kazoo 2.8 does not know NoWatcher (-121), the answer to checkWatches/removeWatches when
# nothing matches; unknown codes would kill its connection thread.
if -121 not in E.EXCEPTIONS:
    @E._zookeeper_exception(-121)
    class NoWatcherError(E.ZookeeperError):
        pass


AUTH = [("alice", "secret"), ("bob", "hunter2"), None]
sessions = []  # session ids in creation order
clients = [None, None, None]
events = {}  # session label -> its notifications (filled at the end from raw_events)
labels = {}  # id(client) -> session label
all_clients = []  # keeps every client alive so that id() keys stay unique


def connect(slot):
    zk = KazooClient(hosts=hosts, timeout=15)
    zk.start(timeout=30)
    if AUTH[slot] is not None:
        zk.add_auth("digest", "%s:%s" % AUTH[slot])
    # Session ids go out as strings: ZooKeeper's exceed the 2^53 a JSON reader keeps exact.
    sessions.append(str(zk.client_id[0]))
    labels[id(zk)] = "s%d" % (len(sessions) - 1)
    clients[slot] = zk
    all_clients.append(zk)
    return zk


def call(zk, request):
    result = zk.handler.async_result()
    zk._call(request, result)
    return result.get(timeout=30)


def code(e):
    c = getattr(e, "code", None)
    if isinstance(e, E.RolledBackError):
        return 0
    if isinstance(e, E.RuntimeInconsistency):
        return -2
    return c if isinstance(c, int) else repr(e)


def st(s):
    if s is None:
        return None
    return [s.czxid, s.mzxid, s.ctime, s.mtime, s.version, s.cversion, s.aversion,
            str(s.ephemeralOwner), s.dataLength, s.numChildren, s.pzxid]


def acls(lst):
    return [ACL(a["perms"], Id(a["id"]["scheme"], a["id"]["id"])) for a in lst]


def noop(event):
    pass


def mark(zks, text):
    for zk in zks:
        zk.sync("/")
        raw_events.setdefault(id(zk), []).append([0, text])


def run(index, op):
    # Requests go out through kazoo's request records rather than its high-level calls, which
    # would refuse malformed paths before the server sees them (and strip a trailing slash in
    # transactions); kazoo still frames, matches replies and maps errors to exceptions.
    k = op["op"]
    zk = clients[op.get("c", 0)]
    w = noop if op.get("watch") else None
    if k == "create":
        data = bytes.fromhex(op["data"])
        mode = op["mode"]
        if mode == "container":
            p, s = call(zk, CreateContainer(op["path"], data, acls(op["acl"]), 4))
            return {"err": 0, "path": p, "stat": st(s)}
        if mode == "ttl":
            flags = 6 if op["sequence"] else 5
            p, s = call(zk, CreateTTL(op["path"], data, acls(op["acl"]), flags, op["ttl"]))
            return {"err": 0, "path": p, "stat": st(s)}
        flags = (1 if mode == "ephemeral" else 0) | (2 if op["sequence"] else 0)
        if op["stat"]:
            p, s = call(zk, Create2(op["path"], data, acls(op["acl"]), flags))
            return {"err": 0, "path": p, "stat": st(s)}
        return {"err": 0, "path": call(zk, Create(op["path"], data, acls(op["acl"]), flags))}
    if k == "delete":
        call(zk, Delete(op["path"], op["version"]))
        return {"err": 0}
    if k == "set":
        return {"err": 0, "stat": st(call(zk, SetData(op["path"], bytes.fromhex(op["data"]),
                                                      op["version"])))}
    if k == "setacl":
        return {"err": 0, "stat": st(call(zk, SetACL(op["path"], acls(op["acl"]),
                                                     op["version"])))}
    if k == "getacl":
        a, s = call(zk, GetACL(op["path"]))
        return {"err": 0, "acl": [[x.perms, x.id.scheme, x.id.id] for x in a], "stat": st(s)}
    if k == "get":
        d, s = call(zk, GetData(op["path"], w))
        return {"err": 0, "data": d.hex() if d is not None else None, "stat": st(s)}
    if k == "children":
        if op["stat"]:
            kids, s = call(zk, GetChildren2(op["path"], w))
            return {"err": 0, "children": sorted(kids), "stat": st(s)}
        return {"err": 0, "children": sorted(call(zk, GetChildren(op["path"], w)))}
    if k == "exists":
        # ZooKeeper 3.8.0 answers exists() without READ permission; Corral follows the
        # 3.8.4+/3.9.2+ security fix (NoAuth, and no watch left). Probing with getData first
        # (no watch, no zxid) keeps both servers on the same path through the run: an
        # unreadable node is reported as such and the exists() is not sent.
        try:
            call(zk, GetData(op["path"], None))
        except E.NoAuthError:
            return {"err": "unreadable"}
        except E.NoNodeError:
            pass
        return {"err": 0, "stat": st(call(zk, Exists(op["path"], w)))}
    if k == "sync":
        return {"err": 0, "path": call(zk, Sync(op["path"]))}
    if k == "addwatch":
        call(zk, AddWatch(op["path"], op["watchMode"]))
        return {"err": 0}
    if k == "multiread":
        reads = [GetData(x["path"], None) if x["op"] == "get" else GetChildren(x["path"], None)
                 for x in op["ops"]]
        return {"err": 0, "results": call(zk, MultiRead(reads))}
    if k == "ephemerals":
        return {"err": 0, "paths": sorted(call(zk, GetEphemerals(op["path"])))}
    if k == "count":
        return {"err": 0, "count": call(zk, GetAllChildrenNumber(op["path"]))}
    if k == "checkwatches":
        call(zk, CheckWatches(op["path"], op["type"]))
        return {"err": 0}
    if k == "removewatches":
        call(zk, RemoveWatches(op["path"], op["type"]))
        return {"err": 0}
    if k == "close":
        # Closing a session deletes its ephemerals in one transaction, and the order in which
        # ZooKeeper deletes them (so notifies about them) is a Java HashSet's iteration order.
        # Markers around the close in every session's notification stream let the test
        # compare that stretch as a set; a round trip first makes sure every notification up
        # to the marker has been read.
        # The closing session itself is notified too when it watches its own ephemerals; the
        # server sends that before the close reply, which stop() waits for.
        slot = op["c"]
        others = [c for i, c in enumerate(clients) if i != slot]
        mark(clients, "before close %d" % index)
        zk.stop()
        zk.close()
        raw_events.setdefault(id(zk), []).append([0, "after close %d" % index])
        mark(others, "after close %d" % index)
        connect(slot)
        return {"err": 0}
    sub = []
    for s in op["ops"]:
        if s["op"] == "create":
            flags = (1 if s["mode"] == "ephemeral" else 0) | (2 if s["sequence"] else 0)
            sub.append(Create(s["path"], bytes.fromhex(s["data"]), acls(s["acl"]), flags))
        elif s["op"] == "delete":
            sub.append(Delete(s["path"], s["version"]))
        elif s["op"] == "set":
            sub.append(SetData(s["path"], bytes.fromhex(s["data"]), s["version"]))
        else:
            sub.append(CheckVersion(s["path"], s["version"]))
    rs = []
    for x in call(zk, Transaction(sub)):
        if isinstance(x, Exception):
            rs.append({"err": code(x)})
        elif isinstance(x, str):
            rs.append({"path": x})
        elif x is True:
            rs.append({})
        else:
            rs.append({"stat": st(x)})
    return {"err": 0, "results": rs}


for slot in range(3):
    connect(slot)
out = []
for index, op in enumerate(ops):
    try:
        res = run(index, op)
    except E.KazooException as e:
        res = {"err": code(e)}
    out.append(res)


def walk(zk, tree, p):
    entry = {}
    try:
        d, s = zk.get(p)
        entry["data"] = d.hex() if d is not None else None
        entry["stat"] = st(s)
    except E.NoAuthError:
        entry["data"] = "noauth"
    try:
        a, _ = zk.get_acls(p)
        entry["acl"] = [[x.perms, x.id.scheme, x.id.id] for x in a]
    except E.NoAuthError:
        entry["acl"] = "noauth"
    tree[p] = entry
    try:
        kids = zk.get_children(p)
    except E.NoAuthError:
        return
    for c in sorted(kids):
        walk(zk, tree, ("/" if p == "/" else p + "/") + c)


# A round trip on every session makes sure every notification triggered so far has been read:
# the server sends a session's notifications before any later reply to that session.
for zk in clients:
    zk.sync("/")
for key, label in labels.items():
    events[label] = list(raw_events.get(key, []))
before = {}
walk(clients[0], before, "/")
for zk in list(clients):
    zk.stop()
    zk.close()
connect(0)
after = {}
walk(clients[0], after, "/")
clients[0].stop()
clients[0].close()
print(json.dumps({"results": out, "events": events, "sessions": sessions,
                  "tree": before, "afterClose": after}))
