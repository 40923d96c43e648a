// The ZooKeeper Java client over TLS (zookeeper.client.secure=true, ClientCnxnSocketNetty)
// against a secure client port: java -cp <jars> JavaTlsScenarios.java host:port pki_dir
// The client's key store holds a certificate the server's CA signed and its trust store
// that CA, so it is served and verifies the server's certificate and host name; with a
// trust store that lacks the server's CA it never connects.
// Output: one JSON line per check, then {"done":true} (see scenario-program.ts).
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.Watcher;
import org.apache.zookeeper.ZooDefs;
import org.apache.zookeeper.ZooKeeper;
import org.apache.zookeeper.client.ZKClientConfig;

public class JavaTlsScenarios {
  static void report(String check, boolean ok, String expected, String actual) {
    System.out.println("{\"check\":\"" + check + "\",\"ok\":" + ok + ",\"expected\":\""
        + expected + "\",\"actual\":\"" + actual.replace("\"", "'") + "\"}");
  }

  static ZKClientConfig config(String pki, String trustStore) {
    ZKClientConfig c = new ZKClientConfig();
    c.setProperty("zookeeper.client.secure", "true");
    c.setProperty("zookeeper.clientCnxnSocket", "org.apache.zookeeper.ClientCnxnSocketNetty");
    c.setProperty("zookeeper.ssl.keyStore.location", pki + "/client.p12");
    c.setProperty("zookeeper.ssl.keyStore.password", "testpass");
    c.setProperty("zookeeper.ssl.trustStore.location", pki + "/" + trustStore);
    c.setProperty("zookeeper.ssl.trustStore.password", "testpass");
    return c;
  }

  /** Waits for SyncConnected; false when the client did not connect in time. */
  static ZooKeeper connect(String hosts, ZKClientConfig c, long seconds, boolean[] connected)
      throws Exception {
    CountDownLatch latch = new CountDownLatch(1);
    ZooKeeper zk = new ZooKeeper(hosts, 10000, e -> {
      if (e.getState() == Watcher.Event.KeeperState.SyncConnected) latch.countDown();
    }, c);
    connected[0] = latch.await(seconds, TimeUnit.SECONDS);
    return zk;
  }

  public static void main(String[] args) throws Exception {
    String hosts = args[0];
    String pki = args[1];
    boolean[] connected = new boolean[1];
    try {
      ZooKeeper zk = connect(hosts, config(pki, "trust.p12"), 15, connected);
      report("trusted/connected", connected[0], "true", String.valueOf(connected[0]));
      if (connected[0]) {
        zk.create("/java-tls", "secure".getBytes(StandardCharsets.UTF_8),
            ZooDefs.Ids.OPEN_ACL_UNSAFE, CreateMode.PERSISTENT);
        String got = new String(zk.getData("/java-tls", false, null), StandardCharsets.UTF_8);
        report("trusted/get", got.equals("secure"), "secure", got);
        zk.delete("/java-tls", -1);
      }
      zk.close();
    } catch (Exception e) {
      report("trusted/error", false, "", e.toString());
    }
    try {
      // A trust store holding only another CA: the server is not trusted.
      ZooKeeper zk = connect(hosts, config(pki, "rogue-trust.p12"), 4, connected);
      report("untrusted-server/refused", !connected[0], "false", String.valueOf(connected[0]));
      zk.close();
    } catch (Exception e) {
      report("untrusted-server/error", false, "", e.toString());
    }
    System.out.println("{\"done\":true}");
    System.exit(0);
  }
}
