// `corral ensemble`: a local ensemble in one command, for trying Corral out and for tests.
// Each member is its own `corral server` process with its own directory (zoo.cfg, myid, data),
// as an operator would lay out a real ensemble, so what runs here is exactly what runs on
// three machines. The ports are printed; Ctrl-C (or SIGTERM) stops every member gracefully.
// Started again on the same directory, it restarts the same ensemble on its data.
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { join, resolve } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import type { Command } from "commander";

interface EnsembleFlags {
  members: string;
  observers: string;
  dir: string;
  basePort: string;
  tickTime: string;
  logLevel: string;
}

interface MemberLayout {
  id: number;
  dir: string;
  clientPort: number;
  peerPort: number;
  electionPort: number;
  adminPort: number;
}

export function registerEnsembleCommand(program: Command): void {
  program
    .command("ensemble")
    .description("run a local ensemble: one corral server process per member, Ctrl-C stops all")
    .option("--members <n>", "voting members (1-9; 3 or 5 make sense)", "3")
    .option(
      "--observers <n>",
      "non-voting observers after the voters (members + observers <= 9)",
      "0",
    )
    .option("--dir <dir>", "where each member's directory goes", "./ensemble")
    .option(
      "--base-port <port>",
      "client ports base..base+n-1, peer base+10.., election base+20.., admin base+30..; 0: free ports",
      "2181",
    )
    .option("--tick-time <ms>", "tickTime of every member", "2000")
    .option("--log-level <level>", "debug, info, warn or error", "info")
    .action((flags: EnsembleFlags) => runEnsemble(flags));
}

function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address !== null ? address.port : 0;
      server.close(() => resolvePort(port));
    });
  });
}

/** Reads the layout an earlier run wrote, so a restart keeps every member's ports. */
function existingLayout(root: string, n: number): MemberLayout[] | null {
  const out: MemberLayout[] = [];
  for (let id = 1; id <= n; id++) {
    const cfgPath = join(root, `m${id}`, "zoo.cfg");
    if (!existsSync(cfgPath)) return null;
    const text = readFileSync(cfgPath, "utf8");
    const client = /^clientPort=(\d+)$/m.exec(text);
    const own = new RegExp(`^server\\.${id}=[^:]+:(\\d+):(\\d+)`, "m").exec(text);
    if (client === null || own === null) return null;
    const admin = /^admin\.serverPort=(\d+)$/m.exec(text);
    out.push({
      id,
      dir: join(root, `m${id}`),
      clientPort: Number(client[1]),
      peerPort: Number(own[1]),
      electionPort: Number(own[2]),
      adminPort: admin === null ? 0 : Number(admin[1]),
    });
  }
  return out;
}

async function newLayout(root: string, n: number, base: number): Promise<MemberLayout[]> {
  const out: MemberLayout[] = [];
  for (let id = 1; id <= n; id++) {
    const i = id - 1;
    out.push({
      id,
      dir: join(root, `m${id}`),
      clientPort: base === 0 ? await freePort() : base + i,
      peerPort: base === 0 ? await freePort() : base + 10 + i,
      electionPort: base === 0 ? await freePort() : base + 20 + i,
      adminPort: base === 0 ? await freePort() : base + 30 + i,
    });
  }
  return out;
}

function writeMember(
  m: MemberLayout,
  all: MemberLayout[],
  voters: number,
  tickTimeMs: number,
): string {
  mkdirSync(m.dir, { recursive: true });
  const lines = [
    "# Written by `corral ensemble`; a ZooKeeper 3.5+ zoo.cfg for one member.",
    `tickTime=${tickTimeMs}`,
    "initLimit=10",
    "syncLimit=5",
    `dataDir=${m.dir}`,
    `clientPort=${m.clientPort}`,
    "clientPortAddress=127.0.0.1",
    "4lw.commands.whitelist=*",
    // Each member its own admin port: they share this machine.
    "admin.serverAddress=127.0.0.1",
    `admin.serverPort=${m.adminPort}`,
    ...all.map(
      (o) => `server.${o.id}=127.0.0.1:${o.peerPort}:${o.electionPort}${roleSuffix(o.id, voters)}`,
    ),
    // ZooKeeper's own way for an observer to say what it is; its server.N line must agree.
    ...(m.id > voters ? ["peerType=observer"] : []),
  ];
  const cfgPath = join(m.dir, "zoo.cfg");
  writeFileSync(cfgPath, `${lines.join("\n")}\n`);
  writeFileSync(join(m.dir, "myid"), `${m.id}\n`);
  return cfgPath;
}

/** Observers are the ids after the voters. */
function roleSuffix(id: number, voters: number): string {
  return id > voters ? ":observer" : "";
}

async function runEnsemble(flags: EnsembleFlags): Promise<void> {
  const voters = Number(flags.members);
  const observers = Number(flags.observers);
  const n = voters + observers;
  const base = Number(flags.basePort);
  const tickTimeMs = Number(flags.tickTime);
  if (!Number.isInteger(voters) || voters < 1 || voters > 9) {
    console.error("corral: --members must be 1..9");
    process.exitCode = 2;
    return;
  }
  if (!Number.isInteger(observers) || observers < 0 || n > 9) {
    console.error("corral: --observers must be 0 or more, with members + observers at most 9");
    process.exitCode = 2;
    return;
  }
  if (!Number.isInteger(base) || base < 0 || base + 39 > 65535) {
    console.error("corral: --base-port must be 0 or a port with room for 40 above it");
    process.exitCode = 2;
    return;
  }
  if (!Number.isInteger(tickTimeMs) || tickTimeMs < 1) {
    console.error("corral: --tick-time must be a positive number of milliseconds");
    process.exitCode = 2;
    return;
  }
  const root = resolve(flags.dir);
  const layout = existingLayout(root, n) ?? (await newLayout(root, n, base));
  const main = fileURLToPath(new URL("./main.js", import.meta.url));
  const children = new Map<number, ChildProcess>();
  let stopping = false;
  for (const m of layout) {
    const cfgPath = writeMember(m, layout, voters, tickTimeMs);
    const child = spawn(
      process.execPath,
      [main, "server", "--config", cfgPath, "--log-level", flags.logLevel],
      { stdio: ["ignore", "ignore", "pipe"] },
    );
    children.set(m.id, child);
    // Every member's log lines, prefixed with who said them.
    createInterface({ input: child.stderr! }).on("line", (line) =>
      process.stderr.write(`[m${m.id}] ${line}\n`),
    );
    child.once("exit", (code, signal) => {
      children.delete(m.id);
      if (!stopping) {
        process.stderr.write(`[m${m.id}] exited (${signal ?? code}); the others go on\n`);
      }
      if (children.size === 0) process.exit(stopping ? 0 : 1);
    });
  }
  const connect = layout.map((m) => `127.0.0.1:${m.clientPort}`).join(",");
  const observing = observers === 0 ? "" : ` and ${observers} observer${observers > 1 ? "s" : ""}`;
  process.stdout.write(`corral ensemble of ${voters}${observing} in ${root}\n`);
  for (const m of layout) {
    process.stdout.write(
      `  ${m.id > voters ? "observer" : "member"} ${m.id}: client 127.0.0.1:${m.clientPort}, peer ${m.peerPort}, election ${m.electionPort}, admin http://127.0.0.1:${m.adminPort}/\n`,
    );
  }
  process.stdout.write(`connect string: ${connect}\n`);
  const stop = (): void => {
    if (stopping) return;
    stopping = true;
    process.stderr.write("stopping every member\n");
    for (const child of children.values()) child.kill("SIGTERM");
  };
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);
}
