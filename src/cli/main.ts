#!/usr/bin/env node
// The `corral` command. Each subcommand lives in its own module and is wired here; the
// subcommands that later issues provide (server, shell, bench, sim) say so until they exist.
import { Command } from "commander";
import { registerShell } from "./shell.js";
import { registerSimCommand } from "./sim.js";

const program = new Command();
program
  .name("corral")
  .description("Corral: a ZooKeeper-compatible coordination service replicated with Raft")
  .version("0.1.0");

program
  .command("server")
  .description("run a member (standalone with embedded defaults, or from a zoo.cfg)")
  .option("--config <file>", "ZooKeeper-style zoo.cfg")
  .action(() => {
    console.error("corral: server not built yet (see the standalone-server issue)");
    process.exitCode = 1;
  });

registerSimCommand(program);
registerShell(program);

await program.parseAsync(process.argv);
