// Assembles a member from injected I/O: recovers storage, rebuilds the state from the newest
// snapshot, starts the Raft group over the recovered log and, in an ensemble, the links to
// the other members (server/ensemble-log.ts). Snapshots are taken every snapCount applied
// entries, encoded in short slices between requests and written in the background, and old
// files purged (purge-schedule.ts says when).
//
// A standalone member is a group of one voter: it resolves once it has elected itself and
// re-applied everything that was durable, so no client ever sees a state older than one it
// was acknowledged. An ensemble member resolves as soon as its storage is open and its links
// start: it serves clients whenever it knows a leader (the handshake refuses them otherwise,
// and refuses a client that has seen a newer zxid than this member has applied).
import type { Clock } from "../base/clock.js";
import type { Disk } from "../base/disk.js";
import type { Logger } from "../base/logger.js";
import type { PeerNetwork } from "../base/peer-network.js";
import type { ProcessInfo } from "../base/process-info.js";
import type { Random } from "../base/random.js";
import { emptyConf, encodeConfState } from "../raft/conf-state.js";
import type { PlantedBug } from "../raft/config.js";
import { RaftNode } from "../raft/node.js";
import { type ConfState, Role, roleNames } from "../raft/types.js";
import { decodeSnapshot } from "../state/snapshot.js";
import { State } from "../state/state.js";
import { openStorage, type Storage } from "../storage/storage.js";
import { aclSchemesOf } from "./auth-config.js";
import { BufferStats } from "./buffer-stats.js";
import type { ServerConfig, ServerSpec } from "./config.js";
import { snapshotChannel } from "./diagnostics.js";
import { DynamicMembership } from "./dynamic-membership.js";
import { EnsembleLog } from "./ensemble-log.js";
import { LeadershipTransfer } from "./leadership-transfer.js";
import { Member } from "./member.js";
import { PurgeSchedule } from "./purge-schedule.js";
import { holdsNothing } from "./quorum-recovery.js";
import { persistedStateFrom, RaftLog } from "./raft-log.js";
import { SnapshotTask } from "./snapshot-task.js";

/** Who this member is among its peers; absent for a standalone member. */
export interface EnsembleDeps {
  self: number;
  /** The initial configuration (server.N lines): participants vote, observers learn. */
  conf: ConfState;
  network: PeerNetwork;
  /**
   * The ensemble was rebuilt from a seed (zoo.cfg `ensembleSeed`, docs/ensemble.md): with no
   * data of its own, this member joins knowing no configuration instead of taking `conf`.
   */
  joinWhenEmpty?: boolean;
  /** Test-only (the ensemble simulator's planted bugs): see raft/config.ts. */
  raftPlantedBug?: PlantedBug;
  /**
   * The membership as ZooKeeper's server lines (zoo.cfg or its dynamic file): what
   * /zookeeper/config shows until the first reconfiguration.
   */
  servers?: ServerSpec[];
  /** A reconfiguration was applied here: `text` is /zookeeper/config's new text. */
  membershipChanged?: (text: string, version: number) => void;
}

export interface MemberDeps {
  config: ServerConfig;
  disk: Disk;
  clock: Clock;
  random: Random;
  logger: Logger;
  defer: (callback: () => void) => void;
  directorySizes?: () => { dataBytes: number; logBytes: number };
  /** The process's descriptors, memory and host, for mntr and envi. */
  processInfo?: ProcessInfo;
  /** Log segment size; the storage default (64 MiB) unless a simulation wants many. */
  walSegmentBytesMax?: number;
  ensemble?: EnsembleDeps;
}

export interface RunningMember {
  member: Member;
  raftLog: RaftLog;
  log: EnsembleLog;
  storage: Storage;
  /** Leadership transfer on an operator's demand (the admin port's route). */
  leadership: LeadershipTransfer;
  /**
   * If this member leads an ensemble, hands leadership to the voter whose log matches
   * furthest and waits (up to `timeoutMs`) until another member leads, so that a graceful
   * stop costs clients no election timeout. Calls `done` at once otherwise.
   */
  handOver(timeoutMs: number, done: () => void): void;
  /** Stops timers and closes storage. */
  close(callback: (error: Error | null) => void): void;
}

/** Milliseconds per Raft tick; a single voter elects itself after 10-20 ticks. */
const standaloneTickMs = 20;
/**
 * An ensemble ticks every 50 ms: heartbeats every 2 ticks, elections after 1-2 s of silence
 * (20-40 ticks), which rides out a garbage-collection pause of a few hundred milliseconds.
 */
