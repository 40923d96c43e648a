// Scenarios for Apache Curator 5 (Debian libcurator-*-java) run as a single-file program:
// java -cp <jars> CuratorScenarios.java host:port
//
// InterProcessMutex, InterProcessReadWriteLock, LeaderLatch, LeaderSelector,
// DistributedAtomicLong, CuratorCache (persistent recursive watches), PersistentTtlNode
// (container + TTL nodes), createContainers, plus Curator transactions. Several clients
// (separate sessions) contend where a recipe is about coordination.
// Output: one JSON line per check, then {"done":true}; see scenario-program.ts.
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.framework.api.transaction.CuratorOp;
import org.apache.curator.framework.api.transaction.CuratorTransactionResult;
import org.apache.curator.framework.recipes.atomic.AtomicValue;
import org.apache.curator.framework.recipes.atomic.DistributedAtomicLong;
import org.apache.curator.framework.recipes.cache.CuratorCache;
import org.apache.curator.framework.recipes.cache.CuratorCacheListener;
import org.apache.curator.framework.recipes.leader.LeaderLatch;
import org.apache.curator.framework.recipes.leader.LeaderSelector;
import org.apache.curator.framework.recipes.leader.LeaderSelectorListenerAdapter;
import org.apache.curator.framework.recipes.locks.InterProcessMutex;
import org.apache.curator.framework.recipes.locks.InterProcessReadWriteLock;
import org.apache.curator.framework.recipes.nodes.PersistentTtlNode;
import org.apache.curator.retry.RetryNTimes;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.data.Stat;

