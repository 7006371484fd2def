/**
 * `limner`'s command line as a function of argv, environment and output, so tests can drive
 * it in-process or as a real process alike. Every command answers `--help`; `limner --version`
 * prints the version.
 *
 * Exit status: 0 done, 1 the request or a file failed, 2 a usage mistake. A failure is always
 * one line on stderr (`limner: …`), never a stack trace; `LIMNER_DEBUG=1` adds the stack.
 *
 * @module
 */
import packageJson from "../package.json" with { type: "json" };
import { type Command, commandContext } from "./command";
import { captionCommand } from "./commands/caption";
import { evalCommand } from "./commands/eval";
import { generateCommand } from "./commands/generate";
import { healthCommand } from "./commands/health";
import { keysCommand } from "./commands/keys";
import { modelsCommand } from "./commands/models";
import { recaptionCommand } from "./commands/recaption";
import { describeError } from "./describe-error";
import { type CliConfig, cliConfig } from "./env";
import { type Io, UsageError } from "./io";

const COMMANDS: readonly Command[] = [
  generateCommand,
  captionCommand,
  recaptionCommand,
  evalCommand,
  keysCommand,
  modelsCommand,
  healthCommand,
];

export const VERSION: string = packageJson.version;

const USAGE = `limner ${VERSION} — Limner's command line

Usage: limner <command> [options]    (limner <command> --help for its options)

Commands:
${COMMANDS.map((c) => `  ${c.name.padEnd(10)} ${c.summary}`).join("\n")}

Environment:
  LIMNER_BASE_URL     the edge, e.g. http://127.0.0.1:8787/v1 (the default)
  LIMNER_API_KEY      an lmn_… API key (generate, caption, recaption, eval, models)
  LIMNER_ADMIN_TOKEN  the edge's admin token (keys)`;

const isHelp = (arg: string) => arg === "--help" || arg === "-h";

export async function cli(
  argv: readonly string[],
  env: Record<string, string | undefined>,
  io: Io,
  fetchImpl?: typeof fetch,
): Promise<number> {
  const [name, ...rest] = argv;
  let config: CliConfig | undefined;
  let command: Command | undefined;
  try {
    if (name === undefined || name === "help" || isHelp(name)) {
      (name === undefined ? io.err : io.out)(USAGE);
      return name === undefined ? 2 : 0;
    }
    if (name === "--version" || name === "-V") {
      io.out(VERSION);
      return 0;
    }
    command = COMMANDS.find((c) => c.name === name);
    if (!command) throw new UsageError(`Unknown command: ${name}.`);
    if (rest.some(isHelp)) {
      io.out(command.usage);
      return 0;
    }
    if (rest.includes("--version")) {
      io.out(VERSION);
      return 0;
    }
    config = cliConfig(env);
    return (await command.run(rest, commandContext(io, config, fetchImpl))) ?? 0;
  } catch (error) {
    // node:util parseArgs rejects unknown or malformed options with a coded TypeError.
    const usage =
      error instanceof UsageError ||
      (error instanceof TypeError &&
        "code" in error &&
        String(error.code).startsWith("ERR_PARSE_ARGS"));
    if (usage && error instanceof Error) {
      io.err(`limner: ${error.message}`);
      io.err(`Run 'limner ${command ? `${command.name} ` : ""}--help' for usage.`);
      return 2;
    }
    io.err(`limner: ${describeError(error, config?.baseURL ?? "the edge")}`);
    if (env.LIMNER_DEBUG === "1" && error instanceof Error && error.stack) io.err(error.stack);
    return 1;
  }
}
