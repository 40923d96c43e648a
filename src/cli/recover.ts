// `corral recover`: makes a stopped survivor of an ensemble that lost its quorum for good the
// seed of a new ensemble (docs/ensemble.md, "Recovering from the loss of a quorum";
// server/quorum-recovery.ts does the rewrite). It works offline on the member's data, reads
// dataDir, dataLogDir and the new membership from the zoo.cfg the seed will run with, and
// changes nothing unless --force is given: without it, it prints what it would do and what
// may be lost. --inspect only prints how far each data directory's log goes, so the operator
// can pick the most advanced survivor.
import { randomBytes } from "node:crypto";
import { existsSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Command } from "commander";
import { NodeDisk } from "../io/node-disk.js";
import { livePidFileOwner } from "../io/pid-file.js";
import { aclSchemesOf } from "../server/auth-config.js";
import { ConfigError, parseZooCfg, type ServerConfig } from "../server/config.js";
import {
  type EnsembleIdentity,
  ensembleIdentity,
  isEnsemble,
  parseIdentityFile,
  parseMyId,
} from "../server/ensemble-config.js";
import {
  committedElsewhere,
  inspectMemberData,
  type LogSummary,
  type MemberDataDirs,
  type MemberLog,
  pickSeed,
  rewriteAsSeed,
  type SeedRewrite,
} from "../server/quorum-recovery.js";

interface RecoverFlags {
  config: string;
  force?: boolean;
  inspect?: boolean;
  survivor?: string[];
}

export function registerRecoverCommand(program: Command): void {
  program
    .command("recover")
    .description(
      "quorum-loss recovery: make this stopped survivor the seed of a new ensemble " +
        "(prints the plan and the risk; changes nothing without --force)",
    )
    .requiredOption("--config <file>", "the zoo.cfg the seed will run with (the new ensemble)")
    .option("--force", "rewrite the data: every write in this member's log becomes committed")
    .option("--inspect", "only print how far each data directory's log goes")
    .option(
      "--survivor <dataDir[,dataLogDir]>",
      "another survivor's data, to compare logs with (repeatable)",
      (value: string, all: string[] | undefined) => [...(all ?? []), value],
    )
    .action(async (flags: RecoverFlags) => {
      process.exitCode = await runRecover(flags);
    });
}

/** Thrown for every reason to refuse; the message is the whole explanation. */
class Refusal extends Error {}

interface Survivor {
  dataDir: string;
  dataLogDir: string;
  member: string;
  found: MemberLog;
}

const out = (line = ""): void => {
  process.stdout.write(`${line}\n`);
};

