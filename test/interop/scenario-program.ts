// Runs a client-side scenario program (Python, Java, shell, Node) as a child process and
// turns its structured output into node:test subtests, so a failure names the exact scenario.
//
// Output protocol of every scenario program, one JSON object per stdout line:
//   {"check": "<scenario>/<what>", "ok": true|false, "expected": ..., "actual": ..., "error": "..."}
//   {"done": true}   printed once, last, when every scenario ran to its end
//   {"await": "<what>", ...}   (only with `onAwait`) the program asks the test to act (kill a
//                    member, say...) and reads one JSON line on stdin when the test is done
// Any other stdout line (client library logging) is ignored. A scenario that throws reports
// one failed check carrying the exception, then the program goes on with the next scenario.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import type { TestContext } from "node:test";

export interface Check {
  check: string;
  ok: boolean;
  expected?: unknown;
  actual?: unknown;
  error?: string;
}

export interface ProgramResult {
  checks: Check[];
  done: boolean;
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  timedOut: boolean;
  stderr: string;
  /** The whole standard output, for programs whose output is not JSON lines. */
  stdout: string;
  /** Non-protocol stdout lines, kept for diagnosis. */
  otherOutput: string;
}

export interface ProgramOptions {
  stdin?: string;
  timeoutMs: number;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /**
   * Makes the run a conversation: each `{"await": ...}` line the program prints is passed
   * here, and what this resolves to goes back as one JSON line on the program's stdin.
   * Requests are answered one at a time, in order. Stdin stays open until the program exits.
   */
  onAwait?: (request: Record<string, unknown>) => Promise<unknown>;
}

const keptOutputChars = 20000;

export function runProgram(
  command: string,
  args: readonly string[],
  options: ProgramOptions,
): Promise<ProgramResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd: options.cwd,
      env: options.env ?? process.env,
      stdio: ["pipe", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    let timedOut = false;
    let scanned = 0;
    let answering = Promise.resolve();
    const onAwait = options.onAwait;
    child.stdout.on("data", (d: Buffer) => {
      stdout += d.toString();
      if (onAwait === undefined) return;
      // Answer every complete await line, in order, each after the previous answer was sent.
      for (let end = stdout.indexOf("\n", scanned); end >= 0; end = stdout.indexOf("\n", scanned)) {
        const request = parseAwait(stdout.slice(scanned, end));
        scanned = end + 1;
        if (request === undefined) continue;
        answering = answering.then(async () => {
          let answer: unknown;
          try {
            answer = await onAwait(request);
          } catch (e) {
            answer = { error: String(e) };
          }
          if (child.exitCode === null && child.signalCode === null && child.stdin.writable) {
            child.stdin.write(`${JSON.stringify(answer ?? {})}\n`);
          }
        });
      }
    });
    child.stderr.on("data", (d: Buffer) => {
      // Keep the tail: the last lines say why a program died.
      stderr = (stderr + d.toString()).slice(-keptOutputChars);
    });
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill("SIGKILL");
    }, options.timeoutMs);
    child.once("error", (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.once("close", (exitCode, signal) => {
      clearTimeout(timer);
      const checks: Check[] = [];
      let done = false;
      const other: string[] = [];
      for (const line of stdout.split("\n")) {
        const parsed = parseLine(line);
        if (parsed === undefined) {
          if (line.trim() !== "") other.push(line);
        } else if ("done" in parsed) {
          done = true;
        } else {
          checks.push(parsed);
        }
      }
      resolve({
        checks,
        done,
        exitCode,
        signal,
        timedOut,
        stderr,
        stdout,
        otherOutput: other.join("\n").slice(-keptOutputChars),
      });
    });
    // A program that does not read stdin may close it early; that is not an error.
    child.stdin.on("error", () => {});
    if (onAwait === undefined) child.stdin.end(options.stdin ?? "");
    else if (options.stdin !== undefined) child.stdin.write(options.stdin);
  });
}

function parseAwait(line: string): Record<string, unknown> | undefined {
  const trimmed = line.trim();
  if (!trimmed.startsWith('{"await"')) return undefined;
  try {
    const value: unknown = JSON.parse(trimmed);
    return typeof value === "object" && value !== null
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

function parseLine(line: string): Check | { done: true } | undefined {
  const trimmed = line.trim();
  if (!trimmed.startsWith("{")) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(trimmed);
  } catch {
    return undefined;
  }
  if (typeof value !== "object" || value === null) return undefined;
  const record = value as Record<string, unknown>;
  if (record.done === true) return { done: true };
  if (typeof record.check === "string" && typeof record.ok === "boolean")
    return record as unknown as Check;
  return undefined;
}

/**
 * Reports every check as a subtest of `t`, then a final subtest asserting the program ran to
 * its end. `expectedChecks` lists scenario names (prefixes before the first "/") that must
 * each have reported at least one check, so a scenario that silently vanished fails too.
 */
export async function reportChecks(
  t: TestContext,
  result: ProgramResult,
  expectedScenarios: readonly string[] = [],
): Promise<void> {
  const seen = new Set<string>();
  for (const c of result.checks) {
    const name = seen.has(c.check) ? `${c.check} (#${result.checks.indexOf(c)})` : c.check;
    seen.add(c.check);
    await t.test(name, () => {
      if (c.error !== undefined) assert.fail(`${c.check} threw: ${c.error}`);
      if (c.ok) return;
      // The program decided (some checks compare as sets); show its values as a diff.
      if ("expected" in c || "actual" in c) assert.deepStrictEqual(c.actual, c.expected, c.check);
      assert.fail(
        `${c.check} failed: expected ${JSON.stringify(c.expected)}, got ${JSON.stringify(c.actual)}`,
      );
    });
  }
  await t.test("every scenario reported and the program finished", () => {
    const scenarios = new Set(result.checks.map((c) => c.check.split("/")[0]));
    const missing = expectedScenarios.filter((s) => !scenarios.has(s));
    const diagnosis = `exit ${result.exitCode} signal ${result.signal}${result.timedOut ? " (timed out)" : ""}\nstderr:\n${result.stderr}\nother output:\n${result.otherOutput}`;
    assert.deepStrictEqual(missing, [], `scenarios without any check; ${diagnosis}`);
    assert.ok(result.checks.length > 0, `no checks reported; ${diagnosis}`);
    assert.ok(result.done && result.exitCode === 0 && !result.timedOut, diagnosis);
  });
}
