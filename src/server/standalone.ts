// Assembles a standalone member from injected I/O: recovers storage, rebuilds the state from
// the newest snapshot, starts a single-voter Raft group over the recovered log, and resolves
// once the member has elected itself and re-applied everything that was durable, so no
// client ever sees a state older than one it was acknowledged. Snapshots are taken every
// snapCount applied entries, encoded in short slices between requests and written in the
// background, and old files purged (purge-schedule.ts says when).
import type { Clock } from "../base/clock.js";
import type { Disk } from "../base/disk.js";
import type { Logger } from "../base/logger.js";
import type { Random } from "../base/random.js";
import { encodeConfState } from "../raft/conf-state.js";
import { RaftNode } from "../raft/node.js";
import { decodeSnapshot } from "../state/snapshot.js";
import { State } from "../state/state.js";
import { openStorage, type Storage } from "../storage/storage.js";
import { aclSchemesOf } from "./auth-config.js";
import type { ServerConfig } from "./config.js";
import { Member } from "./member.js";
import { PurgeSchedule } from "./purge-schedule.js";
import { persistedStateFrom, RaftLog } from "./raft-log.js";
import { SnapshotTask } from "./snapshot-task.js";

export interface StandaloneDeps {
  config: ServerConfig;
  disk: Disk;
  clock: Clock;
  random: Random;
  logger: Logger;
  defer: (callback: () => void) => void;
  directorySizes?: () => { dataBytes: number; logBytes: number };
  /** Log segment size; the storage default (64 MiB) unless a simulation wants many. */
  walSegmentBytesMax?: number;
}

export interface Standalone {
  member: Member;
  raftLog: RaftLog;
  storage: Storage;
  /** Stops timers and closes storage. */
  close(callback: (error: Error | null) => void): void;
}

/** Milliseconds per Raft tick; a single voter elects itself after 10-20 ticks. */
const raftTickMs = 20;
const memberId = 1;

export function startStandalone(
  deps: StandaloneDeps,
  callback: (error: Error | null, standalone: Standalone | null) => void,
): void {
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
      const persisted = persistedStateFrom(recovered, [memberId]);
      const node = new RaftNode(
        { id: memberId, random: deps.random, electionTicks: 10, heartbeatTicks: 1 },
        persisted,
      );
      const raftLog = new RaftLog({
        id: memberId,
        clock: deps.clock,
        logger,
        storage,
        node,
        defer: deps.defer,
        tickMs: raftTickMs,
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
      const member = new Member({
        config,
        clock: deps.clock,
        random: deps.random,
        logger,
        log: raftLog,
        state,
        mode: () => "standalone",
        directorySizes: deps.directorySizes,
        snapshotDue: (index) => {
          if (snapshot !== null) return;
          // Term and membership are read now: the image shows the state at this index.
          const meta = {
            lastIndex: index,
            lastTerm: node.log.term(index),
            config: encodeConfState(node.log.currentConf()),
          };
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
      raftLog.start(member);
      // Serve only once this member leads and has re-applied what was durable.
      const deadline = deps.clock.monotonicMs() + 60000;
      const wait = (): void => {
        if (raftLog.failure !== null) {
          callback(raftLog.failure, null);
          return;
        }
        if (
          raftLog.isLeader &&
          state.lastZxid >= recoveredLast &&
          node.log.applied >= node.log.lastIndex()
        ) {
          member.start();
          purges.start();
          callback(null, {
            member,
            raftLog,
            storage,
            close: (cb) => {
              snapshot?.abort();
              purges.stop();
              member.stop();
              raftLog.stop();
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
