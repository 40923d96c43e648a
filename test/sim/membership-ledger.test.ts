// Proves that the ensemble simulator's reconfig checks (src/sim/membership-ledger.ts) bite on
// the histories they exist for, and stay quiet on good ones: two members showing one
// /zookeeper/config version as different memberships; a reconfig entry listing a participant
// the Raft group does not have as a voter at that zxid; an OK reply whose membership no
// member applied; a refusal at a zxid that became a config version; and the final
// comparison of /zookeeper/config with the Raft configuration.
import assert from "node:assert/strict";
import { test } from "node:test";
import type { ServerSpec } from "../../src/server/config.js";
import { configText } from "../../src/server/dynamic-config.js";
import { MembershipLedger, simServerSpec } from "../../src/sim/membership-ledger.js";

const p = (id: number) => simServerSpec(id, "participant");
const o = (id: number) => simServerSpec(id, "observer");
const initial: ServerSpec[] = [p(1), p(2), p(3)];

function ledger(): { l: MembershipLedger; failures: string[] } {
  const failures: string[] = [];
  return { l: new MembershipLedger(initial, (m) => failures.push(m)), failures };
}

test("a committed join, applied by every member and answered OK, passes", () => {
  const { l, failures } = ledger();
  const text = configText([p(1), p(2), p(3), p(4)], 40);
  const conf = { voters: [1, 2, 3, 4], learners: [] };
  for (const m of [1, 2, 3, 4]) l.applied(m, 40, text, conf);
  l.ok("op", 40, text);
  l.refusedAt("op", 41);
  assert.deepEqual(failures, []);
  assert.equal(l.textOf(0), configText(initial, 0));
  const texts = new Map([1, 2, 3, 4].map((id) => [id, text] as const));
  assert.equal(MembershipLedger.converged(conf, texts), null);
});

test("two members showing one version as different memberships are caught", () => {
  const { l, failures } = ledger();
  l.applied(1, 40, configText([p(1), p(2), p(3), p(4)], 40), null);
  l.applied(2, 40, configText([p(1), p(2), p(3), o(4)], 40), null);
  assert.match(failures[0], /m2 shows \/zookeeper\/config version 28 as .*4:o.*m1 as .*4:p/);
});

test("a reconfig entry listing a participant that does not vote yet is caught", () => {
  const { l, failures } = ledger();
  const text = configText([p(1), p(2), p(3), p(4)], 40);
  l.applied(1, 40, text, { voters: [1, 2, 3], learners: [4] });
  assert.match(
    failures[0],
    /listing m4 as participant, but at that zxid .* voters 1,2,3 learners 4/,
  );
});

test("observers may still vote at the entry (demoted after it); leavers may still be there", () => {
  const { l, failures } = ledger();
  l.applied(1, 40, configText([p(1), p(2), p(3), o(4)], 40), {
    voters: [1, 2, 3, 4, 5],
    learners: [],
  });
  // A joiner that knows no configuration at that point cannot tell.
  l.applied(6, 40, configText([p(1), p(2), p(3), o(4)], 40), { voters: [], learners: [] });
  assert.deepEqual(failures, []);
});

test("an OK reply whose membership no member applied is caught", () => {
  const { l, failures } = ledger();
  l.ok("op", 40, configText([p(1), p(2), p(3), p(4)], 40));
  assert.match(failures[0], /answered OK at zxid 40 .*no member shows that version/);
});

test("a refused reconfig whose zxid became a config version is caught, in either order", () => {
  const { l, failures } = ledger();
  l.refusedAt("op", 40);
  l.applied(2, 40, configText([p(1), p(2)], 40), null);
  const second = ledger();
  second.l.applied(2, 40, configText([p(1), p(2)], 40), null);
  second.l.refusedAt("op", 40);
  assert.match(failures[0], /refused reconfig's zxid 40/);
  assert.match(second.failures[0], /refused at zxid 40, yet m2 shows it/);
});

test("converged: the members' texts must agree and match the Raft configuration", () => {
  const text = configText([p(1), p(2), p(3), o(4)], 40);
  const conf = { voters: [3, 1, 2], learners: [4] };
  const all = (t: string) => new Map([1, 2, 3, 4].map((id) => [id, t] as const));
  assert.equal(MembershipLedger.converged(conf, all(text)), null);
  const lagging = all(text);
  lagging.set(4, configText(initial, 0));
  assert.match(MembershipLedger.converged(conf, lagging) ?? "", /m4 shows/);
  assert.match(
    MembershipLedger.converged({ voters: [1, 2, 3, 4], learners: [] }, all(text)) ?? "",
    /Raft group has voters 1,2,3,4 learners none/,
  );
});
