// Scenarios for the ZooKeeper Java client (Debian's zookeeper 3.8 jars) and its recipe jars,
// run as a single-file program: java -cp <jars> JavaClientScenarios.java host:port
//
// Covers the plain API beyond what kazoo reaches (create2 with Stat, container and TTL
// nodes, multi and multiRead, getConfig, addWatch persistent and recursive, removeWatches,
// getEphemerals, getAllChildrenNumber, whoAmI, session timeout negotiation, reconfig refused,
// watch-before-reply ordering) and the lock, leader election and queue recipes.
// Output: one JSON line per check, {"check","ok","expected","actual"} or {"check","ok","error"},
// then {"done":true}; see scenario-program.ts. All scenarios run in one JVM because JVM start
// is slow.
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.apache.zookeeper.AddWatchMode;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.Op;
import org.apache.zookeeper.OpResult;
import org.apache.zookeeper.WatchedEvent;
import org.apache.zookeeper.Watcher;
import org.apache.zookeeper.ZooDefs;
import org.apache.zookeeper.ZooKeeper;
import org.apache.zookeeper.admin.ZooKeeperAdmin;
import org.apache.zookeeper.data.ACL;
import org.apache.zookeeper.data.ClientInfo;
import org.apache.zookeeper.data.Id;
import org.apache.zookeeper.data.Stat;
import org.apache.zookeeper.recipes.leader.LeaderElectionAware;
import org.apache.zookeeper.recipes.leader.LeaderElectionSupport;
import org.apache.zookeeper.recipes.lock.LockListener;
import org.apache.zookeeper.recipes.lock.WriteLock;
import org.apache.zookeeper.recipes.queue.DistributedQueue;

public class JavaClientScenarios {
  static final long WAIT_S = 15;
  static String hosts;
  static final List<ZooKeeper> open = new ArrayList<>();
  static final List<ACL> OPEN = ZooDefs.Ids.OPEN_ACL_UNSAFE;

  // ---------------------------------------------------------------- output

  static String json(Object v) {
    if (v == null) return "null";
    if (v instanceof String) {
      StringBuilder b = new StringBuilder("\"");
      for (char c : ((String) v).toCharArray()) {
        if (c == '"' || c == '\\') b.append('\\').append(c);
        else if (c < 0x20) b.append(String.format("\\u%04x", (int) c));
        else b.append(c);
      }
      return b.append('"').toString();
    }
    if (v instanceof Number || v instanceof Boolean) return v.toString();
    if (v instanceof byte[]) return json(new String((byte[]) v, StandardCharsets.UTF_8));
    if (v instanceof Iterable) {
      StringBuilder b = new StringBuilder("[");
      for (Object o : (Iterable<?>) v) b.append(b.length() > 1 ? "," : "").append(json(o));
      return b.append(']').toString();
    }
    if (v instanceof Object[]) return json(Arrays.asList((Object[]) v));
    return json(v.toString());
  }

  static synchronized void emit(String name, boolean ok, Object expected, Object actual) {
    System.out.println("{\"check\":" + json(name) + ",\"ok\":" + ok + ",\"expected\":"
        + json(expected) + ",\"actual\":" + json(actual) + "}");
    System.out.flush();
  }

  static void check(String name, Object actual, Object expected) {
    emit(name, json(actual).equals(json(expected)), expected, actual);
  }

  static void error(String name, Throwable t) {
    java.io.StringWriter w = new java.io.StringWriter();
    t.printStackTrace(new java.io.PrintWriter(w));
    synchronized (JavaClientScenarios.class) {
      System.out.println("{\"check\":" + json(name) + ",\"ok\":false,\"error\":" + json(w.toString()) + "}");
      System.out.flush();
    }
  }

  interface Action { void run() throws Exception; }

  /** Checks that the action fails with the KeeperException code named expected. */
  static void raises(String name, String expected, Action a) {
    String got;
    try {
      a.run();
      got = "no exception";
    } catch (KeeperException e) {
      got = e.code().name();
    } catch (Exception e) {
      got = e.getClass().getSimpleName();
    }
    check(name, got, expected);
  }

  static List<Object> l(Object... xs) { return Arrays.asList(xs); }

  static byte[] b(String s) { return s.getBytes(StandardCharsets.UTF_8); }

  static List<String> sorted(List<String> xs) {
    List<String> c = new ArrayList<>(xs);
    Collections.sort(c);
    return c;
  }

  // ---------------------------------------------------------------- clients and events

