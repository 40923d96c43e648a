// The client's typed errors: one class per ZooKeeper error code (KeeperException.Code), all
// extending ZooKeeperError. Callers test with `instanceof NoNodeError` or with the numeric
// `code` (ErrorCode.noNode) or its ZooKeeper name `codeName` ("NONODE"), whichever reads
// better; `path` names the node the failed operation was about, when there is one.
//
// Two codes are produced by the client itself, never by a server: ConnectionLoss (the
// connection dropped while the request was in flight, so its outcome is unknown) and
// OperationTimeout (the request did not complete within its timeout; it may still take
// effect on the server). SessionExpired is both: the server answers it on a closing session
// and the client raises it when the handshake reports the session gone.

import { ErrorCode, errorCodeName } from "../protocol/constants.js";

export class ZooKeeperError extends Error {
  override name = "ZooKeeperError";
  /** ZooKeeper's numeric error code (ErrorCode). */
  readonly code: number;
  /** ZooKeeper's name for the code, e.g. "NONODE". */
  readonly codeName: string;
  /** The path of the failed operation, with the chroot removed, or undefined. */
  readonly path: string | undefined;
  /**
   * For a failed transaction (multi): the outcome of every operation, in order. Typed loosely
   * here to keep this module free of the transaction types; see OpResult in transaction.ts.
   */
  opResults: unknown[] | undefined = undefined;
  /** For a failed transaction: the index of the operation that failed. */
  failedOpIndex: number | undefined = undefined;

  constructor(code: number, path?: string, message?: string) {
    const codeName = errorCodeName.get(code) ?? `UNKNOWN(${code})`;
    super(message ?? (path === undefined ? codeName : `${codeName} for ${path}`));
    this.code = code;
    this.codeName = codeName;
    this.path = path;
  }
}

function errorClass(code: number, name: string) {
  const cls = class extends ZooKeeperError {
    override name = name;
    constructor(path?: string, message?: string) {
      super(code, path, message);
    }
  };
  Object.defineProperty(cls, "name", { value: name });
  return cls;
}

export const SystemError = errorClass(ErrorCode.systemError, "SystemError");
export type SystemError = InstanceType<typeof SystemError>;
export const RuntimeInconsistencyError = errorClass(
  ErrorCode.runtimeInconsistency,
  "RuntimeInconsistencyError",
);
export type RuntimeInconsistencyError = InstanceType<typeof RuntimeInconsistencyError>;
export const DataInconsistencyError = errorClass(
  ErrorCode.dataInconsistency,
  "DataInconsistencyError",
);
export type DataInconsistencyError = InstanceType<typeof DataInconsistencyError>;
export const ConnectionLossError = errorClass(ErrorCode.connectionLoss, "ConnectionLossError");
export type ConnectionLossError = InstanceType<typeof ConnectionLossError>;
export const MarshallingError = errorClass(ErrorCode.marshallingError, "MarshallingError");
export type MarshallingError = InstanceType<typeof MarshallingError>;
export const UnimplementedError = errorClass(ErrorCode.unimplemented, "UnimplementedError");
export type UnimplementedError = InstanceType<typeof UnimplementedError>;
export const OperationTimeoutError = errorClass(
  ErrorCode.operationTimeout,
  "OperationTimeoutError",
);
export type OperationTimeoutError = InstanceType<typeof OperationTimeoutError>;
export const BadArgumentsError = errorClass(ErrorCode.badArguments, "BadArgumentsError");
export type BadArgumentsError = InstanceType<typeof BadArgumentsError>;
export const UnknownSessionError = errorClass(ErrorCode.unknownSession, "UnknownSessionError");
export type UnknownSessionError = InstanceType<typeof UnknownSessionError>;
export const NewConfigNoQuorumError = errorClass(
  ErrorCode.newConfigNoQuorum,
  "NewConfigNoQuorumError",
);
export type NewConfigNoQuorumError = InstanceType<typeof NewConfigNoQuorumError>;
export const ReconfigInProgressError = errorClass(
  ErrorCode.reconfigInProgress,
  "ReconfigInProgressError",
);
export type ReconfigInProgressError = InstanceType<typeof ReconfigInProgressError>;
export const ApiError = errorClass(ErrorCode.apiError, "ApiError");
export type ApiError = InstanceType<typeof ApiError>;
export const NoNodeError = errorClass(ErrorCode.noNode, "NoNodeError");
export type NoNodeError = InstanceType<typeof NoNodeError>;
export const NoAuthError = errorClass(ErrorCode.noAuth, "NoAuthError");
export type NoAuthError = InstanceType<typeof NoAuthError>;
export const BadVersionError = errorClass(ErrorCode.badVersion, "BadVersionError");
export type BadVersionError = InstanceType<typeof BadVersionError>;
export const NoChildrenForEphemeralsError = errorClass(
  ErrorCode.noChildrenForEphemerals,
  "NoChildrenForEphemeralsError",
);
export type NoChildrenForEphemeralsError = InstanceType<typeof NoChildrenForEphemeralsError>;
export const NodeExistsError = errorClass(ErrorCode.nodeExists, "NodeExistsError");
export type NodeExistsError = InstanceType<typeof NodeExistsError>;
export const NotEmptyError = errorClass(ErrorCode.notEmpty, "NotEmptyError");
export type NotEmptyError = InstanceType<typeof NotEmptyError>;
export const SessionExpiredError = errorClass(ErrorCode.sessionExpired, "SessionExpiredError");
export type SessionExpiredError = InstanceType<typeof SessionExpiredError>;
export const InvalidCallbackError = errorClass(ErrorCode.invalidCallback, "InvalidCallbackError");
export type InvalidCallbackError = InstanceType<typeof InvalidCallbackError>;
export const InvalidACLError = errorClass(ErrorCode.invalidACL, "InvalidACLError");
export type InvalidACLError = InstanceType<typeof InvalidACLError>;
export const AuthFailedError = errorClass(ErrorCode.authFailed, "AuthFailedError");
export type AuthFailedError = InstanceType<typeof AuthFailedError>;
export const SessionMovedError = errorClass(ErrorCode.sessionMoved, "SessionMovedError");
export type SessionMovedError = InstanceType<typeof SessionMovedError>;
export const NotReadOnlyError = errorClass(ErrorCode.notReadOnly, "NotReadOnlyError");
export type NotReadOnlyError = InstanceType<typeof NotReadOnlyError>;
export const EphemeralOnLocalSessionError = errorClass(
  ErrorCode.ephemeralOnLocalSession,
  "EphemeralOnLocalSessionError",
);
export type EphemeralOnLocalSessionError = InstanceType<typeof EphemeralOnLocalSessionError>;
export const NoWatcherError = errorClass(ErrorCode.noWatcher, "NoWatcherError");
export type NoWatcherError = InstanceType<typeof NoWatcherError>;
export const RequestTimeoutError = errorClass(ErrorCode.requestTimeout, "RequestTimeoutError");
export type RequestTimeoutError = InstanceType<typeof RequestTimeoutError>;
export const ReconfigDisabledError = errorClass(
  ErrorCode.reconfigDisabled,
  "ReconfigDisabledError",
);
export type ReconfigDisabledError = InstanceType<typeof ReconfigDisabledError>;
export const SessionClosedRequireSaslAuthError = errorClass(
  ErrorCode.sessionClosedRequireSaslAuth,
  "SessionClosedRequireSaslAuthError",
);
export type SessionClosedRequireSaslAuthError = InstanceType<
  typeof SessionClosedRequireSaslAuthError