public class CuratorScenarios {
  static final long WAIT_S = 15;
  static String hosts;
  static final List<CuratorFramework> open = new ArrayList<>();

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
    return json(v.toString());
  }

  static synchronized void check(String name, Object actual, Object expected) {
    boolean ok = json(actual).equals(json(expected));
    System.out.println("{\"check\":" + json(name) + ",\"ok\":" + ok + ",\"expected\":"
        + json(expected) + ",\"actual\":" + json(actual) + "}");
    System.out.flush();
  }

  static synchronized void error(String name, Throwable t) {
    java.io.StringWriter w = new java.io.StringWriter();
    t.printStackTrace(new java.io.PrintWriter(w));
    System.out.println("{\"check\":" + json(name) + ",\"ok\":false,\"error\":" + json(w.toString()) + "}");
    System.out.flush();
  }

  static List<Object> l(Object... xs) { return Arrays.asList(xs); }

  static byte[] b(String s) { return s.getBytes(StandardCharsets.UTF_8); }

  static CuratorFramework client() throws Exception {
    CuratorFramework c = CuratorFrameworkFactory.newClient(hosts, 10000, 10000, new RetryNTimes(10, 200));
    c.start();
    if (!c.blockUntilConnected((int) WAIT_S, TimeUnit.SECONDS)) throw new IllegalStateException("no connection");
    open.add(c);
    return c;
  }

  static void close(CuratorFramework c) {
    c.close();
    open.remove(c);
  }

  /** Runs body on a new thread and returns a queue that receives its result or exception. */
  interface Body { Object run() throws Exception; }

  static BlockingQueue<Object> async(Body body) {
    BlockingQueue<Object> out = new LinkedBlockingQueue<>();
    Thread t = new Thread(() -> {
      try {
        out.add(body.run());
      } catch (Throwable e) {
        out.add(e.toString());
      }
    });
    t.setDaemon(true);
    t.start();
    return out;
  }

  /**
   * Curator's locks belong to the thread that acquired them, so each contender runs its lock
   * calls on its own single thread; results come back through a queue.
   */
  static final class Contender {
    final ExecutorService thread = Executors.newSingleThreadExecutor(r -> {
      Thread t = new Thread(r);
      t.setDaemon(true);
      return t;
    });
    BlockingQueue<Object> submit(Body body) {
      BlockingQueue<Object> out = new LinkedBlockingQueue<>();
      thread.execute(() -> {
        try {
          out.add(body.run());
        } catch (Throwable e) {
          out.add(e.toString());
        }
      });
      return out;
    }
    Object call(Body body) throws InterruptedException {
      Object r = submit(body).poll(WAIT_S, TimeUnit.SECONDS);
      return r == null ? "timeout" : r;
    }
  }

  /** Waits, with a watch instead of polling, until path exists. */
  static boolean awaitNode(CuratorFramework c, String path) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(WAIT_S);
    while (System.nanoTime() < deadline) {
      CountDownLatch changed = new CountDownLatch(1);
      if (c.checkExists().usingWatcher((org.apache.zookeeper.Watcher) e -> changed.countDown()).forPath(path) != null) {
        return true;
      }
      changed.await(deadline - System.nanoTime(), TimeUnit.NANOSECONDS);
    }
    return false;
  }

  // ---------------------------------------------------------------- scenarios

  static void mutex(CuratorFramework a) throws Exception {
    CuratorFramework other = client();
    InterProcessMutex m1 = new InterProcessMutex(a, "/c-mutex");
    InterProcessMutex m2 = new InterProcessMutex(other, "/c-mutex");
    Contender two = new Contender();
    check("mutex/first acquires", m1.acquire(WAIT_S, TimeUnit.SECONDS), true);
    check("mutex/reentrant", m1.acquire(WAIT_S, TimeUnit.SECONDS), true);
    check("mutex/second times out", two.call(() -> m2.acquire(200, TimeUnit.MILLISECONDS)), false);
    BlockingQueue<Object> waiting = two.submit(() -> m2.acquire(WAIT_S, TimeUnit.SECONDS));
    m1.release();
    check("mutex/still held after one release", waiting.poll(300, TimeUnit.MILLISECONDS), null);
    m1.release();
    check("mutex/second acquires after full release", waiting.poll(WAIT_S, TimeUnit.SECONDS), true);
    check("mutex/ownership", l(m1.isAcquiredInThisProcess(), m2.isAcquiredInThisProcess()), l(false, true));
    check("mutex/first blocked now", m1.acquire(200, TimeUnit.MILLISECONDS), false);
    two.call(() -> { m2.release(); return null; });
    check("mutex/lock nodes cleaned", a.getChildren().forPath("/c-mutex"), l());
    // A holder whose session ends loses the lock to the waiter.
    CuratorFramework doomed = client();
    InterProcessMutex m3 = new InterProcessMutex(doomed, "/c-mutex");
    check("mutex/third acquires", m3.acquire(WAIT_S, TimeUnit.SECONDS), true);
    BlockingQueue<Object> heir = two.submit(() -> m2.acquire(WAIT_S, TimeUnit.SECONDS));
    close(doomed);
    check("mutex/lock passes when holder's session closes", heir.poll(WAIT_S, TimeUnit.SECONDS), true);
    two.call(() -> { m2.release(); return null; });
    two.thread.shutdown();
    close(other);
  }

  static void readWriteLock(CuratorFramework a) throws Exception {
    CuratorFramework other = client();
    InterProcessReadWriteLock l1 = new InterProcessReadWriteLock(a, "/c-rw");
    InterProcessReadWriteLock l2 = new InterProcessReadWriteLock(other, "/c-rw");
    Contender two = new Contender();
    check("rwlock/reader 1", l1.readLock().acquire(WAIT_S, TimeUnit.SECONDS), true);
    check("rwlock/reader 2 shares", two.call(() -> l2.readLock().acquire(WAIT_S, TimeUnit.SECONDS)), true);
    check("rwlock/writer blocked by readers",
        two.call(() -> l2.writeLock().acquire(200, TimeUnit.MILLISECONDS)), false);
    two.call(() -> { l2.readLock().release(); return null; });
    BlockingQueue<Object> writer = two.submit(() -> l2.writeLock().acquire(WAIT_S, TimeUnit.SECONDS));
    check("rwlock/writer waits for last reader", writer.poll(300, TimeUnit.MILLISECONDS), null);
    l1.readLock().release();
    check("rwlock/writer acquires", writer.poll(WAIT_S, TimeUnit.SECONDS), true);
    check("rwlock/reader blocked by writer", l1.readLock().acquire(200, TimeUnit.MILLISECONDS), false);
    check("rwlock/writer may also read", two.call(() -> l2.readLock().acquire(WAIT_S, TimeUnit.SECONDS)), true);
    two.call(() -> { l2.readLock().release(); l2.writeLock().release(); return null; });
    check("rwlock/reader after writer", l1.readLock().acquire(WAIT_S, TimeUnit.SECONDS), true);
    l1.readLock().release();
    two.thread.shutdown();
    close(other);
  }

  static void leaderLatch(CuratorFramework a) throws Exception {
    CuratorFramework other = client();
    LeaderLatch l1 = new LeaderLatch(a, "/c-latch", "one");
    LeaderLatch l2 = new LeaderLatch(other, "/c-latch", "two");
    l1.start();
    check("latch/first leads", l1.await(WAIT_S, TimeUnit.SECONDS), true);
    l2.start();
    check("latch/second does not", l2.await(300, TimeUnit.MILLISECONDS), false);
    check("latch/leader id seen by second", l2.getLeader().getId(), "one");
    check("latch/participants", l2.getParticipants().size(), 2);
    l1.close();
    check("latch/second leads after first closes", l2.await(WAIT_S, TimeUnit.SECONDS), true);
    check("latch/new leader id", l2.getLeader().getId(), "two");
    l2.close();
    // Leadership also moves when the leader's session ends without closing the latch.
    CuratorFramework doomed = client();
    LeaderLatch l3 = new LeaderLatch(doomed, "/c-latch2", "three");
    LeaderLatch l4 = new LeaderLatch(a, "/c-latch2", "four");
    l3.start();
    check("latch/third leads", l3.await(WAIT_S, TimeUnit.SECONDS), true);
    l4.start();
    close(doomed);
    check("latch/fourth leads after session close", l4.await(WAIT_S, TimeUnit.SECONDS), true);
    l4.close();
    close(other);
  }

  static void leaderSelector(CuratorFramework a) throws Exception {
    CuratorFramework other = client();
    BlockingQueue<String> leaders = new LinkedBlockingQueue<>();
    CountDownLatch release = new CountDownLatch(1);
    LeaderSelector s1 = new LeaderSelector(a, "/c-selector", new LeaderSelectorListenerAdapter() {
      @Override public void takeLeadership(CuratorFramework c) throws Exception {
        leaders.add("one");
        release.await(WAIT_S, TimeUnit.SECONDS);
      }
    });
    LeaderSelector s2 = new LeaderSelector(other, "/c-selector", new LeaderSelectorListenerAdapter() {
      @Override public void takeLeadership(CuratorFramework c) {
        leaders.add("two");
      }
    });
    s1.setId("one");
    s2.setId("two");
    s1.start();
    check("selector/first takes leadership", leaders.poll(WAIT_S, TimeUnit.SECONDS), "one");
    s2.start();
    check("selector/second waits", leaders.poll(300, TimeUnit.MILLISECONDS), null);
    check("selector/leader id", s2.getLeader().getId(), "one");
    release.countDown();
    check("selector/second takes leadership after first returns", leaders.poll(WAIT_S, TimeUnit.SECONDS), "two");
    s1.close();
    s2.close();
    close(other);
  }

  static void atomicLong(CuratorFramework a) throws Exception {
    CuratorFramework other = client();
    DistributedAtomicLong c1 = new DistributedAtomicLong(a, "/c-counter", new RetryNTimes(100, 10));
    DistributedAtomicLong c2 = new DistributedAtomicLong(other, "/c-counter", new RetryNTimes(100, 10));
    AtomicValue<Long> v = c1.increment();
    check("atomic/increment", l(v.succeeded(), v.preValue(), v.postValue()), l(true, 0L, 1L));
    v = c2.add(41L);
    check("atomic/add from other client", l(v.succeeded(), v.postValue()), l(true, 42L));
    v = c1.compareAndSet(41L, 0L);
    check("atomic/compareAndSet wrong expectation", v.succeeded(), false);
    v = c1.compareAndSet(42L, 7L);
    check("atomic/compareAndSet", l(v.succeeded(), c2.get().postValue()), l(true, 7L));
    // Concurrent increments from two sessions never lose an update. Each retries on a
    // conflict; on a loaded machine one may lose many rounds in a row, hence 100 tries.
    BlockingQueue<Object> t1 = async(() -> {
      for (int i = 0; i < 25; i++) if (!c1.increment().succeeded()) return "failed";
      return "ok";
    });
    BlockingQueue<Object> t2 = async(() -> {
      for (int i = 0; i < 25; i++) if (!c2.increment().succeeded()) return "failed";
      return "ok";
    });
    check("atomic/concurrent increments succeed",
        l(t1.poll(WAIT_S, TimeUnit.SECONDS), t2.poll(WAIT_S, TimeUnit.SECONDS)), l("ok", "ok"));
    check("atomic/no lost update", c1.get().postValue(), 57L);
    close(other);
  }

  static void cache(CuratorFramework a) throws Exception {
    CuratorFramework other = client();
    a.create().forPath("/c-cache", b("root"));
    a.create().forPath("/c-cache/pre", b("p"));
    BlockingQueue<String> events = new LinkedBlockingQueue<>();
    CountDownLatch initialized = new CountDownLatch(1);
    CuratorCache cache = CuratorCache.build(a, "/c-cache");
    cache.listenable().addListener(CuratorCacheListener.builder()
        .forCreates(d -> events.add("create " + d.getPath() + " " + new String(d.getData(), StandardCharsets.UTF_8)))
        .forChanges((o, n) -> events.add("change " + n.getPath() + " " + new String(n.getData(), StandardCharsets.UTF_8)))
        .forDeletes(d -> events.add("delete " + d.getPath()))
        .forInitialized(initialized::countDown)
        .build());
    cache.start();
    check("cache/initialized", initialized.await(WAIT_S, TimeUnit.SECONDS), true);
    List<String> initial = new ArrayList<>();
    events.drainTo(initial);
    Collections.sort(initial);
    check("cache/initial creates", initial, l("create /c-cache root", "create /c-cache/pre p"));
    other.create().forPath("/c-cache/a", b("1"));
    check("cache/child created", events.poll(WAIT_S, TimeUnit.SECONDS), "create /c-cache/a 1");
    other.create().forPath("/c-cache/a/deep", b("2"));
    check("cache/grandchild created", events.poll(WAIT_S, TimeUnit.SECONDS), "create /c-cache/a/deep 2");
    other.setData().forPath("/c-cache/a", b("3"));
    check("cache/changed", events.poll(WAIT_S, TimeUnit.SECONDS), "change /c-cache/a 3");
    other.delete().forPath("/c-cache/a/deep");
    check("cache/deleted", events.poll(WAIT_S, TimeUnit.SECONDS), "delete /c-cache/a/deep");
    check("cache/contents", l(cache.size(), new String(cache.get("/c-cache/a").get().getData(), StandardCharsets.UTF_8)),
        l(3, "3"));
    cache.close();
    close(other);
  }

  static void ttlNode(CuratorFramework a) throws Exception {
    // The recipe keeps a container alive through a TTL child it touches every ttl/2 (first
    // touch after ttl/2). 2 s keeps the test short and leaves a servers' reaper a 2x margin.
    PersistentTtlNode node = new PersistentTtlNode(a, "/c-ttl/node", 2000, b("hello"));
    node.start();
    check("ttlnode/initial create", node.waitForInitialCreate(WAIT_S, TimeUnit.SECONDS), true);
    check("ttlnode/touch child appears", awaitNode(a, "/c-ttl/node/touch"), true);
    Stat parent = a.checkExists().forPath("/c-ttl/node");
    check("ttlnode/node is a container (owner 0)", parent.getEphemeralOwner(), 0L);
    List<String> kids = a.getChildren().forPath("/c-ttl/node");
    check("ttlnode/touch child", kids, l("touch"));
    Stat touch = a.checkExists().forPath("/c-ttl/node/touch");
    check("ttlnode/touch child is no ephemeral", touch.getEphemeralOwner(), 0L);
    check("ttlnode/data", node.getData(), "hello");
    node.setData(b("bye"));
    check("ttlnode/data after setData", node.getData(), "bye");
    node.close();
    // The TTL node itself, created directly.
    a.create().withTtl(60_000).withMode(CreateMode.PERSISTENT_WITH_TTL).forPath("/c-ttl/direct", b("t"));
    check("ttlnode/direct TTL node", new String(a.getData().forPath("/c-ttl/direct"), StandardCharsets.UTF_8), "t");
  }

  static void containers(CuratorFramework a) throws Exception {
    a.createContainers("/c-containers/x/y");
    check("containers/created", a.checkExists().forPath("/c-containers/x/y") != null, true);
    check("containers/owner 0", a.checkExists().forPath("/c-containers/x").getEphemeralOwner(), 0L);
    a.createContainers("/c-containers/x/y"); // idempotent
    a.create().creatingParentContainersIfNeeded().forPath("/c-containers2/p/leaf", b("l"));
    check("containers/creatingParentContainersIfNeeded",
        new String(a.getData().forPath("/c-containers2/p/leaf"), StandardCharsets.UTF_8), "l");
    String seq = a.create().withProtection().withMode(CreateMode.EPHEMERAL_SEQUENTIAL).forPath("/c-containers2/p/prot");
    check("containers/protected ephemeral sequential name",
        seq.matches("/c-containers2/p/_c_[0-9a-f-]{36}-prot0000000001"), true);
  }

  static void transactions(CuratorFramework a) throws Exception {
    CuratorOp c1 = a.transactionOp().create().forPath("/c-txn", b("x"));
    CuratorOp c2 = a.transactionOp().create().forPath("/c-txn/a");
    CuratorOp s1 = a.transactionOp().setData().forPath("/c-txn", b("y"));
    CuratorOp ch = a.transactionOp().check().withVersion(1).forPath("/c-txn");
    List<CuratorTransactionResult> r = a.transaction().forOperations(c1, c2, s1, ch);
    List<Object> paths = new ArrayList<>();
    for (CuratorTransactionResult x : r) paths.add(x.getType() + " " + x.getForPath() + " " + x.getError());
    check("txn/results", paths, l("CREATE /c-txn 0", "CREATE /c-txn/a 0", "SET_DATA /c-txn 0", "CHECK /c-txn 0"));
    String err;
    try {
      a.transaction().forOperations(
          a.transactionOp().delete().forPath("/c-txn/a"),
          a.transactionOp().delete().forPath("/c-txn/missing"));
      err = "no exception";
    } catch (KeeperException e) {
      err = e.code().name();
    }
    check("txn/failure", err, "NONODE");
    check("txn/failure applied nothing", a.getChildren().forPath("/c-txn"), l("a"));
  }

  interface Scenario { void run(CuratorFramework c) throws Exception; }

  public static void main(String[] args) throws Exception {
    hosts = args[0];
    CuratorFramework main = client();
    Object[][] scenarios = {
        {"mutex", (Scenario) CuratorScenarios::mutex},
        {"rwlock", (Scenario) CuratorScenarios::readWriteLock},
        {"latch", (Scenario) CuratorScenarios::leaderLatch},
        {"selector", (Scenario) CuratorScenarios::leaderSelector},
        {"atomic", (Scenario) CuratorScenarios::atomicLong},
        {"cache", (Scenario) CuratorScenarios::cache},
        {"ttlnode", (Scenario) CuratorScenarios::ttlNode},
        {"containers", (Scenario) CuratorScenarios::containers},
        {"txn", (Scenario) CuratorScenarios::transactions},
    };
    for (Object[] s : scenarios) {
      try {
        ((Scenario) s[1]).run(main);
      } catch (Throwable t) {
        error(s[0] + "/completed", t);
      }
    }
    for (CuratorFramework c : new ArrayList<>(open)) c.close();
    System.out.println("{\"done\":true}");
    System.out.flush();
    System.exit(0);
  }
}