  /** Collects events as [type, path] (or [state] for session events) for one watcher. */
  static final class Events implements Watcher {
    final BlockingQueue<List<Object>> q = new LinkedBlockingQueue<>();
    final String tag;
    /** Connection state changes reach every watcher object; some checks leave them out. */
    final boolean states;
    Events(String tag, boolean states) { this.tag = tag; this.states = states; }
    Events(String tag) { this(tag, true); }
    Events() { this(""); }
    @Override public void process(WatchedEvent e) {
      if (e.getType() != Event.EventType.None) q.add(l(tag + e.getType().name(), e.getPath()));
      else if (states) q.add(l(tag + e.getState().name()));
    }
    List<Object> next() throws InterruptedException {
      List<Object> e = q.poll(WAIT_S, TimeUnit.SECONDS);
      return e == null ? l("timeout") : e;
    }
    List<List<Object>> take(int n) throws InterruptedException {
      List<List<Object>> out = new ArrayList<>();
      for (int i = 0; i < n; i++) out.add(next());
      return out;
    }
  }

  static ZooKeeper connect(int timeoutMs, Watcher extra) throws Exception {
    CountDownLatch up = new CountDownLatch(1);
    ZooKeeper zk = new ZooKeeper(hosts, timeoutMs, e -> {
      if (e.getState() == Watcher.Event.KeeperState.SyncConnected) up.countDown();
      if (extra != null) extra.process(e);
    });
    if (!up.await(WAIT_S, TimeUnit.SECONDS)) throw new IllegalStateException("no connection");
    open.add(zk);
    return zk;
  }

  static ZooKeeper connect() throws Exception { return connect(10000, null); }

  static void close(ZooKeeper zk) throws InterruptedException {
    zk.close();
    open.remove(zk);
  }

  /**
   * Waits until every notification sent to zk before now has been delivered to events: the
   * server delivers a connection's notifications in order, so the creation of a fresh watched
   * node yields a marker event after all earlier ones. Returns the events seen before it.
   */
  static List<List<Object>> fence(ZooKeeper zk, Events events, String path) throws Exception {
    zk.exists(path, events);
    zk.create(path, null, OPEN, CreateMode.PERSISTENT);
    List<List<Object>> out = new ArrayList<>();
    for (;;) {
      List<Object> e = events.next();
      if (e.equals(l(events.tag + "NodeCreated", path)) || e.equals(l("timeout"))) return out;
      out.add(e);
    }
  }

  static List<Object> stat(Stat s) {
    return l(s.getVersion(), s.getCversion(), s.getAversion(), s.getEphemeralOwner(),
        s.getDataLength(), s.getNumChildren());
  }

  // ---------------------------------------------------------------- scenarios

  static void session(ZooKeeper zk) throws Exception {
    ZooKeeper low = connect(100, null);
    check("session/timeout raised to 2 ticks", low.getSessionTimeout(), 4000);
    ZooKeeper high = connect(1_000_000, null);
    check("session/timeout lowered to 20 ticks", high.getSessionTimeout(), 40000);
    check("session/password is 16 bytes", low.getSessionPasswd().length, 16);
    check("session/ids differ", low.getSessionId() != high.getSessionId(), true);

    // A wrong password is refused as an expired session. ZooKeeper 3.8 also drops the
    // owner's connection before it checks the password (the owner reconnects to its
    // session); the session itself must survive.
    Events bad = new Events();
    ZooKeeper badZk = new ZooKeeper(hosts, 4000, bad, high.getSessionId(), new byte[16]);
    check("session/wrong password is expired", bad.next(), l("Expired"));
    badZk.close();
    String survived;
    try {
      survived = high.exists("/", false) != null ? "usable" : "no root";
    } catch (KeeperException.ConnectionLossException e) {
      survived = high.exists("/", false) != null ? "usable" : "no root";
    }
    check("session/owner survives a wrong password", survived, "usable");
    close(high);

    // A second client resuming the session gets the same id and the session's ephemeral;
    // closing it ends the session.
    low.create("/j-session-eph", null, OPEN, CreateMode.EPHEMERAL);
    ZooKeeper again = new ZooKeeper(hosts, 4000, e -> {}, low.getSessionId(), low.getSessionPasswd());
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(WAIT_S);
    while (!again.getState().isConnected() && System.nanoTime() < deadline) Thread.sleep(20);
    check("session/resume keeps id", again.getSessionId(), low.getSessionId());
    check("session/resumed session owns the ephemeral",
        again.exists("/j-session-eph", false).getEphemeralOwner(), low.getSessionId());
    check("session/resumed session lists it", again.getEphemerals(), l("/j-session-eph"));
    again.close();
    check("session/close of resumed session deletes it", zk.exists("/j-session-eph", false), null);
    low.close();
    open.remove(low);
  }

