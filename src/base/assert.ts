// Internal invariants. A broken invariant is a bug in Corral, not bad input from outside:
// it stops the member loudly instead of carrying on with a state nobody can reason about.
// Bad input from clients or peers is answered with an error and never reaches an assert.

export class InvariantError extends Error {
  override readonly name = "InvariantError";
}

export function assert(condition: unknown, message: string): asserts condition {
  if (!condition) throw new InvariantError(message);
}

export function unreachable(value: never, message = "unreachable"): never {
  throw new InvariantError(`${message}: ${String(value)}`);
}
