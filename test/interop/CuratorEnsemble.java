// Apache Curator 5 (Debian libcurator-*-java) against a 3-member ensemble while members fail,
// run as a single-file program: java -cp <jars> CuratorEnsemble.java <mode> <connect-string>
//
// failover: a session on the leader, then one on a follower (a host provider that keeps the
//   given order pins the first connection), each loses its member to SIGKILL and must keep its
//   session id, its ephemeral and its one-shot watches (re-registered by the ZooKeeper client
//   with setWatches after the reconnect, fired by changes another client makes after it),
//   without a LOST state.
// fencing: InterProcessMutex and LeaderLatch contenders while the test kills and restarts
//   members; every tenure is printed as {"tenure": ...} for the test to check (fencing tokens
//   are znode versions, written with a conditional setData).
// readonly <address> [during]: the plain ZooKeeper client, new ZooKeeper(connect, timeout,
//   watcher, canBeReadOnly=true), on a member cut off from its quorum (readonlymode.enabled):
//   it connects read-only, reads /ro/before, does not see /ro/during (which the test wrote
//   through the majority after the cut, with "during"), and every write fails with
//   NotReadOnly; after the test heals the ensemble it is connected read-write again, with a
//   new session (it never saw a read-write server before), and writes.
// reconfig: writers create nodes while Curator's reconfig() adds a 4th and a 5th member (the
//   test starts each joiner when asked) and then removes two, the leader among them; every
//   acknowledged create must be there afterwards, no session lost, and a stale fromConfig
//   refused with BadVersion.
// The program talks to the test with scenario-program.ts's protocol: JSON check lines, and
// {"await": ...} lines answered by one JSON line on stdin.
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.framework.recipes.leader.LeaderLatch;
import org.apache.curator.framework.recipes.locks.InterProcessMutex;
import org.apache.curator.framework.state.ConnectionState;
import org.apache.curator.retry.RetryNTimes;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.Op;
import org.apache.zookeeper.Watcher;
import org.apache.zookeeper.ZooDefs;
import org.apache.zookeeper.ZooKeeper;
import org.apache.zookeeper.client.HostProvider;
import org.apache.zookeeper.data.Stat;

