import { parseArgs, type ParseArgsConfig } from 'util';
/** What each `rml` subcommand provides to the dispatcher in `main.ts`. */
export interface CliIo {
  stdout: NodeJS.WritableStream & { isTTY?: boolean };
  stderr: NodeJS.WritableStream & { isTTY?: boolean };
  cwd: string;
  env: NodeJS.ProcessEnv;
  /** Standard input, for a dataset named `-` (`rml audit -`). */
  stdin?: NodeJS.ReadableStream;
}

export interface CliCommand {
  name: string;
  /** One line shown in `rml --help`. */
  summary: string;
  /** Full usage text shown by `rml <name> --help`. */
  usage: string;
  /** Returns the process exit status. Errors meant for the user are thrown as {@link UsageError}. */
  run(argv: string[], io: CliIo): Promise<number>;
}

/** A mistake in how the command was called: printed without a stack trace, exit status 2. */
export class UsageError extends Error {}

/**
 * `util.parseArgs` with positionals allowed, where a mistake (unknown option, missing value) is a
 * {@link UsageError}, so every command answers it the same way: the message, the usage, status 2.
 */
export function parseCommandLine<const O extends NonNullable<ParseArgsConfig['options']>>(
  args: string[],
  options: O,
) {
  try {
    return parseArgs({ args, options, allowPositionals: true });
  } catch (e) {
    throw new UsageError(e instanceof Error ? e.message : String(e));
  }
}
