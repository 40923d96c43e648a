// The ZooKeeper Java client's SASL DIGEST-MD5 login from a JAAS file against a server whose
// JAAS Server section lists bob: java -cp <jars> JavaSaslScenarios.java host:port jaas_file
// The JAAS file's ClientBob section logs in as bob (SaslAuthenticated, then a node with a
// sasl:bob ACL is usable); ClientWrong has a wrong password (the AuthFailed event).
// Output: one JSON line per check, then {"done":true} (see scenario-program.ts).
import java.nio.charset.StandardCharsets;
import java.util.Collections;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.Watcher;
import org.apache.zookeeper.ZooDefs;
import org.apache.zookeeper.ZooKeeper;
import org.apache.zookeeper.client.ZKClientConfig;
import org.apache.zookeeper.data.ACL;
import org.apache.zookeeper.data.Id;

public class JavaSaslScenarios {
  static void report(String check, boolean ok, String expected, String actual) {
    System.out.println("{\"check\":\"" + check + "\",\"ok\":" + ok + ",\"expected\":\""
        + expected + "\",\"actual\":\"" + String.valueOf(actual).replace("\"", "'") + "\"}");
  }

  static ZooKeeper open(String hosts, String section, BlockingQueue<Watcher.Event.KeeperState> states)
      throws Exception {
    ZKClientConfig c = new ZKClientConfig();
    c.setProperty(ZKClientConfig.LOGIN_CONTEXT_NAME_KEY, section);
    return new ZooKeeper(hosts, 10000, e -> states.add(e.getState()), c);
  }

  /** The first of `wanted` states seen within the timeout, or null. */
  static Watcher.Event.KeeperState await(BlockingQueue<Watcher.Event.KeeperState> states,
      Watcher.Event.KeeperState... wanted) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
    for (;;) {
      long left = deadline - System.nanoTime();
      if (left <= 0) return null;
      Watcher.Event.KeeperState s = states.poll(left, TimeUnit.NANOSECONDS);
      if (s == null) return null;
      for (Watcher.Event.KeeperState w : wanted) if (s == w) return s;
    }
  }

  public static void main(String[] args) throws Exception {
    String hosts = args[0];
    System.setProperty("java.security.auth.login.config", args[1]);
    try {
      BlockingQueue<Watcher.Event.KeeperState> states = new LinkedBlockingQueue<>();
      ZooKeeper zk = open(hosts, "ClientBob", states);
      Watcher.Event.KeeperState s = await(states, Watcher.Event.KeeperState.SaslAuthenticated,
          Watcher.Event.KeeperState.AuthFailed);
      report("bob/authenticated", s == Watcher.Event.KeeperState.SaslAuthenticated,
          "SaslAuthenticated", String.valueOf(s));
      zk.create("/java-sasl", "bob".getBytes(StandardCharsets.UTF_8),
          Collections.singletonList(new ACL(ZooDefs.Perms.ALL, new Id("sasl", "bob"))),
          CreateMode.PERSISTENT);
      String got = new String(zk.getData("/java-sasl", false, null), StandardCharsets.UTF_8);
      report("bob/reads-own-node", got.equals("bob"), "bob", got);
      zk.delete("/java-sasl", -1);
      zk.close();
    } catch (Exception e) {
      report("bob/error", false, "", e.toString());
    }
    try {
      BlockingQueue<Watcher.Event.KeeperState> states = new LinkedBlockingQueue<>();
      ZooKeeper zk = open(hosts, "ClientWrong", states);
      Watcher.Event.KeeperState s = await(states, Watcher.Event.KeeperState.SaslAuthenticated,
          Watcher.Event.KeeperState.AuthFailed);
      report("wrong-password/auth-failed", s == Watcher.Event.KeeperState.AuthFailed,
          "AuthFailed", String.valueOf(s));
      zk.close();
    } catch (Exception e) {
      report("wrong-password/error", false, "", e.toString());
    }
    System.out.println("{\"done\":true}");
    System.exit(0);
  }
}
