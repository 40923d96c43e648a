// The Raft simulation's trace: the last N events, kept as they happened and turned into text
// only when a run fails. A delivered message is kept as the message itself, because
// formatting every delivery of a passing run (the vast majority) would cost more than the
// simulation of it.
import { describeMessage } from "../raft/message.js";
import type { Message } from "../raft/types.js";

interface TraceItem {
  time: number;
  text: string | null;
  msg: Message | null;
}

export class EventTrace {
  private readonly items: TraceItem[] = [];
  private at = 0;

  constructor(private readonly length: number) {}

  note(time: number, text: string): void {
    this.push({ time, text, msg: null });
  }

  delivered(time: number, msg: Message): void {
    this.push({ time, text: null, msg });
  }

  /** The kept events, oldest first, one line each. */
  lines(): string[] {
    const ordered =
      this.items.length < this.length
        ? this.items
        : [...this.items.slice(this.at), ...this.items.slice(0, this.at)];
    return ordered.map((t) => {
      const body = t.msg !== null ? `deliver ${describeMessage(t.msg)}` : t.text;
      return `${t.time.toFixed(2).padStart(10)}ms  ${body}`;
    });
  }

  private push(item: TraceItem): void {
    if (this.items.length < this.length) this.items.push(item);
    else this.items[this.at] = item;
    this.at = (this.at + 1) % this.length;
  }
}
