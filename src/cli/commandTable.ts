/**
 * The one table of `rml` subcommands. Adding a command means adding its module here; the dispatcher and
 * `rml --help` read nothing else.
 */
import type { CliCommand } from './command';
import { auditCommand } from './commands/audit';
import { dpEpsilonCommand } from './commands/dpEpsilon';
import { fixCommand } from './commands/fix';
import { predictCommand } from './commands/predict';
import { trainCommand } from './commands/train';

export const commands: CliCommand[] = [
  auditCommand,
  fixCommand,
  trainCommand,
  predictCommand,
  dpEpsilonCommand,
];
