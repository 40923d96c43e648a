#!/usr/bin/env node
// The `corral` command. Each subcommand lives in its own module and is wired here.
import { Command } from "commander";
import { registerBenchCommand } from "./bench.js";
import { registerEnsembleCommand } from "./ensemble.js";
import { registerLeaderCommand } from "./leader.js";
import { registerRecoverCommand } from "./recover.js";
import { registerServerCommand } from "./server.js";
import { registerShell } from "./shell.js";
import { registerSimCommand } from "./sim.js";

const program = new Command();
program
  .name("corral")
  .description("Corral: a ZooKeeper-compatible coordination service replicated with Raft")
  .version("0.1.0");

registerServerCommand(program);
registerEnsembleCommand(program);
registerLeaderCommand(program);
registerSimCommand(program);
registerShell(program);
registerBenchCommand(program);
registerRecoverCommand(program);

await program.parseAsync(process.argv);