async function runRecover(flags: RecoverFlags): Promise<number> {
  let config: ServerConfig;
  try {
    config = parseZooCfg(readFileSync(flags.config, "utf8")).config;
  } catch (err) {
    process.stderr.write(`corral recover: ${flags.config}: ${message(err)}\n`);
    return 2;
  }
  try {
    const self = await readSurvivor(config.dataDir, config.dataLogDir);
    const others: Survivor[] = [];
    for (const spec of flags.survivor ?? []) {
      const [dataDir, dataLogDir = dataDir] = spec.split(",");
      others.push(await readSurvivor(dataDir, dataLogDir));
    }
    const all = [self, ...others];
    printSurvivors(all);
    const best = all[pickSeed(all.map((s) => s.found))];
    if (flags.inspect === true) {
      out();
      out(`Seed from: ${best.dataDir} (member ${best.member}).`);
      return 0;
    }
    if (self.found.empty) {
      throw new Refusal(`${self.dataDir} holds no snapshot and no log: nothing to seed`);
    }
    if (best !== self && !sameLog(best.found, self.found)) {
      const why = committedElsewhere(self.found, best.found);
      throw new Refusal(
        `${best.dataDir} (member ${best.member}) is the better seed: ` +
          `${why ?? "its log is more advanced"}. Recover from it instead of ${self.dataDir}, ` +
          "or writes only it holds are lost",
      );
    }
    const plan = planFor(config, self);
    printPlan(plan, self);
    if (flags.force !== true) {
      out();
      out("Nothing was changed. Run again with --force to do this.");
      return 1;
    }
    const done = await rewrite(config, plan);
    writeIdentity(config.dataDir, plan, done);
    printDone(plan, done);
    return 0;
  } catch (err) {
    if (err instanceof Refusal || err instanceof ConfigError) {
      process.stderr.write(`corral recover: refusing: ${err.message}\n`);
      return 1;
    }
    process.stderr.write(`corral recover: ${message(err)}\n`);
    return 1;
  }
}

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** Checks that `dataDir` is a stopped ensemble member's and reads how far its log goes. */
async function readSurvivor(dataDir: string, dataLogDir: string): Promise<Survivor> {
  const myIdPath = join(dataDir, "myid");
  const identityPath = join(dataDir, "corral-ensemble");
  if (!existsSync(dataDir)) throw new Refusal(`${dataDir} does not exist`);
  if (!existsSync(myIdPath) || !existsSync(identityPath)) {
    throw new Refusal(
      `${dataDir} is not a Corral ensemble member's data directory (it needs myid and corral-ensemble)`,
    );
  }
  const member = String(parseMyId(readFileSync(myIdPath, "utf8")));
  const owner = livePidFileOwner(dataDir);
  if (owner !== null) {
    throw new Refusal(
      `${dataDir} is in use by a running member (process ${owner}): stop it first; recovery works only on a stopped member's data`,
    );
  }
  const dirs: MemberDataDirs = {
    disk: new NodeDisk(),
    dataDir,
    dataLogDir,
    logger: {
      info: () => {},
      warn: (m) => process.stderr.write(`corral recover: ${dataDir}: ${m}\n`),
      error: (m) => process.stderr.write(`corral recover: ${dataDir}: ${m}\n`),
    },
  };
  return new Promise((resolve, reject) => {
    inspectMemberData(dirs, (error, found) => {
      if (error !== null || found === null) {
        reject(new Refusal(`${dataDir}: cannot read its data: ${error?.message ?? "unknown"}`));
        return;
      }
      resolve({ dataDir, dataLogDir, member, found });
    });
  });
}

function sameLog(a: LogSummary, b: LogSummary): boolean {
  return a.lastIndex === b.lastIndex && a.lastTerm === b.lastTerm;
}

function printSurvivors(all: readonly Survivor[]): void {
  out("data directory: member, last log index (zxid) and term, known committed, snapshot");
  for (const s of all) {
    const x = s.found;
    out(
      `  ${s.dataDir}: member ${s.member}, last ${x.lastIndex} (0x${x.lastIndex.toString(16)}) ` +
        `term ${x.lastTerm}, committed ${x.commitIndex}, snapshot ${x.snapshotIndex}` +
        (x.empty ? " (holds nothing)" : ""),
    );
  }
}

interface Plan {
  identity: EnsembleIdentity;
  oldEnsembleId: string;
}

/** Checks the new zoo.cfg and this data against each other; says what to fix if they do not fit. */
function planFor(config: ServerConfig, self: Survivor): Plan {
  const myId = Number(self.member);
  const oldFields = parseIdentityFile(readFileSync(join(self.dataDir, "corral-ensemble"), "utf8"));
  const oldEnsembleId = oldFields.get("ensemble") ?? "(none)";
  if (oldFields.get("member") !== self.member) {
    throw new Refusal(
      `${self.dataDir}: corral-ensemble names member ${oldFields.get("member")}, but myid is ${myId}`,
    );
  }
  if (!isEnsemble(config)) {
    throw new Refusal(
      "the zoo.cfg must describe the new ensemble with server.N lines (for a one-member ensemble, add standaloneEnabled=false)",
    );
  }
  const identity = ensembleIdentity(config, myId);
  if (oldFields.has("recoveredFrom") && oldEnsembleId === identity.ensembleId) {
    throw new Refusal(
      `${self.dataDir} already seeds ensemble ${oldEnsembleId} (recovered from ${oldFields.get("recoveredFrom")} ` +
        `at index ${oldFields.get("recoveredAtIndex")}): start it with this zoo.cfg`,
    );
  }
  if (!identity.conf.voters.includes(myId)) {
    throw new Refusal(`server.${myId} must be a participant of the new ensemble, not an observer`);
  }
  const missing: string[] = [];
  if (config.ensembleId === null || config.ensembleId === oldEnsembleId) {
    missing.push(`ensembleId=${randomBytes(8).toString("hex")}`);
  }
  if (config.ensembleSeed !== myId) missing.push(`ensembleSeed=${myId}`);
  if (missing.length > 0) {
    throw new Refusal(
      "the new ensemble needs its own id (so that no member of the lost ensemble can join it) " +
        "and must name its seed (so that members with no data wait for it). Add these lines to " +
        `the zoo.cfg of every member of the new ensemble, this one included:\n\n    ${missing.join("\n    ")}\n`,
    );
  }
  return { identity, oldEnsembleId };
}

