// Shared by the examples: run `main` against the connect string given on the command line
// (node dist/test/recipes/examples/<name>.js 127.0.0.1:2181) when the file is started
// directly; the examples test imports `main` instead.
import { argv } from "node:process";
import { pathToFileURL } from "node:url";

export function runIfMain(url: string, main: (connectString: string) => Promise<unknown>): void {
  if (argv[1] !== undefined && pathToFileURL(argv[1]).href === url) {
    main(argv[2] ?? "127.0.0.1:2181").then(
      (result) => console.log(JSON.stringify(result)),
      (e) => {
        console.error(e);
        process.exitCode = 1;
      },
    );
  }
}
