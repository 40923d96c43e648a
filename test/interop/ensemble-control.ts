// What an ensemble interop test does when its client program asks (scenario-program.ts's
// `{"await": ...}` lines): name the leader and the followers, find and stop the member that
// serves a given session, bring stopped members back. The client programs decide *when*
// (after their session, watches and ephemerals exist); the test decides *how*, with real
// signals to real member processes.
import type { TestContext } from "node:test";
import { ZooKeeperClient } from "../../src/client/client.js";
import type { CorralEnsemble } from "../support/corral-ensemble.js";
import { fourLetterWord } from "../support/four-letter.js";
import { type ProgramResult, reportChecks } from "./scenario-program.js";

/**
 * Runs one client program against `ensemble` (`run` gets the log its answers write to),
 * stops the ensemble whatever happens, then reports the program's checks of `sections`: the
 * shape every kazoo and Java ensemble scenario shares.
 */
export async function runEnsembleScenario(
  t: TestContext,
  ensemble: CorralEnsemble,
  run: (log: (line: string) => void) => Promise<ProgramResult>,
  sections: readonly string[],
): Promise<void> {
  const actions: string[] = [];
  let result: ProgramResult;
  try {
    result = await run((line) => actions.push(line));
  } finally {
    await ensemble.stop();
  }
  t.diagnostic(actions.join("; "));
  await reportChecks(t, result, [...sections]);
}

export interface Roles {
  leader: string;
  followers: string[];
}

/**
 * Waits until member `id` accepts a session. `srvr` is not enough: a member says "Mode:
 * follower" (its Raft role) from its start, but refuses clients until it has heard from a
 * leader, so a client pinned to it would silently land elsewhere.
 */
export async function waitServing(
  ensemble: CorralEnsemble,
  id: number,
  timeoutMs = 20000,
): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    try {
      const probe = await ZooKeeperClient.connect(ensemble.address(id), {
        sessionTimeoutMs: 4000,
        timeoutMs: 1000,
      });
      await probe.close();
      return;
    } catch (e) {
      if (performance.now() > deadline) throw new Error(`member ${id} does not serve: ${e}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

/** The client address of the leader and of every running follower, each serving clients. */
export async function roles(ensemble: CorralEnsemble): Promise<Roles> {
  const leader = await ensemble.waitForLeader();
  const followers: string[] = [];
  for (const id of ensemble.members) {
    if (id !== leader && ensemble.running(id)) {
      await waitServing(ensemble, id);
      followers.push(ensemble.address(id));
    }
  }
  await waitServing(ensemble, leader);
  return { leader: ensemble.address(leader), followers };
}

/**
 * The member whose `cons` lists a connection of session `sessionHex` (as "0x..." in lower
 * case), or null when no running member serves it. A client that just connected is listed
 * at once: the server registers the connection before it answers the handshake.
 */
export async function memberServing(
  ensemble: CorralEnsemble,
  sessionHex: string,
): Promise<number | null> {
  const needle = `sid=${sessionHex.toLowerCase()},`;
  for (const id of ensemble.members) {
    if (!ensemble.running(id)) continue;
    const cons = await fourLetterWord(ensemble.port(id), "cons").catch(() => "");
    if (cons.includes(needle)) return id;
  }
  return null;
}

/** Restarts every stopped member and waits until each of them serves clients again. */
export async function restartStopped(ensemble: CorralEnsemble): Promise<number[]> {
  const restarted: number[] = [];
  for (const id of ensemble.members) {
    if (!ensemble.running(id)) {
      await ensemble.restart(id);
      restarted.push(id);
    }
  }
  await ensemble.waitForLeader();
  for (const id of restarted) await waitServing(ensemble, id);
  return restarted;
}

/** The connect string of every running member except `id`. */
export function survivorsOf(ensemble: CorralEnsemble, id: number): string {
  return ensemble.members
    .filter((m) => m !== id && ensemble.running(m))
    .map((m) => ensemble.address(m))
    .join(",");
}

/**
 * Answers the requests every failover program makes:
 *   {"await": "roles"}                         -> {"leader": addr, "followers": [addr...]}
 *   {"await": "kill", "session": "0x.."}       -> {"killed": addr, "survivors": "h:p,h:p"}
 *       (SIGKILL of the member serving that session; {"killed": null} when none does)
 *   {"await": "restart"}                       -> {"restarted": [addr...]}
 * `log` receives one line per action, for the test's diagnosis.
 */
export function failoverAnswers(
  ensemble: CorralEnsemble,
  log: (line: string) => void,
): (request: Record<string, unknown>) => Promise<unknown> {
  return async (request) => {
    switch (request.await) {
      case "roles":
        return roles(ensemble);
      case "kill": {
        const session = String(request.session);
        const id = await memberServing(ensemble, session);
        if (id === null) {
          log(`kill: no member serves session ${session}`);
          return { killed: null, survivors: ensemble.connectString };
        }
        const mode = await ensemble.mode(id);
        await ensemble.kill(id);
        log(`kill: SIGKILL member ${id} (${mode}) serving session ${session}`);
        return { killed: ensemble.address(id), survivors: survivorsOf(ensemble, id) };
      }
      case "restart": {
        const ids = await restartStopped(ensemble);
        log(`restart: members ${ids.join(",")} back`);
        return { restarted: ids.map((id) => ensemble.address(id)) };
      }
      default:
        throw new Error(`unknown request ${JSON.stringify(request)}`);
    }
  };
}
