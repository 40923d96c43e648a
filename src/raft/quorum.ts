// Majority arithmetic over a set of voters, kept apart from everything else so that it can
// be checked by golden tests: the highest index a majority has stored, and whether an
// election is won, lost, or still open.
import type { NodeId } from "./types.js";

export function majority(voterCount: number): number {
  return Math.floor(voterCount / 2) + 1;
}

/**
 * The highest index that a majority of `voters` has reached, given each voter's match.
 * With no voters nothing can be committed, so the answer is 0.
 */
export function quorumIndex(voters: readonly NodeId[], matchOf: (id: NodeId) => number): number {
  const n = voters.length;
  if (n === 0) return 0;
  const matches = new Array<number>(n);
  for (let i = 0; i < n; i++) matches[i] = matchOf(voters[i]);
  matches.sort((a, b) => b - a);
  return matches[majority(n) - 1];
}

export const VoteResult = { pending: 0, won: 1, lost: 2 } as const;
export type VoteResult = (typeof VoteResult)[keyof typeof VoteResult];

/** Tallies the answers received so far; answers from non-voters do not count. */
export function voteResult(
  voters: readonly NodeId[],
  votes: ReadonlyMap<NodeId, boolean>,
): VoteResult {
  const n = voters.length;
  if (n === 0) return VoteResult.lost;
  let granted = 0;
  let missing = 0;
  for (const id of voters) {
    const v = votes.get(id);
    if (v === undefined) missing++;
    else if (v) granted++;
  }
  const need = majority(n);
  if (granted >= need) return VoteResult.won;
  if (granted + missing >= need) return VoteResult.pending;
  return VoteResult.lost;
}

/** Whether the members for which `active` holds form a majority of `voters`. */
export function hasQuorum(voters: readonly NodeId[], active: (id: NodeId) => boolean): boolean {
  let count = 0;
  for (const id of voters) if (active(id)) count++;
  return count >= majority(voters.length);
}