  static void create(ZooKeeper zk) throws Exception {
    Stat s = new Stat();
    String p = zk.create("/j-create", b("abc"), OPEN, CreateMode.PERSISTENT, s);
    check("create/create2 path", p, "/j-create");
    check("create/create2 stat", stat(s), l(0, 0, 0, 0L, 3, 0));
    check("create/create2 stat equals exists", s, zk.exists(p, false));
    Stat s2 = new Stat();
    String seq = zk.create(p + "/s-", null, OPEN, CreateMode.PERSISTENT_SEQUENTIAL, s2);
    check("create/sequential", seq, p + "/s-0000000000");
    check("create/null data has length 0", s2.getDataLength(), 0);
    check("create/null data reads as null", zk.getData(seq, false, null), null);
    zk.create(p + "/empty", new byte[0], OPEN, CreateMode.PERSISTENT);
    check("create/empty data reads as empty", zk.getData(p + "/empty", false, null), "");
    String eph = zk.create(p + "/e-", null, OPEN, CreateMode.EPHEMERAL_SEQUENTIAL);
    check("create/ephemeral sequential", eph, p + "/e-0000000002");
    check("create/ephemeral owner", zk.exists(eph, false).getEphemeralOwner(), zk.getSessionId());
    raises("create/child of ephemeral", "NOCHILDRENFOREPHEMERALS",
        () -> zk.create(eph + "/x", null, OPEN, CreateMode.PERSISTENT));
    raises("create/exists", "NODEEXISTS", () -> zk.create(p, null, OPEN, CreateMode.PERSISTENT));
    raises("create/no parent", "NONODE", () -> zk.create("/j-nope/x", null, OPEN, CreateMode.PERSISTENT));
    List<String> kids = zk.getChildren(p, false, s);
    check("create/children with stat", l(sorted(kids), s.getNumChildren(), s.getCversion()),
        l(l("e-0000000002", "empty", "s-0000000000"), 3, 3));
  }

  static void containerAndTtl(ZooKeeper zk) throws Exception {
    Stat s = new Stat();
    String c = zk.create("/j-container", b("c"), OPEN, CreateMode.CONTAINER, s);
    check("extended/container path", c, "/j-container");
    check("extended/container shows owner 0", stat(s), l(0, 0, 0, 0L, 1, 0));
    zk.create(c + "/child", null, OPEN, CreateMode.PERSISTENT);
    check("extended/container holds children", zk.getChildren(c, false), l("child"));
    Stat t = new Stat();
    String ttl = zk.create("/j-ttl", b("t"), OPEN, CreateMode.PERSISTENT_WITH_TTL, t, 60_000);
    check("extended/ttl path", ttl, "/j-ttl");
    check("extended/ttl shows owner 0", stat(t), l(0, 0, 0, 0L, 1, 0));
    zk.create(ttl + "/x", null, OPEN, CreateMode.PERSISTENT);
    String ttlSeq = zk.create(ttl + "/s-", null, OPEN, CreateMode.PERSISTENT_SEQUENTIAL_WITH_TTL, t, 1000);
    check("extended/ttl sequential", ttlSeq, ttl + "/s-0000000001");
    raises("extended/ttl under ephemeral refused", "NOCHILDRENFOREPHEMERALS", () -> {
      String e = zk.create("/j-ttl-eph", null, OPEN, CreateMode.EPHEMERAL);
      zk.create(e + "/t", null, OPEN, CreateMode.PERSISTENT_WITH_TTL, new Stat(), 1000);
    });
    raises("extended/ttl exists", "NODEEXISTS",
        () -> zk.create(ttl, null, OPEN, CreateMode.PERSISTENT_WITH_TTL, new Stat(), 1000));
  }

