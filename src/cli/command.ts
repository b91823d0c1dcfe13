/** What each `rml` subcommand provides to the dispatcher in `main.ts`. */
export interface CliIo {
  stdout: NodeJS.WritableStream & { isTTY?: boolean };
  stderr: NodeJS.WritableStream & { isTTY?: boolean };
  cwd: string;
  env: NodeJS.ProcessEnv;
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
