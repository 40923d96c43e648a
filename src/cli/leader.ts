// `corral leader transfer`: asks a running ensemble to hand leadership over, through any
// member's admin port (POST /api/leader/transfer, src/admin/leader-route.ts). A follower or an
// observer passes the request on to the leader, so the operator need not know who leads.
// Prints where leadership went, or the member's reason, and exits 1 when it did not move.
import type { Command } from "commander";

interface TransferFlags {
  server: string;
  to?: string;
  token?: string;
  user?: string;
}

interface TransferAnswer {
  previous_leader?: number;
  leader?: number;
  forwarded?: boolean;
  took_ms?: number;
  error?: string | null;
}

export function registerLeaderCommand(program: Command): void {
  const leader = program.command("leader").description("leadership of a running ensemble");
  leader
    .command("transfer")
    .description("hand leadership to another voter (any member's admin port takes the request)")
    .requiredOption("--server <host:port>", "a member's admin port (admin.serverPort)")
    .option("--to <id>", "the voter to lead (default: the one whose log matches furthest)")
    .option("--token <token>", "admin.authToken (or CORRAL_ADMIN_TOKEN)")
    .option("--user <user:password>", "an administrator of admin.authDigest")
    .action((flags: TransferFlags) => transfer(flags));
}

async function transfer(flags: TransferFlags): Promise<void> {
  const url = new URL(`http://${flags.server}/api/leader/transfer`);
  if (flags.to !== undefined) url.searchParams.set("to", flags.to);
  const headers: Record<string, string> = {};
  const token = flags.token ?? process.env.CORRAL_ADMIN_TOKEN;
  if (flags.user !== undefined) {
    headers.authorization = `Basic ${Buffer.from(flags.user).toString("base64")}`;
  } else if (token !== undefined) {
    headers.authorization = `Bearer ${token}`;
  }
  let status: number;
  let answer: TransferAnswer;
  try {
    const response = await fetch(url, { method: "POST", headers });
    status = response.status;
    answer = (await response.json()) as TransferAnswer;
  } catch (err) {
    console.error(
      `corral: cannot ask ${flags.server}: ${err instanceof Error ? err.message : err}`,
    );
    process.exitCode = 1;
    return;
  }
  if (status !== 200 || (answer.error ?? null) !== null) {
    console.error(
      `corral: leadership not transferred (${status}): ${answer.error ?? "no reason given"}`,
    );
    process.exitCode = 1;
    return;
  }
  const via = answer.forwarded === true ? " (passed on to the leader)" : "";
  console.log(
    `leadership moved from server ${answer.previous_leader} to server ${answer.leader} in ${answer.took_ms} ms${via}`,
  );
}