public class CuratorEnsemble {
  static final long WAIT_S = 20;
  // A session outlives an election (1-2 s) and a reconnect; tickTime 500 ms allows 10 s.
  static final int SESSION_MS = 8000;
  static final BufferedReader stdin =
      new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));

  // ---------------------------------------------------------------- output protocol

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
    if (v instanceof Iterable) {
      StringBuilder b = new StringBuilder("[");
      for (Object o : (Iterable<?>) v) b.append(b.length() > 1 ? "," : "").append(json(o));
      return b.append(']').toString();
    }
    return json(v.toString());
  }

  static synchronized void line(String text) {
    System.out.println(text);
    System.out.flush();
  }

  static void check(String name, Object actual, Object expected) {
    boolean ok = json(actual).equals(json(expected));
    line("{\"check\":" + json(name) + ",\"ok\":" + ok + ",\"expected\":" + json(expected)
        + ",\"actual\":" + json(actual) + "}");
  }

  static void error(String name, Throwable t) {
    java.io.StringWriter w = new java.io.StringWriter();
    t.printStackTrace(new java.io.PrintWriter(w));
    line("{\"check\":" + json(name) + ",\"ok\":false,\"error\":" + json(w.toString()) + "}");
  }

  /** Asks the test to act; returns its one-line JSON answer. */
  static String ask(String what, String fields) throws Exception {
    line("{\"await\":" + json(what) + (fields.isEmpty() ? "" : "," + fields) + "}");
    String answer = stdin.readLine();
    if (answer == null) throw new IllegalStateException("the test closed stdin");
    if (answer.contains("\"error\"")) throw new IllegalStateException(what + ": " + answer);
    return answer;
  }

  /** A string field of a flat JSON answer (the test's answers hold no escapes). */
  static String field(String answer, String name) {
    Matcher m = Pattern.compile("\"" + name + "\":\"([^\"]*)\"").matcher(answer);
    return m.find() ? m.group(1) : null;
  }

  static List<String> stringList(String answer, String name) {
    Matcher m = Pattern.compile("\"" + name + "\":\\[([^\\]]*)\\]").matcher(answer);
    List<String> out = new ArrayList<>();
    if (!m.find()) return out;
    for (String s : m.group(1).split(",")) if (!s.isEmpty()) out.add(s.replace("\"", ""));
    return out;
  }

  static List<Object> l(Object... xs) { return Arrays.asList(xs); }

  static byte[] b(String s) { return s.getBytes(StandardCharsets.UTF_8); }

  // ---------------------------------------------------------------- clients

  /**
   * Tries the hosts in the order given, round and round, pausing `spinDelay` after each full
   * round without a connection (as ZooKeeper's StaticHostProvider does). The stock provider
   * shuffles, which would leave to chance whether a session starts on the leader.
   */
  static final class OrderedHosts implements HostProvider {
    final List<InetSocketAddress> hosts = new ArrayList<>();
    int index = -1;
    int sinceConnected = 0;

    OrderedHosts(String connectString) {
      for (String hp : connectString.split("/")[0].split(",")) {
        int colon = hp.lastIndexOf(':');
        hosts.add(InetSocketAddress.createUnresolved(hp.substring(0, colon),
            Integer.parseInt(hp.substring(colon + 1))));
      }
    }

    public synchronized int size() { return hosts.size(); }

    public InetSocketAddress next(long spinDelay) {
      boolean pause;
      InetSocketAddress next;
      synchronized (this) {
        index = (index + 1) % hosts.size();
        pause = ++sinceConnected > hosts.size();
        next = hosts.get(index);
      }
      if (pause && spinDelay > 0) {
        try {
          Thread.sleep(spinDelay);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
      InetSocketAddress unresolved = next;
      return new InetSocketAddress(unresolved.getHostString(), unresolved.getPort());
    }

    public synchronized void onConnected() { sinceConnected = 0; }

    public boolean updateServerList(Collection<InetSocketAddress> list, InetSocketAddress current) {
      return false;
    }
  }

  /** A Curator client that records its connection states. */
  static final class Client {
    final CuratorFramework c;
    final List<String> states = Collections.synchronizedList(new ArrayList<>());

    Client(String hosts, boolean ordered) throws Exception {
      CuratorFrameworkFactory.Builder builder = CuratorFrameworkFactory.builder()
          .connectString(hosts)
          .sessionTimeoutMs(SESSION_MS)
          .connectionTimeoutMs(SESSION_MS)
          // Curator retries an operation that failed with ConnectionLoss; the fenced writes go
          // through the raw ZooKeeper handle so that a retried write never looks like a
          // rejected one.
          .retryPolicy(new RetryNTimes(20, 200));
      if (ordered) {
        builder.zookeeperFactory((cs, timeout, watcher, readOnly) ->
            new ZooKeeper(cs, timeout, watcher, readOnly, new OrderedHosts(cs)));
      }
      c = builder.build();
      c.getConnectionStateListenable().addListener((client, state) -> states.add(state.name()));
      c.start();
      if (!c.blockUntilConnected((int) WAIT_S, TimeUnit.SECONDS)) {
        throw new IllegalStateException("no connection to " + hosts);
      }
    }

    ZooKeeper zk() throws Exception { return c.getZookeeperClient().getZooKeeper(); }

    long session() throws Exception { return zk().getSessionId(); }

    int count(String state) {
      synchronized (states) {
        return Collections.frequency(states, state);
      }
    }

    /** Waits until `state` was reported more than `before` times. */
    boolean awaitCount(String state, int before) throws InterruptedException {
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(WAIT_S);
      while (count(state) <= before) {
        if (System.nanoTime() > deadline) return false;
        Thread.sleep(20);
      }
      return true;
    }

    void close() { c.close(); }
  }

  // ---------------------------------------------------------------- failover

  static void failoverRound(String role) throws Exception {
    String roles = ask("roles", "");
    String leader = field(roles, "leader");
    List<String> followers = stringList(roles, "followers");
    String first = role.equals("leader") ? leader : followers.get(0);
    List<String> order = new ArrayList<>();
    order.add(first);
    if (!first.equals(leader)) order.add(leader);
    for (String f : followers) if (!f.equals(first)) order.add(f);
    Client client = new Client(String.join(",", order), true);
    String base = "/curator-failover-" + role;
    try {
      CuratorFramework c = client.c;
      c.create().forPath(base);
      c.create().forPath(base + "/watched", b("v0"));
      String eph = c.create().withMode(CreateMode.EPHEMERAL).forPath(base + "/eph", b("mine"));
      // Watch events only; the client also passes connection-state events (type None) to
      // every registered watcher.
      BlockingQueue<String> events = new LinkedBlockingQueue<>();
      Watcher record = e -> {
        if (e.getType() != Watcher.Event.EventType.None) events.add(e.getType() + " " + e.getPath());
      };
      c.getData().usingWatcher(record).forPath(base + "/watched");
      c.getChildren().usingWatcher(record).forPath(base);
      c.checkExists().usingWatcher(record).forPath(base + "/later");
      long session = client.session();
      int reconnectedBefore = client.count("RECONNECTED");
      int statesBefore = client.states.size();
      String answer = ask("kill", "\"session\":" + json("0x" + Long.toHexString(session)));
      check(role + "/killed the member the session was on", field(answer, "killed"), first);
      check(role + "/reconnected", client.awaitCount("RECONNECTED", reconnectedBefore), true);
      Client other = new Client(field(answer, "survivors"), false);
      try {
        other.c.setData().forPath(base + "/watched", b("v1"));
        other.c.create().forPath(base + "/later");
        List<String> seen = new ArrayList<>();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(WAIT_S);
        while (seen.size() < 3 && System.nanoTime() < deadline) {
          String e = events.poll(deadline - System.nanoTime(), TimeUnit.NANOSECONDS);
          if (e != null) seen.add(e);
        }
        Collections.sort(seen);
        check(role + "/watches set before the kill fired after the reconnect", seen,
            l("NodeChildrenChanged " + base, "NodeCreated " + base + "/later",
                "NodeDataChanged " + base + "/watched"));
        Stat stat = other.c.checkExists().forPath(eph);
        check(role + "/ephemeral kept, owned by the same session",
            stat == null ? null : "0x" + Long.toHexString(stat.getEphemeralOwner()),
            "0x" + Long.toHexString(session));
      } finally {
        other.close();
      }
      check(role + "/same session id", "0x" + Long.toHexString(client.session()),
          "0x" + Long.toHexString(session));
      check(role + "/session reads its ephemeral",
          new String(c.getData().forPath(eph), StandardCharsets.UTF_8), "mine");
      // A follower may accept the client before it notices the leader died and then drop it
      // (as a ZooKeeper follower does), so SUSPENDED/RECONNECTED may repeat; LOST must not
      // appear.
      List<String> after;
      synchronized (client.states) {
        after = new ArrayList<>(client.states.subList(statesBefore, client.states.size()));
      }
      check(role + "/states after the kill",
          l(after.isEmpty() ? null : after.get(0), after.isEmpty() ? null : after.get(after.size() - 1),
              after.contains("LOST")),
          l("SUSPENDED", "RECONNECTED", false));
    } finally {
      client.close();
    }
    ask("restart", "");
  }

  static void failover() {
    for (String role : new String[] {"leader", "follower"}) {
      try {
        failoverRound(role);
      } catch (Throwable t) {
        error(role + "/completed", t);
      }
    }
  }

  // ---------------------------------------------------------------- fencing

  static final int WRITES_PER_TENURE = 3;
  static final long HOLD_MS = 50;

  /** Acquires the resource within a bound; true when held. */
  interface Acquire { boolean run() throws Exception; }

  /** Still held, as far as the recipe knows. */
  interface Held { boolean run() throws Exception; }

  interface Release { void run() throws Exception; }

  static double now() { return System.nanoTime() / 1e9; }

  /**
   * One tenure: read the token node's version, then write it WRITES_PER_TENURE times, each
   * write conditional on the version the previous one produced, while the recipe says the
   * resource is held. Prints the tenure for the test.
   */
  static void tenure(String resource, String holder, Client client, String tokenPath,
      Held held, Release release) throws Exception {
    double start = now();
    long session = client.session();
    int lostBefore = client.count("LOST");
    List<String> writes = new ArrayList<>();
    String outcome = "released";
    try {
      ZooKeeper zk = client.zk();
      Stat stat = new Stat();
      zk.getData(tokenPath, false, stat);
      int version = stat.getVersion();
      for (int k = 0; k < WRITES_PER_TENURE; k++) {
        if (!held.run()) {
          outcome = "lost: no longer held";
          break;
        }
        try {
          Stat s = zk.setData(tokenPath, b(holder + ":" + k), version);
          writes.add("{\"expected\":" + version + ",\"token\":" + s.getVersion() + "}");
          version = s.getVersion();
        } catch (KeeperException.BadVersionException e) {
          writes.add("{\"expected\":" + version + ",\"result\":\"badversion\"}");
          outcome = "rejected";
          break;
        }
        Thread.sleep(HOLD_MS);
      }
    } catch (Exception e) {
      outcome = "lost: " + e.getClass().getSimpleName();
    }
    double end = now();
    try {
      release.run();
    } catch (Exception e) {
      if (outcome.equals("released")) outcome = "release failed: " + e.getClass().getSimpleName();
    }
    if (outcome.equals("released") && (client.session() != session || client.count("LOST") != lostBefore)) {
      outcome = "lost: session changed";
    }
    line("{\"tenure\":{\"resource\":" + json(resource) + ",\"holder\":" + json(holder)
        + ",\"session\":" + session + ",\"start\":" + start + ",\"end\":" + end + ",\"writes\":["
        + String.join(",", writes) + "],\"outcome\":" + json(outcome) + "}}");
  }

  static void mutexContender(String name, AtomicBoolean stop) {
    try {
      Client client = new Client(hostsArg, false);
      try {
        while (!stop.get()) {
          InterProcessMutex mutex = new InterProcessMutex(client.c, "/fence/curator-mutex");
          boolean acquired;
          try {
            acquired = mutex.acquire(2, TimeUnit.SECONDS);
          } catch (Exception e) {
            line("{\"event\":\"acquire failed\",\"holder\":" + json(name) + ",\"error\":" + json(e.toString()) + "}");
            Thread.sleep(200);
            continue;
          }
          if (!acquired) continue;
          tenure("curator-mutex", name, client, "/fence/curator-mutex-token",
              () -> mutex.isOwnedByCurrentThread(), mutex::release);
        }
      } finally {
        client.close();
      }
    } catch (Throwable t) {
      error("fencing/" + name, t);
    }
  }

  static void latchContender(String name, AtomicBoolean stop) {
    try {
      Client client = new Client(hostsArg, false);
      try {
        while (!stop.get()) {
          LeaderLatch latch = new LeaderLatch(client.c, "/fence/curator-latch", name);
          latch.start();
          boolean leading;
          try {
            leading = latch.await(2, TimeUnit.SECONDS);
          } catch (Exception e) {
            leading = false;
          }
          if (!leading) {
            latch.close();
            continue;
          }
          tenure("curator-latch", name, client, "/fence/curator-latch-token",
              latch::hasLeadership, latch::close);
        }
      } finally {
        client.close();
      }
    } catch (Throwable t) {
      error("fencing/" + name, t);
    }
  }

  static void fencing() throws Exception {
    Client setup = new Client(hostsArg, false);
    for (String p : new String[] {"/fence/curator-mutex-token", "/fence/curator-latch-token"}) {
      if (setup.c.checkExists().forPath(p) == null) setup.c.create().creatingParentsIfNeeded().forPath(p);
    }
    AtomicBoolean stop = new AtomicBoolean(false);
    List<Thread> threads = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      String mutexName = "mutex-" + i;
      String latchName = "latch-" + i;
      threads.add(new Thread(() -> mutexContender(mutexName, stop)));
      threads.add(new Thread(() -> latchContender(latchName, stop)));
    }
    for (Thread t : threads) t.start();
    // The contenders run until the test's nemesis is done.
    ask("nemesis", "");
    stop.set(true);
    List<Boolean> alive = new ArrayList<>();
    for (Thread t : threads) {
      t.join(TimeUnit.SECONDS.toMillis(WAIT_S));
      alive.add(t.isAlive());
    }
    check("fencing/contenders finished", alive, Collections.nCopies(threads.size(), false));
    line("{\"final\":{\"curator-mutex\":" + setup.c.checkExists().forPath("/fence/curator-mutex-token").getVersion()
        + ",\"curator-latch\":" + setup.c.checkExists().forPath("/fence/curator-latch-token").getVersion() + "}}");
    setup.close();
  }

  // ---------------------------------------------------------------- readonly

  /** Polls every 50 ms, for up to twice WAIT_S, until the client is in `state`. */
  static boolean awaitState(ZooKeeper zk, ZooKeeper.States state) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(2 * WAIT_S);
    while (zk.getState() != state) {
      if (System.nanoTime() > deadline) return false;
      Thread.sleep(50);
    }
    return true;
  }

  static String writeOutcome(ZooKeeper zk, String name) {
    try {
      switch (name) {
        case "create":
          zk.create("/ro/new", b("x"), ZooDefs.Ids.OPEN_ACL_UNSAFE, CreateMode.PERSISTENT);
          break;
        case "setData":
          zk.setData("/ro/before", b("y"), -1);
          break;
        case "delete":
          zk.delete("/ro/before", -1);
          break;
        default:
          zk.multi(Collections.singletonList(
              Op.create("/ro/multi", b(""), ZooDefs.Ids.OPEN_ACL_UNSAFE, CreateMode.PERSISTENT)));
      }
      return "no error";
    } catch (KeeperException e) {
      return e.code().toString();
    } catch (Exception e) {
      return e.getClass().getSimpleName();
    }
  }

  static void readOnly(boolean during) throws Exception {
    List<String> events = Collections.synchronizedList(new ArrayList<>());
    ZooKeeper zk = new ZooKeeper(hostsArg, SESSION_MS, e -> events.add(e.getState().toString()), true);
    try {
      check("readonly/connected read-only", awaitState(zk, ZooKeeper.States.CONNECTEDREADONLY), true);
      check("readonly/event", events.contains("ConnectedReadOnly"), true);
      check("readonly/read before the cut", new String(zk.getData("/ro/before", false, null), StandardCharsets.UTF_8), "before");
      if (during) check("readonly/majority write not seen", zk.exists("/ro/during", false), null);
      List<Object> outcomes = new ArrayList<>();
      for (String name : new String[] {"create", "setData", "delete", "multi"}) {
        outcomes.add(name + "=" + writeOutcome(zk, name));
      }
      check("readonly/writes refused", outcomes,
          l("create=NOTREADONLY", "setData=NOTREADONLY", "delete=NOTREADONLY", "multi=NOTREADONLY"));
      long roSession = zk.getSessionId();
      ask("heal", "");
      check("readonly/read-write again", awaitState(zk, ZooKeeper.States.CONNECTED), true);
      check("readonly/event after heal", events.contains("SyncConnected"), true);
      check("readonly/new session", zk.getSessionId() != roSession, true);
      // The reply to this write comes after the member applied everything before it.
      zk.create("/ro/java-after-heal", b("written"), ZooDefs.Ids.OPEN_ACL_UNSAFE, CreateMode.PERSISTENT);
      check("readonly/write after heal", new String(zk.getData("/ro/java-after-heal", false, null), StandardCharsets.UTF_8), "written");
      if (during) check("readonly/majority write seen", new String(zk.getData("/ro/during", false, null), StandardCharsets.UTF_8), "during");
    } finally {
      zk.close();
    }
  }

  // ---------------------------------------------------------------- reconfig

  static List<Integer> members(byte[] config) {
    List<Integer> out = new ArrayList<>();
    for (String l : new String(config, StandardCharsets.UTF_8).split("\n")) {
      if (l.startsWith("server.")) out.add(Integer.parseInt(l.substring(7, l.indexOf('='))));
    }
    return out;
  }

  static void reconfig() throws Exception {
    Client admin = new Client(hostsArg, false);
    admin.zk().addAuthInfo("digest", b("super:test"));
    admin.c.create().creatingParentsIfNeeded().forPath("/curator-reconfig/x");
    Stat stat = new Stat();
    byte[] initial = admin.c.getConfig().storingStatIn(stat).forEnsemble();
    check("reconfig/initial members", members(initial), l(1, 2, 3));
    List<Client> writers = new ArrayList<>();
    List<Long> sessions = new ArrayList<>();
    List<List<String>> acked = new ArrayList<>();
    AtomicBoolean stop = new AtomicBoolean(false);
    List<Thread> threads = new ArrayList<>();
    for (int i = 0; i < 2; i++) {
      Client w = new Client(hostsArg, false);
      writers.add(w);
      sessions.add(w.session());
      List<String> mine = Collections.synchronizedList(new ArrayList<>());
      acked.add(mine);
      final int index = i;
      Thread t = new Thread(() -> {
        for (int n = 0; !stop.get() && n < 100000; n++) {
          String path = "/curator-reconfig/w" + index + "-" + n;
          try {
            // The raw handle: a create Curator retried after a lost reply could fail as a
            // NodeExists of its own making.
            w.zk().create(path, b("x"), org.apache.zookeeper.ZooDefs.Ids.OPEN_ACL_UNSAFE,
                CreateMode.PERSISTENT);
            mine.add(path);
          } catch (Exception e) {
            try {
              Thread.sleep(20);
            } catch (InterruptedException ie) {
              return;
            }
          }
        }
      });
      threads.add(t);
      t.start();
    }
    try {
      long stale = -1;
      int[][] joins = {{4, 1, 2, 3}, {5, 1, 2, 3, 4}};
      for (int[] join : joins) {
        StringBuilder ms = new StringBuilder();
        for (int k = 1; k < join.length; k++) ms.append(ms.length() > 0 ? "," : "").append(join[k]);
        String line = field(ask("join", "\"id\":" + join[0] + ",\"members\":[" + ms + "]"), "line");
        Stat next = new Stat();
        byte[] config = admin.c.reconfig().joining(line).storingStatIn(next)
            .fromConfig(stat.getMzxid()).forEnsemble();
        String text = new String(config, StandardCharsets.UTF_8);
        check("reconfig/add " + join[0], Arrays.asList(text.split("\n")).contains(line), true);
        check("reconfig/version after adding " + join[0],
            text.endsWith("\nversion=" + Long.toHexString(next.getMzxid())), true);
        stale = stat.getMzxid();
        stat = next;
      }
      String refused = "ok";
      try {
        admin.c.reconfig().leaving("9").fromConfig(stale).forEnsemble();
      } catch (KeeperException e) {
        refused = e.code().name();
      }
      check("reconfig/stale fromConfig refused", refused, "BADVERSION");
      String leaderAnswer = ask("leader", "");
      Matcher m = Pattern.compile("\"id\":(\\d+)").matcher(leaderAnswer);
      int leader = m.find() ? Integer.parseInt(m.group(1)) : -1;
      int other = leader == 1 ? 2 : 1;
      byte[] after = admin.c.reconfig().leaving(other + "," + leader).forEnsemble();
      List<Object> kept = new ArrayList<>();
      for (int id = 1; id <= 5; id++) if (id != leader && id != other) kept.add(id);
      check("reconfig/remove the leader and another", members(after), kept);
      ask("settled", "\"members\":" + json(kept));
      int before = acked.get(0).size();
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(WAIT_S);
      while (acked.get(0).size() < before + 5 && System.nanoTime() < deadline) Thread.sleep(20);
      check("reconfig/load continues after the removals", acked.get(0).size() >= before + 5, true);
    } finally {
      stop.set(true);
      for (Thread t : threads) t.join(TimeUnit.SECONDS.toMillis(WAIT_S));
    }
    List<Long> now = new ArrayList<>();
    for (Client w : writers) now.add(w.session());
    check("reconfig/same sessions", now, sessions);
    List<Integer> lost = new ArrayList<>();
    for (Client w : writers) lost.add(w.count("LOST"));
    check("reconfig/no session lost", lost, l(0, 0));
    for (Client w : writers) w.close();
    // Read after a sync, so that the member answering has every acknowledged create.
    java.util.concurrent.CountDownLatch synced = new java.util.concurrent.CountDownLatch(1);
    admin.zk().sync("/curator-reconfig", (rc, path, ctx) -> synced.countDown(), null);
    synced.await(WAIT_S, TimeUnit.SECONDS);
    java.util.Set<String> present =
        new java.util.HashSet<>(admin.c.getChildren().forPath("/curator-reconfig"));
    List<String> missing = new ArrayList<>();
    for (List<String> mine : acked) {
      synchronized (mine) {
        for (String p : mine) if (!present.contains(p.substring(p.lastIndexOf('/') + 1))) missing.add(p);
      }
    }
    check("reconfig/every acknowledged write present", missing, l());
    admin.close();
  }

  static String hostsArg;

  public static void main(String[] args) throws Exception {
    String mode = args[0];
    hostsArg = args[1];
    try {
      if (mode.equals("failover")) failover();
      else if (mode.equals("fencing")) fencing();
      else if (mode.equals("readonly")) readOnly(args.length > 2 && args[2].equals("during"));
      else if (mode.equals("reconfig")) reconfig();
      else throw new IllegalArgumentException("unknown mode " + mode);
    } catch (Throwable t) {
      error(mode + "/completed", t);
    }
    line("{\"done\":true}");
    System.exit(0);
  }
}
