// Runs a single-file Java scenario program (java -cp <jars> Program.java host:port) with the
// Debian jars the interop packages install. No build step: the JVM compiles the source at
// start, and each program batches all its scenarios into that one start because JVM start
// is slow on a small machine.
import { existsSync } from "node:fs";
import { join } from "node:path";
import { scenarioFile } from "./scenario-files.js";
import { type ProgramOptions, type ProgramResult, runProgram } from "./scenario-program.js";

const javaDir = "/usr/share/java";
const java = "/usr/bin/java";

/** The ZooKeeper client and what it needs at run time, logging silenced. */
export const zookeeperClientJars = [
  "zookeeper.jar",
  "zookeeper-jute.jar",
  "slf4j-api.jar",
  "slf4j-nop.jar",
];

/** Apache Curator 5 as Debian packages it: the ZooKeeper client and Guava besides. */
export const curatorJars = [
  ...zookeeperClientJars,
  "curator-client.jar",
  "curator-framework.jar",
  "curator-recipes.jar",
  "guava.jar",
];

/** Why the program cannot run here (java or a jar missing), or undefined. */
export function javaUnavailableReason(jars: readonly string[]): string | undefined {
  if (!existsSync(java)) return "java is not installed";
  const missing = jars.filter((j) => !existsSync(join(javaDir, j)));
  if (missing.length > 0) {
    return `missing ${missing.join(", ")} in ${javaDir} (run scripts/install-interop.sh)`;
  }
  return undefined;
}

export function runJavaProgram(
  sourceFile: string,
  jars: readonly string[],
  args: readonly string[],
  timeoutMs: number,
  onAwait?: ProgramOptions["onAwait"],
): Promise<ProgramResult> {
  const classpath = jars.map((j) => join(javaDir, j)).join(":");
  return runProgram(
    java,
    [
      // A short-lived client program: small heap, quick JIT, no GC threads to spare.
      "-Xmx256m",
      "-XX:+UseSerialGC",
      "-XX:TieredStopAtLevel=1",
      "-cp",
      classpath,
      scenarioFile(sourceFile),
      ...args,
    ],
    { timeoutMs, onAwait },
  );
}
