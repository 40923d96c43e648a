// The protocol layer's public surface: the jute Reader and Writer, the one DecodeError, every
// ZooKeeper record's reader and writer, and the opcode-dispatched helpers the server and the
// client share. Conventions: readX(reader) decodes a record, writeX(writer, record) appends
// one, encodeX(writer, ...) produces a whole length-prefixed frame as a view into the writer.

export * from "./connect-codec.js";
export * from "./constants.js";
export * from "./data-records.js";
export * from "./decode-error.js";
export * from "./membership-text.js";
export * from "./multi-codec.js";
export * from "./reader.js";
export type * from "./records.js";
export * from "./request-codec.js";
export * from "./request-records.js";
export * from "./response-codec.js";
export * from "./response-records.js";
export * from "./writer.js";
