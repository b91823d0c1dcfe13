import { UsageError, type CliIo } from './command';
import { version } from './version';
import { commands } from './commandTable';

function help(): string {
  const width = Math.max(...commands.map((c) => c.name.length), 4);
  return [
    'rml — Responsible ML: privacy and fairness checks for tabular data and models',
    '',
    'Usage: rml <command> [options]',
    '',
    'Commands:',
    ...commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    '',
    "Run `rml <command> --help` for a command's options.",
  ].join('\n');
}

export async function main(argv: string[], io: CliIo): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    io.stdout.write(help() + '\n');
    return name ? 0 : 2;
  }
  if (name === '--version' || name === '-v') {
    io.stdout.write(`${version}\n`);
    return 0;
  }
  const cmd = commands.find((c) => c.name === name);
  if (!cmd) {
    io.stderr.write(`rml: unknown command '${name}'.\n\n${help()}\n`);
    return 2;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    io.stdout.write(cmd.usage.trimEnd() + '\n');
    return 0;
  }
  try {
    return await cmd.run(rest, io);
  } catch (e) {
    if (e instanceof UsageError) {
      io.stderr.write(`rml ${name}: ${e.message}\n\n${cmd.usage.trimEnd()}\n`);
      return 2;
    }
    io.stderr.write(`rml ${name}: ${e instanceof Error ? e.message : String(e)}\n`);
    return 1;
  }
}
