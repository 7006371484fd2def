/** `limner` entry point: runs the command line on this process. @module */
import { cli } from "./cli";

process.exitCode = await cli(process.argv.slice(2), process.env, {
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
  progress: process.stderr,
});