  static void multi(ZooKeeper zk) throws Exception {
    zk.create("/j-multi", b("0"), OPEN, CreateMode.PERSISTENT);
    List<OpResult> r = zk.multi(Arrays.asList(
        Op.create("/j-multi/a", b("a"), OPEN, CreateMode.PERSISTENT),
        Op.create("/j-multi/s-", null, OPEN, CreateMode.PERSISTENT_SEQUENTIAL),
        Op.setData("/j-multi/a", b("a1"), 0),
        Op.check("/j-multi", 0),
        Op.delete("/j-multi/a", 1)));
    List<Object> kinds = new ArrayList<>();
    for (OpResult o : r) kinds.add(o.getClass().getSimpleName());
    check("multi/result kinds", kinds,
        l("CreateResult", "CreateResult", "SetDataResult", "CheckResult", "DeleteResult"));
    check("multi/created paths", l(((OpResult.CreateResult) r.get(0)).getPath(),
        ((OpResult.CreateResult) r.get(1)).getPath()), l("/j-multi/a", "/j-multi/s-0000000001"));
    check("multi/setData stat", ((OpResult.SetDataResult) r.get(2)).getStat().getVersion(), 1);
    check("multi/applied", zk.getChildren("/j-multi", false), l("s-0000000001"));
    List<OpResult> failed = null;
    String code = "no exception";
    try {
      zk.multi(Arrays.asList(
          Op.create("/j-multi/b", null, OPEN, CreateMode.PERSISTENT),
          Op.check("/j-multi", 5),
          Op.delete("/j-multi/s-0000000001", -1)));
    } catch (KeeperException e) {
      code = e.code().name();
      failed = e.getResults();
    }
    check("multi/failure throws the failing code", code, "BADVERSION");
    List<Object> errs = new ArrayList<>();
    if (failed != null) for (OpResult o : failed) errs.add(((OpResult.ErrorResult) o).getErr());
    check("multi/failure results", errs, l(0, -103, -2));
    check("multi/failure applied nothing", sorted(zk.getChildren("/j-multi", false)), l("s-0000000001"));

    // All-read multi goes out as multiRead: each op succeeds or fails on its own.
    List<OpResult> reads = zk.multi(Arrays.asList(
        Op.getData("/j-multi"), Op.getChildren("/j-multi"), Op.getData("/j-multi/none")));
    List<Object> readKinds = new ArrayList<>();
    for (OpResult o : reads) readKinds.add(o.getClass().getSimpleName());
    check("multi/read kinds", readKinds, l("GetDataResult", "GetChildrenResult", "ErrorResult"));
    check("multi/read values", l(((OpResult.GetDataResult) reads.get(0)).getData(),
        ((OpResult.GetChildrenResult) reads.get(1)).getChildren(),
        ((OpResult.ErrorResult) reads.get(2)).getErr()), l("0", l("s-0000000001"), -101));
  }

  static void config(ZooKeeper zk) throws Exception {
    Stat s = new Stat();
    byte[] cfg = zk.getConfig(false, s);
    String text = cfg == null ? "null" : new String(cfg, StandardCharsets.UTF_8);
    int members = hosts.split(",").length;
    if (members == 1) {
      check("config/standalone config is empty", text, "");
    } else {
      // An ensemble's /zookeeper/config holds its membership (version 0: never reconfigured).
      check("config/ensemble config lists the members",
          l(text.split("\n").length, text.startsWith("server.1="), text.endsWith("\nversion=0"),
              s.getVersion()),
          l(members + 1, true, true, -1));
    }
    check("config/aversion", s.getAversion(), -1);
    ZooKeeperAdmin admin = new ZooKeeperAdmin(hosts, 10000, e -> {});
    try {
      raises("config/reconfig disabled", "RECONFIGDISABLED",
          () -> admin.reconfigure("server.2=127.0.0.1:1:2;3", null, null, -1, new Stat()));
    } finally {
      admin.close();
    }
  }