function printPlan(plan: Plan, self: Survivor): void {
  const x = self.found;
  const { identity } = plan;
  const others = [...identity.peers.keys()].filter((id) => id !== identity.self);
  const observers = identity.conf.learners;
  const lines = [
    "",
    `Plan: member ${identity.self} of ensemble ${plan.oldEnsembleId} becomes the seed of new`,
    `ensemble ${identity.ensembleId} (voters ${identity.conf.voters.join(",")}` +
      (observers.length > 0 ? `, observers ${observers.join(",")})` : ")"),
    `  - its state is rebuilt through the last entry of its log, index ${x.lastIndex} (zxid`,
    `    0x${x.lastIndex.toString(16)}, term ${x.lastTerm}), and saved as a snapshot holding the new`,
    "    membership; its log and its vote in the old ensemble are dropped;",
    "  - started with this zoo.cfg, it leads the new ensemble; the other members",
    `    (${others.join(",") || "none"}) must start with empty data directories and the same`,
    "    ensembleId and ensembleSeed lines: they receive its snapshot.",
    "",
    "DATA-LOSS RISK: this gives up Raft's guarantees for this ensemble's history.",
    "  - Every entry in this member's log becomes committed. It had recorded entries through",
    `    ${x.commitIndex} as committed (a lower bound, recorded lazily); the ${x.lastIndex - x.commitIndex} after them`,
    "    may include writes that the lost ensemble never committed and whose clients never",
    "    saw them acknowledged: those writes will reappear.",
    `  - Writes that only the lost members held (beyond index ${x.lastIndex}) are lost for good.`,
    "    Seed from the best survivor: corral recover --inspect --survivor <dataDir> ...",
    "  - Sessions of the old ensemble live on and expire unless their clients reconnect.",
    "  - Members of the old ensemble must never be started again with their old data.",
  ];
  for (const line of lines) out(line);
}

function rewrite(config: ServerConfig, plan: Plan): Promise<SeedRewrite> {
  return new Promise((resolve, reject) => {
    rewriteAsSeed(
      {
        disk: new NodeDisk(),
        dataDir: config.dataDir,
        dataLogDir: config.dataLogDir,
        logger: {
          info: () => {},
          warn: (m) => process.stderr.write(`corral recover: ${m}\n`),
          error: (m) => process.stderr.write(`corral recover: ${m}\n`),
        },
        self: plan.identity.self,
        conf: plan.identity.conf,
        stateOptions: {
          extendedTypesEnabled: config.extendedTypesEnabled,
          enforceQuota: config.enforceQuota,
          aclSchemes: aclSchemesOf(config.auth),
        },
      },
      (error, result) => (error !== null || result === null ? reject(error) : resolve(result)),
    );
  });
}

/**
 * Gives the data its new ensemble id, last: a rewrite interrupted before this point leaves
 * the old id, so the seed refuses to start with the new zoo.cfg and the command can be run
 * again. The old id and the index stay in the file for whoever looks later.
 */
function writeIdentity(dataDir: string, plan: Plan, done: SeedRewrite): void {
  const path = join(dataDir, "corral-ensemble");
  const text =
    `ensemble=${plan.identity.ensembleId}\nmember=${plan.identity.self}\n` +
    `recoveredFrom=${plan.oldEnsembleId}\nrecoveredAtIndex=${done.snapshotIndex}\n`;
  writeFileSync(`${path}.tmp`, text);
  renameSync(`${path}.tmp`, path);
}

function printDone(plan: Plan, done: SeedRewrite): void {
  out();
  out(
    `Done: ${plan.identity.ensembleId} seeded at index ${done.snapshotIndex} (term ${done.snapshotTerm}): ` +
      `${done.znodes} znodes, ${done.sessions} sessions, ${done.uncertainEntries} entries kept ` +
      "that this member had not known committed.",
  );
  out("Start this member with this zoo.cfg, then the others with empty data directories.");
}
