// Drives the real Apache ZooKeeper Java client (3.8, from the Debian package) through every
// request it can send, so that scripts/capture/capture.mjs can record the bytes it exchanges
// with a real server. Run by capture.mjs as a single-file program:
//   java -cp <zookeeper jars> JavaDriver.java <host:port>
// Every call is wrapped so that expected errors (NoNode, BadVersion, ...) are captured too.
// A request on a path containing "__drop__" makes the recording proxy cut the connection, so
// the client reconnects and resends its watches (SetWatches, then SetWatches2 once it holds
// persistent watches).

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.zookeeper.AddWatchMode;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.Op;
import org.apache.zookeeper.WatchedEvent;
import org.apache.zookeeper.Watcher;
import org.apache.zookeeper.ZooDefs;
import org.apache.zookeeper.ZooKeeper;
import org.apache.zookeeper.admin.ZooKeeperAdmin;
import org.apache.zookeeper.data.ACL;
import org.apache.zookeeper.data.Id;
import org.apache.zookeeper.data.Stat;

public class JavaDriver {
  interface Step {
    Object run() throws Exception;
  }

  static void step(String name, Step s) {
    try {
      Object result = s.run();
      System.out.println("ok   " + name + " -> " + result);
    } catch (Exception e) {
      System.out.println("err  " + name + " -> " + e);
    }
  }