  static void persistentWatches(ZooKeeper zk) throws Exception {
    Events ev = new Events();
    zk.addWatch("/j-pw", ev, AddWatchMode.PERSISTENT);
    zk.create("/j-pw", null, OPEN, CreateMode.PERSISTENT);
    zk.setData("/j-pw", b("1"), -1);
    zk.create("/j-pw/c", null, OPEN, CreateMode.PERSISTENT);
    zk.setData("/j-pw/c", b("1"), -1); // a child's data is not watched by a persistent watch
    zk.delete("/j-pw/c", -1);
    zk.delete("/j-pw", -1);
    zk.create("/j-pw", null, OPEN, CreateMode.PERSISTENT);
    check("watch-persistent/events", ev.take(6), l(
        l("NodeCreated", "/j-pw"), l("NodeDataChanged", "/j-pw"),
        l("NodeChildrenChanged", "/j-pw"), l("NodeChildrenChanged", "/j-pw"),
        l("NodeDeleted", "/j-pw"), l("NodeCreated", "/j-pw")));

    Events rec = new Events();
    zk.addWatch("/j-rw", rec, AddWatchMode.PERSISTENT_RECURSIVE);
    zk.create("/j-rw", null, OPEN, CreateMode.PERSISTENT);
    zk.create("/j-rw/a", null, OPEN, CreateMode.PERSISTENT);
    zk.create("/j-rw/a/b", null, OPEN, CreateMode.PERSISTENT);
    zk.setData("/j-rw/a/b", b("x"), -1);
    zk.delete("/j-rw/a/b", -1);
    zk.create("/j-rwx", null, OPEN, CreateMode.PERSISTENT); // a sibling prefix is not below
    check("watch-recursive/events, no child events", rec.take(5), l(
        l("NodeCreated", "/j-rw"), l("NodeCreated", "/j-rw/a"), l("NodeCreated", "/j-rw/a/b"),
        l("NodeDataChanged", "/j-rw/a/b"), l("NodeDeleted", "/j-rw/a/b")));
    check("watch-recursive/nothing else", fence(zk, rec, "/j-rw/fence"), l());

    // Removing the persistent watch: the client reports PersistentWatchRemoved locally.
    zk.removeWatches("/j-rw", rec, Watcher.WatcherType.Any, false);
    check("watch-recursive/removed event", rec.next(), l("PersistentWatchRemoved", "/j-rw"));
    zk.create("/j-rw/after", null, OPEN, CreateMode.PERSISTENT);
    Events marker = new Events();
    check("watch-recursive/silent after removal", l(fence(zk, marker, "/j-rw-fence2"), rec.q.size()),
        l(l(), 0));
  }

  static void removeWatches(ZooKeeper zk) throws Exception {
    zk.create("/j-rm", null, OPEN, CreateMode.PERSISTENT);
    Events ev = new Events();
    zk.getData("/j-rm", ev, null);
    zk.getChildren("/j-rm", ev);
    zk.removeWatches("/j-rm", ev, Watcher.WatcherType.Data, false);
    check("watch-remove/data removed event", ev.next(), l("DataWatchRemoved", "/j-rm"));
    zk.create("/j-rm/c", null, OPEN, CreateMode.PERSISTENT);
    check("watch-remove/child watch still fires", ev.next(), l("NodeChildrenChanged", "/j-rm"));
    zk.setData("/j-rm", b("x"), -1);
    zk.getChildren("/j-rm", ev);
    zk.removeAllWatches("/j-rm", Watcher.WatcherType.Children, false);
    check("watch-remove/removeAll child event", ev.next(), l("ChildWatchRemoved", "/j-rm"));
    check("watch-remove/nothing else", fence(zk, ev, "/j-rm-fence"), l());
    raises("watch-remove/no watcher", "NOWATCHER",
        () -> zk.removeWatches("/j-rm", ev, Watcher.WatcherType.Data, false));
    raises("watch-remove/removeAll with none", "NOWATCHER",
        () -> zk.removeAllWatches("/j-rm", Watcher.WatcherType.Any, false));
  }

  static void watchOrder(ZooKeeper zk) throws Exception {
    // The notification for a write reaches the writing client before the write's reply: the
    // client's event thread delivers watch events and async callbacks in arrival order.
    zk.create("/j-order", null, OPEN, CreateMode.PERSISTENT);
    BlockingQueue<String> seen = new LinkedBlockingQueue<>();
    zk.getData("/j-order", e -> seen.add("event " + e.getType()), null);
    zk.exists("/j-order/kid", e -> seen.add("event " + e.getType()));
    zk.getChildren("/j-order", e -> seen.add("event " + e.getType()));
    CountDownLatch done = new CountDownLatch(2);
    zk.setData("/j-order", b("1"), -1, (rc, path, ctx, st) -> {
      seen.add("reply setData " + rc);
      done.countDown();
    }, null);
    zk.create("/j-order/kid", null, OPEN, CreateMode.PERSISTENT, (rc, path, ctx, name) -> {
      seen.add("reply create " + rc);
      done.countDown();
    }, null);
    done.await(WAIT_S, TimeUnit.SECONDS);
    check("watch-order/event before reply", new ArrayList<>(seen), l(
        "event NodeDataChanged", "reply setData 0",
        "event NodeCreated", "event NodeChildrenChanged", "reply create 0"));

    // A node deleted under both an exists and a child watch of one client.
    Events ev = new Events();
    zk.exists("/j-order/kid", ev);
    zk.getChildren("/j-order/kid", ev);
    zk.getChildren("/j-order", ev);
    ZooKeeper other = connect();
    other.delete("/j-order/kid", -1);
    // The Java client delivers one NodeDeleted per watcher object, however many of its
    // registrations matched.
    check("watch-order/delete events", ev.take(2), l(
        l("NodeDeleted", "/j-order/kid"), l("NodeChildrenChanged", "/j-order")));
    check("watch-order/nothing else", fence(zk, ev, "/j-order-fence"), l());
    close(other);
  }

