// Randomness comes in through this interface: the simulator derives it from one seed so a
// run replays exactly; the real member uses a cryptographic source where secrecy matters
// (session passwords).

export interface Random {
  /** A uniformly distributed integer in [0, 2^32). */
  uint32(): number;
  /** A uniformly distributed integer in [0, bound). `bound` must be in [1, 2^32]. */
  below(bound: number): number;
  /** Fills `target` with random bytes and returns it. */
  fill(target: Uint8Array): Uint8Array;
}