  static byte[] b(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  static void waitConnected(ZooKeeper zk) throws Exception {
    for (int i = 0; i < 200 && zk.getState() != ZooKeeper.States.CONNECTED; i++) Thread.sleep(25);
    if (zk.getState() != ZooKeeper.States.CONNECTED) throw new IllegalStateException("no connection");
  }

  public static void main(String[] args) throws Exception {
    String connect = args[0];
    Watcher logger = (WatchedEvent e) -> System.out.println("event " + e);
    ZooKeeper zk = new ZooKeeper(connect, 4000, logger);
    waitConnected(zk);
    List<ACL> open = ZooDefs.Ids.OPEN_ACL_UNSAFE;
    Stat stat = new Stat();

    step("create /golden", () -> zk.create("/golden", b("root"), open, CreateMode.PERSISTENT));
    step("create /golden/a", () -> zk.create("/golden/a", b("hello"), open, CreateMode.PERSISTENT));
    step("create seq", () -> zk.create("/golden/seq-", b(""), open, CreateMode.PERSISTENT_SEQUENTIAL));
    step("create2 ephemeral", () -> zk.create("/golden/e", b("eph"), open, CreateMode.EPHEMERAL, stat));
    step("create ephemeral seq", () -> zk.create("/golden/es-", null, open, CreateMode.EPHEMERAL_SEQUENTIAL));
    step("create container", () -> zk.create("/golden/c", b("box"), open, CreateMode.CONTAINER, stat));
    step("create ttl", () -> zk.create("/golden/ttl", b("t"), open, CreateMode.PERSISTENT_WITH_TTL, stat, 60000));
    step("create null data", () -> zk.create("/golden/nul", null, open, CreateMode.PERSISTENT));
    step("create unicode", () -> zk.create("/golden/ünï-코드", b("ü€"), open, CreateMode.PERSISTENT));
    step("create exists", () -> zk.create("/golden/a", b("x"), open, CreateMode.PERSISTENT));
    step("create no parent", () -> zk.create("/golden/missing/x", b("x"), open, CreateMode.PERSISTENT));
    step("create under ephemeral", () -> zk.create("/golden/e/x", b("x"), open, CreateMode.PERSISTENT));
    step("create bad world id", () -> zk.create("/golden/w", b("x"),
        Arrays.asList(new ACL(ZooDefs.Perms.ALL, new Id("world", "nobody"))), CreateMode.PERSISTENT));
    step("create auth acl unauthenticated", () ->
        zk.create("/golden/w", b("x"), ZooDefs.Ids.CREATOR_ALL_ACL, CreateMode.PERSISTENT));

    step("exists", () -> zk.exists("/golden/a", true));
    step("exists missing", () -> zk.exists("/golden/later", true));
    step("getData", () -> new String(zk.getData("/golden/a", true, stat), StandardCharsets.UTF_8));
    step("getData null", () -> Arrays.toString(zk.getData("/golden/nul", false, stat)));
    step("getData missing", () -> zk.getData("/golden/none", false, stat));
    step("getChildren", () -> zk.getChildren("/golden", true));
    step("getChildren2", () -> zk.getChildren("/golden", false, stat));
    step("setData", () -> zk.setData("/golden/a", b("world"), 0));
    step("setData bad version", () -> zk.setData("/golden/a", b("x"), 7));
    step("create fires exist watch", () -> zk.create("/golden/later", b("l"), open, CreateMode.PERSISTENT));
    step("getACL", () -> zk.getACL("/golden/a", stat));
    step("create secret", () -> zk.create("/golden/secret", b("s"), open, CreateMode.PERSISTENT));
    List<ACL> alice = Arrays.asList(new ACL(ZooDefs.Perms.ALL,
        new Id("digest", "alice:aYXlLOpEooaV1cRAvUL1fp9Qt7E=")));
    step("setACL", () -> zk.setACL("/golden/secret", alice, -1));
    step("setACL bad version", () -> zk.setACL("/golden/secret", open, 5));
    step("getData no auth", () -> zk.getData("/golden/secret", false, stat));
    step("addAuthInfo", () -> {
      zk.addAuthInfo("digest", b("alice:secret"));
      return "sent";
    });
    step("getData with auth", () -> new String(zk.getData("/golden/secret", false, stat), StandardCharsets.UTF_8));
    step("getACL with auth", () -> zk.getACL("/golden/secret", stat));
    step("create with auth acl", () ->
        zk.create("/golden/mine", b("m"), ZooDefs.Ids.CREATOR_ALL_ACL, CreateMode.PERSISTENT));
    CountDownLatch synced = new CountDownLatch(1);
    zk.sync("/golden", (rc, path, ctx) -> {
      System.out.println("ok   sync -> " + rc + " " + path);
      synced.countDown();
    }, null);
    synced.await(10, TimeUnit.SECONDS);

    step("delete not empty", () -> {
      zk.delete("/golden", -1);
      return null;
    });
    step("delete bad version", () -> {
      zk.delete("/golden/later", 3);
      return null;
    });
    step("delete", () -> {
      zk.delete("/golden/later", 0);
      return null;
    });
    step("delete missing", () -> {
      zk.delete("/golden/later", -1);
      return null;
    });

    step("multi ok", () -> zk.multi(Arrays.asList(
        Op.create("/golden/m", b("m"), open, CreateMode.PERSISTENT),
        Op.create("/golden/mc", b("c"), open, CreateMode.CONTAINER),
        Op.create("/golden/mt", b("t"), open, CreateMode.PERSISTENT_WITH_TTL, 5000),
        Op.setData("/golden/m", b("m2"), 0),
        Op.check("/golden/m", 1),
        Op.delete("/golden/m", 1))));
    step("multi fails", () -> zk.multi(Arrays.asList(
        Op.create("/golden/m", b("m"), open, CreateMode.PERSISTENT),
        Op.check("/golden/a", 99),
        Op.delete("/golden/a", -1))));
    step("multiRead", () -> zk.multi(Arrays.asList(
        Op.getData("/golden/a"),
        Op.getChildren("/golden"),
        Op.getData("/golden/none"))));

    step("getConfig", () -> new String(zk.getConfig(false, stat), StandardCharsets.UTF_8));
    step("whoAmI", () -> zk.whoAmI());
    step("getEphemerals", () -> zk.getEphemerals());
    step("getEphemerals prefix", () -> zk.getEphemerals("/golden/e"));
    step("getAllChildrenNumber", () -> zk.getAllChildrenNumber("/golden"));
    step("getAllChildrenNumber missing", () -> zk.getAllChildrenNumber("/golden/none"));

    // Watches held now: data watch on /golden/a was consumed by setData; set fresh ones.
    step("getData watch", () -> zk.getData("/golden/a", true, stat));
    step("exists watch", () -> zk.exists("/golden/gone", true));
    step("getChildren watch", () -> zk.getChildren("/golden/c", true));
    step("drop 1", () -> zk.exists("/golden/__drop__", false));
    waitConnected(zk);
    step("after reconnect", () -> zk.exists("/golden/a", false));

    Watcher own = (WatchedEvent e) -> System.out.println("own event " + e);
    step("getData own watcher", () -> zk.getData("/golden/nul", own, stat));
    step("removeWatches data", () -> {
      zk.removeWatches("/golden/nul", own, Watcher.WatcherType.Data, false);
      return null;
    });
    step("getChildren own watcher", () -> zk.getChildren("/golden/c", own));
    step("removeAllWatches", () -> {
      zk.removeAllWatches("/golden/c", Watcher.WatcherType.Any, false);
      return null;
    });
    step("removeAllWatches none", () -> {
      zk.removeAllWatches("/golden/a", Watcher.WatcherType.Children, false);
      return null;
    });

    step("addWatch persistent", () -> {
      zk.addWatch("/golden/pw", AddWatchMode.PERSISTENT);
      return null;
    });
    step("addWatch recursive", () -> {
      zk.addWatch("/golden", AddWatchMode.PERSISTENT_RECURSIVE);
      return null;
    });
    step("create under recursive watch", () -> zk.create("/golden/pw", b("p"), open, CreateMode.PERSISTENT));
    step("setData under recursive watch", () -> zk.setData("/golden/pw", b("p2"), -1));
    step("create child of pw", () -> zk.create("/golden/pw/k", b(""), open, CreateMode.PERSISTENT));
    step("delete child of pw", () -> {
      zk.delete("/golden/pw/k", -1);
      return null;
    });
    step("drop 2", () -> zk.exists("/golden/__drop__", false));
    waitConnected(zk);
    step("after reconnect 2", () -> zk.getData("/golden/a", false, stat));

    ZooKeeperAdmin admin = new ZooKeeperAdmin(connect, 4000, logger);
    waitConnected(admin);
    step("reconfig incremental", () -> admin.reconfigure("server.5=127.0.0.1:2888:3888:participant;2181", null, null, -1, stat));
    step("reconfig members", () -> admin.reconfigure(null, "3", null, 4, stat));
    admin.close();

    // Idle long enough for the client to ping (a third of the 4 s session timeout).
    Thread.sleep(2500);
    step("getData after ping", () -> zk.getData("/golden/a", false, stat));
    zk.close();
    System.out.println("done");
  }
}
