#!/usr/bin/python3
# Kazoo against a 3-member ensemble while members fail. Usage:
#   kazoo_ensemble.py failover <connect-string>
#   kazoo_ensemble.py fencing <connect-string>
#   kazoo_ensemble.py rolling <connect-string>
#   kazoo_ensemble.py readonly <address of a member cut off from its quorum> [during]
#   kazoo_ensemble.py reconfig <connect-string>
# The program and the test talk through scenario-program.ts's protocol: checks are JSON lines,
# and a line {"await": ...} asks the test to act on the ensemble (name its roles, SIGKILL the
# member serving a session, restart members, run a rolling restart); the test answers with one
# JSON line on stdin. The program decides when (once its session, watches and ephemerals
# exist); the test does it with real signals to the member processes.
#
# failover: a session connected to the leader, then one connected to a follower, each loses
#   its member to SIGKILL and must keep its session id, its ephemeral and its watches (set
#   before the kill, fired by a change another client makes after the reconnect), without a
#   LOST state.
# fencing: kazoo Lock contenders while the test kills and restarts members; every tenure is
#   printed as {"tenure": ...} for the test to check (fencing tokens are znode versions).
# rolling: writers create nodes continuously while the test stops (SIGTERM) and restarts
#   every member in turn; every acknowledged create must be there afterwards, and every
#   writer must still have its first session.
# readonly: the member given is cut off from its quorum and serves read-only (readonlymode.
#   enabled); the test wrote /ro/before first and, with "during", /ro/during through the
#   majority after the cut. A read_only=True client gets a read-only session there, reads the
#   member's tree as it was (no /ro/during), and every write fails with NotReadOnlyCallError;
#   a client without read_only gets no session. Then the test heals the ensemble, and the
#   client must come back to read-write service on its own (the member closes read-only
#   connections once it knows a leader) and write.
# reconfig: writers create nodes while kazoo's client.reconfig adds a 4th and a 5th member
#   (the test starts each joiner when asked) and then removes two, the leader among them;
#   every acknowledged create must be there afterwards, every session kept, and a stale
#   from_config refused with BadVersionError.
import json
import sys
import threading
import time
import traceback

from kazoo.client import KazooClient
from kazoo.exceptions import BadVersionError, NodeExistsError, NotReadOnlyCallError
from kazoo.handlers.threading import KazooTimeoutError
from kazoo.protocol.states import KeeperState

MODE = sys.argv[1]
HOSTS = sys.argv[2]
# Bound on every wait; a member failure costs an election (1-2 s) plus a reconnect.
WAIT_S = 20.0
# A session outlives an election and kazoo's reconnect round; the test's tickTime (500 ms)
# allows up to 10 s.
SESSION_S = 8.0
# Kazoo's default reconnect backoff doubles up to an hour between rounds of the host list;
# a bounded backoff (as production deployments configure) keeps reconnects within a session.
CONNECTION_RETRY = dict(max_tries=-1, delay=0.1, backoff=1.5, max_delay=1.0)
out_lock = threading.Lock()


def emit_json(record):
    with out_lock:
        print(json.dumps(record, default=repr), flush=True)


def emit(name, ok, expected=None, actual=None, error=None):
    record = {"check": name, "ok": bool(ok)}
    if error is not None:
        record["error"] = error
    else:
        record["expected"] = expected
        record["actual"] = actual
    emit_json(record)


def check(name, actual, expected):
    emit(name, actual == expected, expected, actual)


def ask(what, **fields):
    """Asks the test to act and returns its JSON answer."""
    emit_json(dict({"await": what}, **fields))
    line = sys.stdin.readline()
    if line == "":
        raise RuntimeError("the test closed stdin")
    answer = json.loads(line)
    if "error" in answer:
        raise RuntimeError("the test could not %s: %s" % (what, answer["error"]))
    return answer


class Watched:
    """A client that records its connection states, so a test can wait for a reconnect."""

    def __init__(self, hosts, randomize=True):
        self.states = []
        self.changed = threading.Condition()
        self.zk = KazooClient(
            hosts=hosts,
            timeout=SESSION_S,
            randomize_hosts=randomize,
            connection_retry=CONNECTION_RETRY,
        )
        self.zk.add_listener(self._on_state)
        self.zk.start(timeout=WAIT_S)

    def _on_state(self, state):
        with self.changed:
            self.states.append(str(state))
            self.changed.notify_all()

    def wait_state_count(self, state, count):
        """Waits until `state` was reported `count` times; returns whether it was."""
        deadline = time.monotonic() + WAIT_S
        with self.changed:
            while self.states.count(state) < count:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self.changed.wait(left)
            return True

    def session(self):
        return self.zk.client_id[0]

    def close(self):
        self.zk.stop()
        self.zk.close()


