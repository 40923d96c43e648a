// Sends a four-letter word to a ZooKeeper-compatible server and returns its whole answer.
// `argument` is sent right after the word in the same write (stmk's 8-byte trace mask).
import { connect } from "node:net";

export function fourLetterWord(
  port: number,
  word: string,
  timeoutMs = 5000,
  argument?: Uint8Array,
): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: "127.0.0.1", port });
    const chunks: Buffer[] = [];
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`${word}: no answer within ${timeoutMs} ms`));
    }, timeoutMs);
    socket.on("connect", () =>
      socket.write(
        argument === undefined
          ? word
          : Buffer.concat([Buffer.from(word, "latin1"), Buffer.from(argument)]),
      ),
    );
    socket.on("data", (chunk) => chunks.push(chunk));
    socket.on("error", (err) => {
      clearTimeout(timer);
      reject(err);
    });
    socket.on("close", () => {
      clearTimeout(timer);
      resolve(Buffer.concat(chunks).toString("utf8"));
    });
  });
}
