// What a server reports about its own process and host (mntr's file descriptors, envi's
// host, user and memory lines). It comes in through this interface because reading it is
// I/O (/proc, the OS): the real implementation is src/io/node-process-info.ts; a member
// given none (the simulator) leaves those lines out rather than invent numbers.

export interface ProcessMemory {
  /** Bytes of the JavaScript heap in use. */
  heapUsedBytes: number;
  /** Bytes the heap holds now (used and free): Java's Runtime.totalMemory. */
  heapTotalBytes: number;
  /** The most the heap may grow to: Java's Runtime.maxMemory (-Xmx). */
  heapLimitBytes: number;
}

export interface ProcessEnvironment {
  hostName: string;
  /** The runtime, e.g. "v20.20.2" for Node.js. */
  runtimeVersion: string;
  osName: string;
  osArch: string;
  osVersion: string;
  userName: string;
  userHome: string;
  workingDirectory: string;
  tmpDirectory: string;
  /** When the running program was built (compiled), wall-clock ms; null when unknown. */
  builtAtMs: number | null;
}

export interface ProcessInfo {
  /** Descriptors this process has open now, or -1 where the OS does not tell. */
  openFileDescriptors(): number;
  /** The most descriptors this process may open (its soft limit), or -1 where unknown. */
  maxFileDescriptors(): number;
  memory(): ProcessMemory;
  environment(): ProcessEnvironment;
}