  static void introspection(ZooKeeper main) throws Exception {
    ZooKeeper zk = connect();
    ZooKeeper other = connect();
    zk.create("/j-eph", null, OPEN, CreateMode.PERSISTENT);
    zk.create("/j-eph/a", null, OPEN, CreateMode.EPHEMERAL);
    zk.create("/j-eph/ab", null, OPEN, CreateMode.EPHEMERAL);
    zk.create("/j-eph/b-", null, OPEN, CreateMode.EPHEMERAL_SEQUENTIAL);
    other.create("/j-eph/theirs", null, OPEN, CreateMode.EPHEMERAL);
    check("introspect/getEphemerals all", sorted(zk.getEphemerals()),
        l("/j-eph/a", "/j-eph/ab", "/j-eph/b-0000000002"));
    check("introspect/getEphemerals by string prefix", sorted(zk.getEphemerals("/j-eph/a")),
        l("/j-eph/a", "/j-eph/ab"));
    check("introspect/getEphemerals of other session", other.getEphemerals("/"), l("/j-eph/theirs"));
    check("introspect/getEphemerals none", zk.getEphemerals("/nowhere"), l());
    zk.create("/j-count", null, OPEN, CreateMode.PERSISTENT);
    zk.create("/j-count/a", null, OPEN, CreateMode.PERSISTENT);
    zk.create("/j-count/a/b", null, OPEN, CreateMode.PERSISTENT);
    zk.create("/j-count/c", null, OPEN, CreateMode.PERSISTENT);
    check("introspect/getAllChildrenNumber", zk.getAllChildrenNumber("/j-count"), 3);
    check("introspect/getAllChildrenNumber leaf", zk.getAllChildrenNumber("/j-count/c"), 0);
    check("introspect/getAllChildrenNumber /zookeeper", zk.getAllChildrenNumber("/zookeeper"), 2);
    raises("introspect/getAllChildrenNumber missing", "NONODE", () -> zk.getAllChildrenNumber("/j-none"));
    List<Object> who = new ArrayList<>();
    for (ClientInfo ci : other.whoAmI()) who.add(l(ci.getAuthScheme(), ci.getUser()));
    check("introspect/whoAmI plain", who, l(l("ip", "127.0.0.1")));
    other.addAuthInfo("digest", b("alice:secret"));
    who.clear();
    for (ClientInfo ci : other.whoAmI()) who.add(l(ci.getAuthScheme(), ci.getUser()));
    who.sort((x, y) -> x.toString().compareTo(y.toString()));
    check("introspect/whoAmI after digest auth", who, l(l("digest", "alice"), l("ip", "127.0.0.1")));
    close(other);
    check("introspect/other's ephemeral gone after close", zk.exists("/j-eph/theirs", false), null);
    close(zk);
    check("introspect/own ephemerals gone after close", main.getChildren("/j-eph", false), l());
  }

  static void acl(ZooKeeper zk) throws Exception {
    ZooKeeper alice = connect();
    alice.addAuthInfo("digest", b("alice:secret"));
    List<ACL> mine = Collections.singletonList(new ACL(ZooDefs.Perms.ALL, new Id("auth", "")));
    alice.create("/j-acl", b("secret"), mine, CreateMode.PERSISTENT);
    raises("acl/read denied", "NOAUTH", () -> zk.getData("/j-acl", false, null));
    raises("acl/getACL denied", "NOAUTH", () -> zk.getACL("/j-acl", new Stat()));
    Stat s = new Stat();
    List<ACL> got = alice.getACL("/j-acl", s);
    check("acl/auth expanded to digest", got.get(0).getId().getId(), "alice:aYXlLOpEooaV1cRAvUL1fp9Qt7E=");
    alice.setACL("/j-acl", ZooDefs.Ids.READ_ACL_UNSAFE, 0);
    check("acl/world read after setACL", zk.getData("/j-acl", false, null), "secret");
    raises("acl/write denied", "NOAUTH", () -> zk.setData("/j-acl", b("x"), -1));
    raises("acl/invalid digest id", "INVALIDACL", () -> zk.create("/j-acl2", null,
        Collections.singletonList(new ACL(ZooDefs.Perms.ALL, new Id("digest", "no-colon"))),
        CreateMode.PERSISTENT));
    close(alice);
  }