const ensembleTickMs = 50;

export function startMember(
  deps: MemberDeps,
  callback: (error: Error | null, running: RunningMember | null) => void,
): void {
  const ensemble = deps.ensemble;
  const memberId = ensemble?.self ?? 1;
  const { config, logger } = deps;
  openStorage(
    {
      disk: deps.disk,
      logDir: config.dataLogDir,
      snapDir: config.dataDir,
      logger: {
        info: (m) => logger.info(m),
        warn: (m) => logger.warn(m),
        error: (m) => logger.error(m),
      },
      snapRetainCount: config.snapRetainCount,
      segmentBytesMax: deps.walSegmentBytesMax,
    },
    (error, storage, recovered) => {
      if (error || storage === null || recovered === null) {
        callback(error ?? new Error("storage did not open"), null);
        return;
      }
      const stateOptions = {
        extendedTypesEnabled: config.extendedTypesEnabled,
        enforceQuota: config.enforceQuota,
        aclSchemes: aclSchemesOf(config.auth),
      };
      let state: State;
      try {
        state =
          recovered.snapshot === null
            ? State.fresh(stateOptions)
            : decodeSnapshot(recovered.snapshot.state, stateOptions);
      } catch (err) {
        callback(err instanceof Error ? err : new Error(String(err)), null);
        return;
      }
      // Empty members of a rebuilt ensemble never campaign: they learn the configuration
      // from the seed's snapshot, so they cannot elect an empty leader among themselves.
      const joining =
        ensemble?.joinWhenEmpty === true &&
        holdsNothing(recovered) &&
        recovered.hardState.term === 0;
      if (joining) logger.info("no data: waiting for the leader to send the configuration");
      const persisted = persistedStateFrom(
        recovered,
        joining ? emptyConf : (ensemble?.conf ?? { voters: [memberId], learners: [] }),
      );
      const tickMs = ensemble === undefined ? standaloneTickMs : ensembleTickMs;
      const node = new RaftNode(
        ensemble === undefined
          ? { id: memberId, random: deps.random, electionTicks: 10, heartbeatTicks: 1 }
          : {
              id: memberId,
              random: deps.random,
              electionTicks: 20,
              heartbeatTicks: 2,
              plantedBug: ensemble.raftPlantedBug,
            },
        persisted,
      );
      const log = new EnsembleLog({
        self: memberId,
        clock: deps.clock,
        logger,
        defer: deps.defer,
        network: ensemble?.network ?? null,
        // Twice the longest election: a barrier that waited that long has no leader to ask.
        barrierTimeoutMs: 4 * 20 * tickMs,
        barrierRetryMs: 10 * tickMs,
        transferRequested: (from, target) => leadership.forwarded(from, target),
      });
      const proposalSizes = ensemble === undefined ? undefined : new BufferStats();
      const raftLog = new RaftLog({
        id: memberId,
        proposalSizes,
        clock: deps.clock,
        logger,
        storage,
        node,
        defer: deps.defer,
        tickMs,
        ...log.raftCallbacks,
      });
      const leadership = new LeadershipTransfer({
        node,
        raftLog,
        clock: deps.clock,
        logger,
        pollMs: tickMs,
        forward: (target) => log.forwardTransfer(target),
      });
      const recoveredLast =
        recovered.entries.length > 0
          ? recovered.entries[recovered.entries.length - 1].index
          : state.lastZxid;
      logger.info("storage recovered", {
        snapshotZxid: state.lastZxid,
        logEntries: recovered.entries.length,
        lastIndex: recoveredLast,
      });
      let snapshot: SnapshotTask | null = null;
      const purges = new PurgeSchedule({
        clock: deps.clock,
        logger,
        purgeIntervalHours: config.purgeIntervalHours,
        purge: (cb) => storage.purge(cb),
      });
      const view =
        ensemble === undefined
          ? null
          : new DynamicMembership({
              self: memberId,
              state,
              network: ensemble.network,
              logger,
              reconfigEnabled: config.reconfigEnabled,
              standaloneEnabled: config.standaloneEnabled,
              clock: deps.clock,
              node,
              raftLog,
              catchUpTimeoutMs: Math.max(1000, config.initLimit * config.tickTimeMs),
              initial: ensemble.servers,
              changed: ensemble.membershipChanged,
            });
      if (view !== null) log.reconfigDuty = view.duty;
      const member = new Member({
        config,
        clock: deps.clock,
        random: deps.random,
        logger,
        log,
        state,
        mode: () =>
          ensemble === undefined
            ? "standalone"
            : node.role === Role.leader
              ? "leader"
              : ensemble.conf.learners.includes(memberId)
                ? "observer"
                : node.role === Role.follower
                  ? "follower"
                  : roleNames[node.role],
        ensembleStatus:
          ensemble === undefined
            ? undefined
            : () => {
                const st = node.status();
                return {
                  self: memberId,
                  leader: raftLog.lead,
                  term: st.term,
                  commitIndex: st.commit,
                  lastIndex: st.lastIndex,
                  voters: st.conf.voters,
                  learners: st.conf.learners,
                  peers: node.peers(),
                  leadingSinceMs: raftLog.leadingSinceMs,
                };
              },
        proposalSizes,
        restored: () => {
          snapshot?.abort();
          snapshot = null;
          view?.applied();
        },
        configApplied: () => view?.applied(),
        directorySizes: deps.directorySizes,
        processInfo: deps.processInfo,
        snapshotDue: (index) => {
          if (snapshot !== null) return;
          logger.info("snapshot started", { zxid: index });
          // Term and membership are read now: the image shows the state at this index. The
          // membership is the one in force at `index`, not the newest in the log: the log may
          // already hold a later change (uncommitted, even), and a member recovering from this
          // file takes the file's membership as its base below the entries that follow it.
          const meta = {
            lastIndex: index,
            lastTerm: node.log.term(index),
            config: encodeConfState(node.log.conf.at(index)),
          };
          const startedMs = deps.clock.monotonicMs();
          snapshot = new SnapshotTask(state, deps.clock, deps.defer, (parts, stats) => {
            storage.saveSnapshot(meta, parts, (err) => {
              snapshot = null;
              if (err) {
                logger.error("snapshot failed", { zxid: index, error: err.message });
                return;
              }
              // Compaction must wait until the core has advanced past this index.
              deps.defer(() => {
                if (node.log.applied >= index && node.log.firstIndex() <= index)
                  raftLog.compact(index, parts);
                purges.snapshotSaved();
              });
              if (snapshotChannel.hasSubscribers) {
                snapshotChannel.publish({
                  zxid: index,
                  bytes: stats.bytes,
                  durationMs: deps.clock.monotonicMs() - startedMs,
                });
              }
              logger.info("snapshot written", {
                zxid: index,
                bytes: stats.bytes,
                encodeMs: Math.round(stats.elapsedMs),
                busyMs: Math.round(stats.busyMs),
                slices: stats.slices,
                maxSliceMs: Math.round(stats.maxSliceMs * 10) / 10,
                keptNodes: stats.keptNodes,
              });
            });
          });
        },
      });
      log.start(raftLog, member);
      // A standalone member serves only once it leads and has re-applied what was durable;
      // an ensemble member at once (it needs the others to commit anything).
      const deadline = deps.clock.monotonicMs() + 60000;
      const wait = (): void => {
        if (raftLog.failure !== null) {
          callback(raftLog.failure, null);
          return;
        }
        if (
          ensemble !== undefined ||
          (raftLog.isLeader &&
            state.lastZxid >= recoveredLast &&
            node.log.applied >= node.log.lastIndex())
        ) {
          member.start();
          purges.start();
          callback(null, {
            member,
            raftLog,
            log,
            storage,
            leadership,
            handOver: (timeoutMs, done) => {
              if (!raftLog.isLeader || ensemble === undefined) {
                done();
                return;
              }
              const why = leadership.startHere(0, "stopping");
              if (why !== null) {
                logger.warn("cannot hand leadership over", { reason: why });
                done();
                return;
              }
              const until = deps.clock.monotonicMs() + timeoutMs;
              const poll = (): void => {
                if (!raftLog.isLeader || deps.clock.monotonicMs() >= until) {
                  // Let the new leader's first heartbeat reach this member's clients' view.
                  done();
                  return;
                }
                deps.clock.setTimer(tickMs, poll);
              };
              deps.clock.setTimer(tickMs, poll);
            },
            close: (cb) => {
              snapshot?.abort();
              purges.stop();
              member.stop();
              log.stop();
              storage.close(cb);
            },
          });
          return;
        }
        if (deps.clock.monotonicMs() > deadline) {
          callback(new Error("standalone member did not become ready within 60 s"), null);
          return;
        }
        deps.clock.setTimer(5, wait);
      };
      wait();
    },
  );
}
