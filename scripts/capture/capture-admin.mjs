// Records the answers of ZooKeeper's AdminServer as the fixture that
// test/admin/commands.test.ts compares Corral's /commands answers against.
//
//   npx tsc -p . && node scripts/capture/capture-admin.mjs [output.json]
//
// It starts the Debian ZooKeeper 3.8.0 server with its Jetty AdminServer on free loopback
// ports (test/support/real-zookeeper.ts), builds the scenario of test/admin/admin-scenario.ts
// (a session, an ephemeral node, three kinds of watch) with Corral's client, fetches every
// command and every alias, checks that each alias answers as its command, and writes
// test/admin/fixtures/zookeeper-3.8.0-admin.json (or the given path). The values are kept as
// ZooKeeper gave them; the tests compare field names and JSON types, never values.
//
// Needs: java (17), /usr/share/java/zookeeper.jar and servlet-api.jar (libservlet-api-java).

import { writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const { startRealZooKeeper } = await import(join(root, "dist/test/support/real-zookeeper.js"));
const { freePort } = await import(join(root, "dist/test/support/ports.js"));
const { fetchCommands, httpGet, setUpScenario, zookeeperCommands } = await import(
  join(root, "dist/test/admin/admin-scenario.js")
);

const output = process.argv[2] ?? join(root, "test/admin/fixtures/zookeeper-3.8.0-admin.json");
const adminPort = await freePort();
const zk = await startRealZooKeeper({ adminServerPort: adminPort });
try {
  const client = await setUpScenario(zk.connectString);
  try {
    const listing = await httpGet(adminPort, "/commands");
    const listed = [...listing.body.matchAll(/<a href="\/commands\/([a-z_]+)">/g)].map((m) => m[1]);
    const expected = Object.keys(zookeeperCommands).sort();
    if (JSON.stringify(listed) !== JSON.stringify(expected)) {
      throw new Error(`ZooKeeper lists ${listed.join(",")}, not ${expected.join(",")}`);
    }
    const { answers, aliases } = await fetchCommands(adminPort);
    for (const [name, names] of Object.entries(zookeeperCommands)) {
      for (const alias of names) {
        if (aliases[alias] !== name) throw new Error(`alias ${alias} answers as ${aliases[alias]}`);
      }
    }
    const unknown = await httpGet(adminPort, "/commands/no_such_command");
    writeFileSync(
      output,
      `${JSON.stringify(
        {
          server: "Apache ZooKeeper 3.8.0 (Debian), standalone, AdminServer on Jetty",
          listing: listed,
          aliases,
          unknown: { status: unknown.status, body: JSON.parse(unknown.body) },
          answers,
        },
        null,
        2,
      )}\n`,
    );
    console.log(`wrote ${output}`);
  } finally {
    await client.close();
  }
} finally {
  await zk.stop();
}