# ---- failover --------------------------------------------------------------------------


def failover_round(role):
    roles = ask("roles")
    first = roles["leader"] if role == "leader" else roles["followers"][0]
    others = [h for h in [roles["leader"]] + roles["followers"] if h != first]
    # Unshuffled, so the session starts on the member of the given role.
    c = Watched(",".join([first] + others), randomize=False)
    base = "/failover-" + role
    try:
        zk = c.zk
        zk.ensure_path(base)
        zk.create(base + "/watched", b"v0")
        eph = zk.create(base + "/eph", b"mine", ephemeral=True)
        # Kazoo 2.8 does not re-register one-shot watches after a reconnect (it fires them with
        # a NONE event when the connection drops); its DataWatch and ChildrenWatch recipes do,
        # and they are what kazoo users keep watches with.
        seen = []
        got = threading.Condition()

        def record(item):
            with got:
                seen.append(item)
                got.notify_all()

        zk.DataWatch(base + "/watched", lambda data, stat: record(["data", data]))
        zk.ChildrenWatch(base, lambda children: record(["children", sorted(children)]))
        zk.DataWatch(base + "/later", lambda data, stat: record(["later", data]))
        initial = [["data", b"v0"], ["children", ["eph", "watched"]], ["later", None]]
        session = c.session()
        states_before = len(c.states)
        answer = ask("kill", session="0x%x" % session)
        check(role + "/killed the member the session was on", answer["killed"], first)
        reconnected = c.wait_state_count("CONNECTED", c.states[:states_before].count("CONNECTED") + 1)
        check(role + "/reconnected", reconnected, True)
        # Another client, on the surviving members only, makes the changes after the reconnect.
        other = Watched(answer["survivors"])
        try:
            other.zk.set(base + "/watched", b"v1")
            other.zk.create(base + "/later", b"x")
            wanted = [["data", b"v1"], ["children", ["eph", "later", "watched"]], ["later", b"x"]]
            deadline = time.monotonic() + WAIT_S
            with got:
                while not all(w in seen for w in wanted) and time.monotonic() < deadline:
                    got.wait(deadline - time.monotonic())
            # Each watch reports its initial value, then the change; a re-read after the
            # reconnect may repeat a value, so the check is on what was seen at all.
            check(
                role + "/watches set before the kill saw the changes made after it",
                [w for w in initial + wanted if w not in seen],
                [],
            )
            stat = other.zk.exists(eph)
            check(
                role + "/ephemeral kept, owned by the same session",
                stat.owner_session_id if stat else None,
                session,
            )
        finally:
            other.close()
        check(role + "/same session id", c.session(), session)
        check(role + "/session reads its ephemeral", zk.get(eph)[0], b"mine")
        # A follower may accept the client before it notices that the leader died and then drop
        # it again (as a ZooKeeper follower does), so SUSPENDED/CONNECTED may repeat; LOST
        # (kazoo's word for an expired session) must not appear.
        after = c.states[states_before:]
        check(
            role + "/states after the kill",
            (after[:1], after[-1:], "LOST" in after),
            (["SUSPENDED"], ["CONNECTED"], False),
        )
    finally:
        c.close()
    ask("restart")


def failover():
    for role in ("leader", "follower"):
        try:
            failover_round(role)
        except Exception:  # noqa: BLE001 - reported as a failed check
            emit(role + "/completed", False, error=traceback.format_exc())


# ---- fencing ---------------------------------------------------------------------------

# How many fenced writes a holder makes per tenure, and how long it holds between them: long
# enough that a kill often lands while somebody holds the lock.
WRITES_PER_TENURE = 3
HOLD_S = 0.05


# Lock nodes a contender's own session read as gone (after its release, or after kazoo's
# clean-up of a failed acquire). Sequence numbers are never reused, so such a node showing up
# again later means the ensemble went back on a state it had served: an acknowledged delete
# was lost. (A clean-up that failed is allowed: the node stays, and nobody read it as gone.)
seen_gone = []
# The highest zxid each contender's replies carried. Zxids are log indexes of applied, hence
# committed, entries: a member synced later must be at least there.
zxid_seen = {}


def note_zxid(zk, name):
    zxid_seen[name] = max(zxid_seen.get(name, 0), zk.last_zxid)