>;
export const QuotaExceededError = errorClass(ErrorCode.quotaExceeded, "QuotaExceededError");
export type QuotaExceededError = InstanceType<typeof QuotaExceededError>;
export const ThrottledOpError = errorClass(ErrorCode.throttledOp, "ThrottledOpError");
export type ThrottledOpError = InstanceType<typeof ThrottledOpError>;

/**
 * The client was closed by its owner: requests still queued or issued afterwards fail with
 * this. It is a ConnectionLossError so that code handling "no connection" handles it too.
 */
export class ClientClosedError extends ConnectionLossError {
  override name = "ClientClosedError";
  constructor(path?: string) {
    super(path, "client closed");
  }
}

type ErrorConstructor = new (path?: string, message?: string) => ZooKeeperError;

const classByCode: ReadonlyMap<number, ErrorConstructor> = new Map<number, ErrorConstructor>([
  [ErrorCode.systemError, SystemError],
  [ErrorCode.runtimeInconsistency, RuntimeInconsistencyError],
  [ErrorCode.dataInconsistency, DataInconsistencyError],
  [ErrorCode.connectionLoss, ConnectionLossError],
  [ErrorCode.marshallingError, MarshallingError],
  [ErrorCode.unimplemented, UnimplementedError],
  [ErrorCode.operationTimeout, OperationTimeoutError],
  [ErrorCode.badArguments, BadArgumentsError],
  [ErrorCode.unknownSession, UnknownSessionError],
  [ErrorCode.newConfigNoQuorum, NewConfigNoQuorumError],
  [ErrorCode.reconfigInProgress, ReconfigInProgressError],
  [ErrorCode.apiError, ApiError],
  [ErrorCode.noNode, NoNodeError],
  [ErrorCode.noAuth, NoAuthError],
  [ErrorCode.badVersion, BadVersionError],
  [ErrorCode.noChildrenForEphemerals, NoChildrenForEphemeralsError],
  [ErrorCode.nodeExists, NodeExistsError],
  [ErrorCode.notEmpty, NotEmptyError],
  [ErrorCode.sessionExpired, SessionExpiredError],
  [ErrorCode.invalidCallback, InvalidCallbackError],
  [ErrorCode.invalidACL, InvalidACLError],
  [ErrorCode.authFailed, AuthFailedError],
  [ErrorCode.sessionMoved, SessionMovedError],
  [ErrorCode.notReadOnly, NotReadOnlyError],
  [ErrorCode.ephemeralOnLocalSession, EphemeralOnLocalSessionError],
  [ErrorCode.noWatcher, NoWatcherError],
  [ErrorCode.requestTimeout, RequestTimeoutError],
  [ErrorCode.reconfigDisabled, ReconfigDisabledError],
  [ErrorCode.sessionClosedRequireSaslAuth, SessionClosedRequireSaslAuthError],
  [ErrorCode.quotaExceeded, QuotaExceededError],
  [ErrorCode.throttledOp, ThrottledOpError],
]);

/** The typed error for a ZooKeeper error code; an unknown code gets the base class. */
export function errorForCode(code: number, path?: string): ZooKeeperError {
  const cls = classByCode.get(code);
  return cls === undefined ? new ZooKeeperError(code, path) : new cls(path);
}

/**
 * Errors after which retrying the same operation can succeed: the connection dropped or the
 * request timed out (the operation may or may not have happened), or the server shed load.
 */
export function isRetriable(error: unknown): boolean {
  return (
    error instanceof ZooKeeperError &&
    !(error instanceof ClientClosedError) &&
    (error.code === ErrorCode.connectionLoss ||
      error.code === ErrorCode.operationTimeout ||
      error.code === ErrorCode.throttledOp)
  );
}