  /** Drops the client's TCP connection as a network failure would; the client reconnects. */
  static void dropConnection(ZooKeeper zk) throws Exception {
    java.lang.reflect.Field cnxnField = ZooKeeper.class.getDeclaredField("cnxn");
    cnxnField.setAccessible(true);
    Object cnxn = cnxnField.get(zk);
    java.lang.reflect.Field sendField = cnxn.getClass().getDeclaredField("sendThread");
    sendField.setAccessible(true);
    Object sendThread = sendField.get(cnxn);
    java.lang.reflect.Method close = sendThread.getClass().getDeclaredMethod("testableCloseSocket");
    close.setAccessible(true);
    close.invoke(sendThread);
  }

  static void reconnect(ZooKeeper main) throws Exception {
    // After a lost connection the client resumes its session and re-sends its watches
    // (setWatches, or setWatches2 when it holds persistent ones) with its last zxid; the
    // server fires at once the watches whose nodes changed meanwhile and re-arms the others.
    Events session = new Events("session:");
    ZooKeeper zk = connect(10000, session);
    session.next(); // SyncConnected
    zk.create("/j-rc", null, OPEN, CreateMode.PERSISTENT);
    zk.create("/j-rc/d", b("0"), OPEN, CreateMode.PERSISTENT);
    zk.create("/j-rc2", null, OPEN, CreateMode.PERSISTENT);
    zk.create("/j-rc3", null, OPEN, CreateMode.PERSISTENT);
    zk.create("/j-rc/eph", null, OPEN, CreateMode.EPHEMERAL);
    Events ev = new Events("", false);
    zk.getData("/j-rc/d", ev, null);
    zk.exists("/j-rc2/missing", ev);
    zk.getChildren("/j-rc", ev);
    zk.getData("/j-rc3", ev, null);
    Events persistent = new Events("persistent:", false);
    zk.addWatch("/j-rc3", persistent, AddWatchMode.PERSISTENT);
    long sid = zk.getSessionId();
    dropConnection(zk);
    // Written while the client is (most likely) disconnected: caught up on reconnect.
    main.setData("/j-rc/d", b("1"), -1);
    main.create("/j-rc2/missing", null, OPEN, CreateMode.PERSISTENT);
    main.create("/j-rc/c", null, OPEN, CreateMode.PERSISTENT);
    check("reconnect/session events", session.take(2), l(l("session:Disconnected"), l("session:SyncConnected")));
    check("reconnect/same session", zk.getSessionId(), sid);
    check("reconnect/ephemeral kept", zk.exists("/j-rc/eph", false).getEphemeralOwner(), sid);
    List<String> got = new ArrayList<>();
    for (List<Object> e : ev.take(3)) got.add(e.toString());
    Collections.sort(got);
    check("reconnect/missed changes fire the restored watches", got,
        l("[NodeChildrenChanged, /j-rc]", "[NodeCreated, /j-rc2/missing]", "[NodeDataChanged, /j-rc/d]"));
    main.setData("/j-rc3", b("x"), -1);
    check("reconnect/restored data watch fires", ev.next(), l("NodeDataChanged", "/j-rc3"));
    check("reconnect/restored persistent watch fires", persistent.next(),
        l("persistent:NodeDataChanged", "/j-rc3"));
    main.setData("/j-rc3", b("y"), -1);
    check("reconnect/persistent watch still armed", persistent.next(),
        l("persistent:NodeDataChanged", "/j-rc3"));
    check("reconnect/nothing else", l(fence(zk, ev, "/j-rc-fence"), persistent.q.size()), l(l(), 0));
    close(zk);
  }

  static void writeLock(ZooKeeper zk) throws Exception {
    ZooKeeper other = connect();
    CountDownLatch secondGot = new CountDownLatch(1);
    WriteLock first = new WriteLock(zk, "/j-recipes/lock", OPEN);
    WriteLock second = new WriteLock(other, "/j-recipes/lock", OPEN, new LockListener() {
      @Override public void lockAcquired() { secondGot.countDown(); }
      @Override public void lockReleased() {}
    });
    check("lock/first acquires", first.lock(), true);
    check("lock/second waits", second.lock(), false);
    check("lock/owners", l(first.isOwner(), second.isOwner()), l(true, false));
    first.unlock();
    check("lock/second acquires after unlock", secondGot.await(WAIT_S, TimeUnit.SECONDS), true);
    check("lock/second is owner", second.isOwner(), true);
    second.unlock();
    check("lock/nodes cleaned up", other.getChildren("/j-recipes/lock", false), l());
    close(other);
  }