def note_gone(zk, name, lock_path, node):
    note_zxid(zk, name)
    if node is None:
        return
    try:
        if zk.exists(lock_path + "/" + node) is None:
            seen_gone.append({"node": node, "holder": name, "zxid": hex(zk.last_zxid)})
    except Exception:  # noqa: BLE001 - no answer, nothing learned
        pass


def clean_up(zk, name, lock, lock_path):
    """Deletes every lock node of this contender after a failed acquire.

    A create whose reply was lost to a member's death may still commit after kazoo looked for
    it and made another node; kazoo's own clean-up deletes one node and forgets the other,
    which then blocks the lock for as long as this session lives (ZooKeeper behaves the same).
    All of a Lock object's nodes share its prefix, so they can all be found and deleted.
    """
    try:
        mine = [n for n in zk.get_children(lock_path) if n.startswith(lock.prefix)]
    except Exception:  # noqa: BLE001 - no answer: the next attempt cleans up
        return
    for node in mine:
        try:
            zk.delete(lock_path + "/" + node)
        except Exception:  # noqa: BLE001
            continue
        note_gone(zk, name, lock_path, node)


def contender(name, hosts, lock_path, token_path, stop):
    c = Watched(hosts)
    zk = c.zk
    # One Lock object per contender, as an application holds it: its nodes share one prefix.
    lock = zk.Lock(lock_path, identifier=name)
    while not stop.is_set():
        try:
            acquired = lock.acquire(timeout=2.0)
        except Exception as e:  # noqa: BLE001 - a lost connection while queued is allowed
            emit_json({"event": "acquire failed", "holder": name, "error": repr(e)})
            acquired = False
        if not acquired:
            clean_up(zk, name, lock, lock_path)
            continue
        start = time.monotonic()
        session = c.session()
        lost_before = c.states.count("LOST")
        tenure = {"resource": "kazoo-lock", "holder": name, "session": session, "start": start, "writes": []}
        outcome = "released"
        try:
            _, stat = zk.get(token_path)
            version = stat.version
            for k in range(WRITES_PER_TENURE):
                try:
                    stat = zk.set(token_path, ("%s:%d" % (name, k)).encode(), version=version)
                except BadVersionError:
                    tenure["writes"].append({"expected": version, "result": "badversion"})
                    outcome = "rejected"
                    break
                tenure["writes"].append({"expected": version, "token": stat.version})
                version = stat.version
                note_zxid(zk, name)
                # Holding a while makes it likely that a kill lands during a tenure.
                stop.wait(HOLD_S)
        except Exception as e:  # noqa: BLE001 - sessions may be lost, locks with them
            outcome = "lost: " + type(e).__name__
        tenure["end"] = time.monotonic()
        node = lock.node
        try:
            lock.release()
            note_gone(zk, name, lock_path, node)
        except Exception as e:  # noqa: BLE001
            outcome = outcome if outcome != "released" else "release failed: " + type(e).__name__
            # The object still believes it holds the lock; delete its nodes and start afresh.
            clean_up(zk, name, lock, lock_path)
            lock = zk.Lock(lock_path, identifier=name)
        # A release that deleted nothing (kazoo ignores NoNode) after a session change is a
        # lost lock, not a clean hand-over.
        if outcome == "released" and (
            c.session() != session or c.states.count("LOST") != lost_before
        ):
            outcome = "lost: session changed"
        tenure["outcome"] = outcome
        emit_json({"tenure": tenure})
    c.close()


def fencing():
    setup = Watched(HOSTS)
    setup.zk.ensure_path("/fence")
    try:
        setup.zk.create("/fence/kazoo-token", b"")
    except NodeExistsError:
        pass
    setup.close()
    stop = threading.Event()
    threads = [
        threading.Thread(
            target=contender,
            args=("kazoo-%d" % i, HOSTS, "/fence/kazoo-lock", "/fence/kazoo-token", stop),
        )
        for i in range(3)
    ]
    for t in threads:
        t.start()
    # The contenders run until the test's nemesis is done.
    try:
        ask("nemesis")
        # Checked while the contenders' sessions live: closing them deletes their lock nodes.
        # The sync makes the member answering catch up with the leader first.
        highest = dict(zxid_seen)
        checker = Watched(HOSTS)
        checker.zk.sync("/fence/kazoo-lock")
        checker.zk.exists("/fence/kazoo-lock")
        check(
            "fencing/no zxid a contender saw is lost (synced member at %s)" % hex(checker.zk.last_zxid),
            {k: hex(v) for k, v in highest.items() if v > checker.zk.last_zxid},
            {},
        )
        back = []
        for gone in list(seen_gone):
            stat = checker.zk.exists("/fence/kazoo-lock/" + gone["node"])
            if stat is not None:
                back.append(dict(gone, czxid=hex(stat.czxid), owner=hex(stat.owner_session_id)))
        checker.close()
        check("fencing/lock nodes read as deleted stay deleted", back, [])
        emit_json({"event": "lock nodes read as deleted", "count": len(seen_gone)})
    finally:
        stop.set()
        for t in threads:
            t.join(2 * WAIT_S)
    check("fencing/contenders finished", [t.is_alive() for t in threads], [False] * 3)
    final = Watched(HOSTS)
    emit_json({"final": {"kazoo-lock": final.zk.exists("/fence/kazoo-token").version}})
    final.close()


