// The relays of a whole ensemble: one FaultRelay per directed link and peer port. Member A
// reaches member B only through relay(A->B), so a launcher writes, in A's zoo.cfg,
// `server.B=127.0.0.1:<portFor(A, B, 0)>:<portFor(A, B, 1)>...` instead of B's own ports
// (A's own server line keeps its real ports, since A listens on them).
//
// Bytes from A to B travel on two kinds of connection: those A opens to B (relay(A->B),
// forward direction) and those B opens to A, as A's answers (relay(B->A), backward
// direction). Cutting "A to B" one way cuts both; a full cut between A and B cuts both
// relays in both directions, closing their connections and refusing new ones.
import { FaultRelay } from "./relay.js";

export interface MemberPorts {
  id: number;
  host: string;
  /** The member's peer ports, in zoo.cfg order (quorum, election, ...). */
  peerPorts: number[];
}

export class RelayMesh {
  private readonly relays = new Map<string, FaultRelay>();

  private constructor(readonly members: readonly MemberPorts[]) {}

  static async start(members: readonly MemberPorts[]): Promise<RelayMesh> {
    const mesh = new RelayMesh(members);
    try {
      for (const from of members) {
        for (const to of members) {
          if (from.id === to.id) continue;
          for (let i = 0; i < to.peerPorts.length; i++) {
            const relay = new FaultRelay(
              { host: to.host, port: to.peerPorts[i] },
              `${from.id}->${to.id}#${i}`,
            );
            mesh.relays.set(key(from.id, to.id, i), relay);
            await relay.start();
          }
        }
      }
    } catch (e) {
      await mesh.stop();
      throw e;
    }
    return mesh;
  }

  /** The port member `from` must dial for peer port `index` of member `to`. */
  portFor(from: number, to: number, index = 0): number {
    return this.relay(from, to, index).port;
  }

  relay(from: number, to: number, index = 0): FaultRelay {
    const relay = this.relays.get(key(from, to, index));
    if (relay === undefined) throw new Error(`no relay ${from}->${to}#${index}`);
    return relay;
  }

  /** Drops what `from` sends to `to`; with oneWay false, also what `to` sends to `from`. */
  cut(from: number, to: number, oneWay: boolean): void {
    for (const [k, relay] of this.relays) {
      const [a, b] = k.split(":").map(Number);
      if (a === from && b === to) relay.cut(oneWay ? "forward" : "both");
      else if (a === to && b === from) relay.cut(oneWay ? "backward" : "both");
    }
  }

  healAll(): void {
    for (const relay of this.relays.values()) relay.heal();
  }

  async stop(): Promise<void> {
    for (const relay of this.relays.values()) await relay.stop();
  }
}

function key(from: number, to: number, index: number): string {
  return `${from}:${to}:${index}`;
}
