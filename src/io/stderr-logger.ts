// The production logger: one line per record on stderr, either human-readable text or JSON
// (for log shippers), filtered by level. Lines below the level cost one comparison.
import { type LogFields, type Logger, type LogLevel, logLevelRank } from "../base/logger.js";

export class StderrLogger implements Logger {
  private readonly rank: number;

  constructor(
    readonly level: LogLevel = "info",
    private readonly json = false,
    private readonly write: (line: string) => void = (line) => process.stderr.write(line),
  ) {
    this.rank = logLevelRank[level];
  }

  debug(message: string, fields?: LogFields): void {
    if (this.rank <= 10) this.emit("debug", message, fields);
  }
  info(message: string, fields?: LogFields): void {
    if (this.rank <= 20) this.emit("info", message, fields);
  }
  warn(message: string, fields?: LogFields): void {
    if (this.rank <= 30) this.emit("warn", message, fields);
  }
  error(message: string, fields?: LogFields): void {
    this.emit("error", message, fields);
  }

  private emit(level: LogLevel, message: string, fields: LogFields | undefined): void {
    const time = new Date().toISOString();
    if (this.json) {
      this.write(`${JSON.stringify({ time, level, msg: message, ...fields })}\n`);
      return;
    }
    let line = `${time} ${level.toUpperCase().padEnd(5)} ${message}`;
    if (fields !== undefined) {
      for (const key in fields) {
        const value = fields[key];
        if (value !== undefined)
          line += ` ${key}=${typeof value === "string" && /\s/.test(value) ? JSON.stringify(value) : value}`;
      }
    }
    this.write(`${line}\n`);
  }
}