# ---- rolling restart -------------------------------------------------------------------

WRITERS = 3


def writer(c, index, stop, acked, progress):
    n = 0
    while not stop.is_set():
        path = "/rolling/w%d-%06d" % (index, n)
        try:
            c.zk.create(path, b"%d" % n)
            acked.append(path)
            with progress:
                progress.notify_all()
        except Exception as e:  # noqa: BLE001 - a write whose reply was lost is not acknowledged
            emit_json({"event": "write failed", "path": path, "error": repr(e)})
        n += 1


def wait_progress(progress, acked_lists, minimum):
    deadline = time.monotonic() + WAIT_S
    with progress:
        while min(len(a) for a in acked_lists) < minimum:
            left = deadline - time.monotonic()
            if left <= 0:
                return False
            progress.wait(left)
    return True


class Writers:
    """WRITERS clients creating nodes under /rolling until stopped, each on its own session."""

    def __init__(self):
        setup = Watched(HOSTS)
        setup.zk.ensure_path("/rolling")
        setup.close()
        self.clients = [Watched(HOSTS) for _ in range(WRITERS)]
        self.sessions = [c.session() for c in self.clients]
        self.stop = threading.Event()
        self.progress = threading.Condition()
        self.acked = [[] for _ in range(WRITERS)]
        self.threads = [
            threading.Thread(
                target=writer, args=(self.clients[i], i, self.stop, self.acked[i], self.progress)
            )
            for i in range(WRITERS)
        ]
        for t in self.threads:
            t.start()

    def wait(self, minimum):
        return wait_progress(self.progress, self.acked, minimum)

    def most(self):
        return max(len(a) for a in self.acked)

    def finish(self, scenario):
        """Stops the writers; checks their sessions and that every acknowledged create is there."""
        self.stop.set()
        for t in self.threads:
            t.join(WAIT_S)
        clients = self.clients
        check(scenario + "/writers stopped", [t.is_alive() for t in self.threads], [False] * WRITERS)
        check(scenario + "/same sessions", [c.session() for c in clients], self.sessions)
        check(scenario + "/no session lost", [c.states.count("LOST") for c in clients], [0] * WRITERS)
        emit_json(
            {
                "event": "writers",
                "acked": [len(a) for a in self.acked],
                "states": [c.states for c in clients],
            }
        )
        for c in clients:
            c.close()
        reader = Watched(HOSTS)
        reader.zk.sync("/rolling")
        present = set(reader.zk.get_children("/rolling"))
        reader.close()
        missing = [p for a in self.acked for p in a if p.rsplit("/", 1)[1] not in present]
        check(scenario + "/every acknowledged write present", missing, [])


def rolling():
    writers = Writers()
    try:
        check("rolling/load started", writers.wait(5), True)
        before = writers.most()
        ask("rolling restart")
        # Every writer must go on after the last member came back.
        check("rolling/load continues after the restart", writers.wait(before + 5), True)
    finally:
        writers.finish("rolling")