  static void election(ZooKeeper zk) throws Exception {
    ZooKeeper other = connect();
    zk.create("/j-recipes/election", null, OPEN, CreateMode.PERSISTENT);
    LeaderElectionSupport a = new LeaderElectionSupport();
    LeaderElectionSupport c = new LeaderElectionSupport();
    CountDownLatch aLeads = new CountDownLatch(1);
    CountDownLatch cLeads = new CountDownLatch(1);
    CountDownLatch cReady = new CountDownLatch(1);
    a.setZooKeeper(zk);
    a.setRootNodeName("/j-recipes/election");
    a.setHostName("host-a");
    a.addListener(ev -> { if (ev == LeaderElectionSupport.EventType.ELECTED_COMPLETE) aLeads.countDown(); });
    c.setZooKeeper(other);
    c.setRootNodeName("/j-recipes/election");
    c.setHostName("host-c");
    c.addListener(ev -> {
      if (ev == LeaderElectionSupport.EventType.ELECTED_COMPLETE) cLeads.countDown();
      if (ev == LeaderElectionSupport.EventType.READY_COMPLETE) cReady.countDown();
    });
    a.start();
    check("election/first elected", aLeads.await(WAIT_S, TimeUnit.SECONDS), true);
    c.start();
    check("election/second ready (follower)", cReady.await(WAIT_S, TimeUnit.SECONDS), true);
    check("election/leader host name", c.getLeaderHostName(), "host-a");
    a.stop();
    check("election/second elected after first stops", cLeads.await(WAIT_S, TimeUnit.SECONDS), true);
    check("election/new leader host name", zk.getChildren("/j-recipes/election", false).size() == 1
        ? c.getLeaderHostName() : "two offers left", "host-c");
    c.stop();
    close(other);
  }

  static void queue(ZooKeeper zk) throws Exception {
    ZooKeeper other = connect();
    zk.create("/j-recipes/queue", null, OPEN, CreateMode.PERSISTENT);
    DistributedQueue q1 = new DistributedQueue(zk, "/j-recipes/queue", OPEN);
    DistributedQueue q2 = new DistributedQueue(other, "/j-recipes/queue", OPEN);
    check("queue/poll empty", q1.poll(), null);
    raises("queue/element empty", "NoSuchElementException", q1::element);
    q1.offer(b("one"));
    q2.offer(b("two"));
    check("queue/peek", q2.peek(), "one");
    check("queue/FIFO across clients", l(q2.remove(), q1.poll()), l("one", "two"));
    BlockingQueue<Object> taken = new LinkedBlockingQueue<>();
    Thread t = new Thread(() -> {
      try {
        taken.add(q2.take());
      } catch (Exception e) {
        taken.add(e.toString());
      }
    });
    t.start();
    q1.offer(b("late"));
    check("queue/take blocks until offer", taken.poll(WAIT_S, TimeUnit.SECONDS), "late");
    t.join(TimeUnit.SECONDS.toMillis(WAIT_S));
    close(other);
  }

  interface Scenario { void run(ZooKeeper zk) throws Exception; }

  public static void main(String[] args) throws Exception {
    hosts = args[0];
    ZooKeeper zk = connect();
    zk.create("/j-recipes", null, OPEN, CreateMode.PERSISTENT);
    Object[][] scenarios = {
        {"session", (Scenario) JavaClientScenarios::session},
        {"create", (Scenario) JavaClientScenarios::create},
        {"extended", (Scenario) JavaClientScenarios::containerAndTtl},
        {"multi", (Scenario) JavaClientScenarios::multi},
        {"config", (Scenario) JavaClientScenarios::config},
        {"watch-persistent", (Scenario) JavaClientScenarios::persistentWatches},
        {"watch-remove", (Scenario) JavaClientScenarios::removeWatches},
        {"watch-order", (Scenario) JavaClientScenarios::watchOrder},
        {"introspect", (Scenario) JavaClientScenarios::introspection},
        {"acl", (Scenario) JavaClientScenarios::acl},
        {"reconnect", (Scenario) JavaClientScenarios::reconnect},
        {"lock", (Scenario) JavaClientScenarios::writeLock},
        {"election", (Scenario) JavaClientScenarios::election},
        {"queue", (Scenario) JavaClientScenarios::queue},
    };
    for (Object[] s : scenarios) {
      try {
        ((Scenario) s[1]).run(zk);
      } catch (Throwable t) {
        error(s[0] + "/completed", t);
      }
    }
    for (ZooKeeper z : new ArrayList<>(open)) z.close();
    System.out.println("{\"done\":true}");
    System.out.flush();
    System.exit(0);
  }
}