def reconfig():
    admin = Watched(HOSTS)
    admin.zk.add_auth("digest", "super:test")
    data, stat = admin.zk.get("/zookeeper/config")
    check("reconfig/initial members", data.decode().count("server."), 3)
    alive = Watched(HOSTS)
    alive.zk.create("/reconfig-alive", b"", ephemeral=True)
    alive_session = alive.session()
    writers = Writers()
    try:
        check("reconfig/load started", writers.wait(5), True)
        for joiner, members in ((4, [1, 2, 3]), (5, [1, 2, 3, 4])):
            line = ask("join", id=joiner, members=members)["line"]
            data, new_stat = admin.zk.reconfig(
                joining=line, leaving=None, new_members=None, from_config=stat.mzxid
            )
            text = data.decode()
            check("reconfig/add %d" % joiner, line in text.split("\n"), True)
            check(
                "reconfig/version after adding %d" % joiner,
                text.endswith("\nversion=%x" % new_stat.mzxid),
                True,
            )
            stale = stat
            stat = new_stat
        try:
            admin.zk.reconfig(joining=None, leaving="9", new_members=None, from_config=stale.mzxid)
            check("reconfig/stale from_config refused", "ok", "BadVersionError")
        except BadVersionError:
            check("reconfig/stale from_config refused", "BadVersionError", "BadVersionError")
        leader = ask("leader")["id"]
        other = [m for m in (1, 2, 3) if m != leader][0]
        data, _ = admin.zk.reconfig(
            joining=None, leaving="%d,%d" % (other, leader), new_members=None
        )
        kept = sorted(m for m in (1, 2, 3, 4, 5) if m not in (leader, other))
        listed = [l for l in data.decode().split("\n") if l.startswith("server.")]
        check(
            "reconfig/remove the leader and another",
            sorted(int(l[7:].split("=")[0]) for l in listed),
            kept,
        )
        ask("settled", members=kept)
        before = writers.most()
        check("reconfig/load continues after the removals", writers.wait(before + 5), True)
    finally:
        writers.finish("reconfig")
    owner = admin.zk.exists("/reconfig-alive")
    check(
        "reconfig/ephemeral kept",
        owner is not None and owner.ephemeralOwner == alive_session,
        True,
    )
    alive.close()
    admin.close()


# ---- readonly --------------------------------------------------------------------------


def wait_until(condition):
    """Polls `condition` every 50 ms for up to twice WAIT_S; returns whether it held."""
    deadline = time.monotonic() + 2 * WAIT_S
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


def read_only():
    during = len(sys.argv) > 3 and sys.argv[3] == "during"
    zk = KazooClient(hosts=HOSTS, read_only=True, timeout=SESSION_S, connection_retry=CONNECTION_RETRY)
    zk.start(timeout=WAIT_S)
    try:
        check("readonly/client state", zk.client_state, KeeperState.CONNECTED_RO)
        check("readonly/state", str(zk.state), "CONNECTED")
        check("readonly/read before the cut", zk.get("/ro/before")[0].decode(), "before")
        if during:
            check("readonly/majority write not seen", zk.exists("/ro/during"), None)

        def txn():
            t = zk.transaction()
            t.create("/ro/txn", b"")
            t.commit()

        writes = {
            "create": lambda: zk.create("/ro/new", b"x"),
            "set": lambda: zk.set("/ro/before", b"y"),
            "delete": lambda: zk.delete("/ro/before"),
            "transaction": txn,
        }
        outcome = {}
        for name, call in writes.items():
            try:
                call()
                outcome[name] = "no error"
            except NotReadOnlyCallError:
                outcome[name] = "NotReadOnlyCallError"
            except Exception as e:  # noqa: BLE001 - reported as the outcome
                outcome[name] = type(e).__name__
        check("readonly/writes refused", outcome, {n: "NotReadOnlyCallError" for n in writes})
        check("readonly/data unchanged", zk.get("/ro/before")[0].decode(), "before")
        plain = KazooClient(hosts=HOSTS, timeout=SESSION_S)
        try:
            plain.start(timeout=3)
            check("readonly/plain client refused", "connected", "refused")
        except KazooTimeoutError:
            check("readonly/plain client refused", "refused", "refused")
        finally:
            plain.stop()
            plain.close()
        ro_session = zk.client_id[0]
        ask("heal")
        check("readonly/read-write again", wait_until(lambda: zk.client_state == KeeperState.CONNECTED), True)
        check("readonly/state after heal", str(zk.state), "CONNECTED")
        check("readonly/new session", zk.client_id[0] != ro_session, True)
        # The write's reply comes after this member applied everything before it, the
        # majority's write during the cut included.
        zk.create("/ro/kazoo-after-heal", b"written")
        check("readonly/write after heal", zk.get("/ro/kazoo-after-heal")[0].decode(), "written")
        if during:
            check("readonly/majority write seen", zk.get("/ro/during")[0].decode(), "during")
    finally:
        zk.stop()
        zk.close()


def main():
    try:
        {"failover": failover, "fencing": fencing, "rolling": rolling, "readonly": read_only, "reconfig": reconfig}[MODE]()
    except Exception:  # noqa: BLE001 - reported as a failed check
        emit(MODE + "/completed", False, error=traceback.format_exc())
    print(json.dumps({"done": True}), flush=True)


if __name__ == "__main__":
    main()
