// The `drover` command: dispatches to one file per command under commands/.
import { CommandError, UsageError, type Command, type CommandName } from './command';
import { check } from './commands/check';
import { onClosedPipe } from './closed-pipe';
import { config } from './commands/config';
import { version } from './commands/version';
import { start } from './commands/start';
import { run } from './commands/run';
import { restart, status } from './commands/status';
import { logs } from './commands/logs';
import { scale } from './commands/scale';
import { reload } from './commands/reload';

const help: Command = {
  summary: 'show help for drover or for one command',
  usage: 'Usage: drover help [COMMAND]',
  async run(args) {
    const name = args[0];
    if (name && isCommand(name)) process.stdout.write(commands[name].usage + '\n');
    else process.stdout.write(overview());
    return 0;
  },
};

/** Every command by name; the mapped type makes the compiler insist that each name has its handler. */
const commands: { [K in CommandName]: Command } = { start, run, status, restart, logs, scale, reload, check, config, version, help };

function isCommand(name: string): name is CommandName {
  return Object.hasOwn(commands, name);
}

function overview(): string {
  const rows = Object.entries(commands).map(([name, c]) => `  ${name.padEnd(9)} ${c.summary}`);
  return `drover: a process supervisor and log router for Procfile apps (Heroku, Cloud Foundry, CNB, local)\n\nUsage: drover COMMAND [options]\n\nCommands:\n${rows.join('\n')}\n\nRun \`drover COMMAND --help\` for the options of one command.\n`;
}

/** Runs the CLI with argv (without node and script) and resolves to the exit status. */
export async function main(argv: string[]): Promise<number> {
  const [name, ...args] = argv;
  onClosedPipe(name === 'start' || name === 'run');
  if (!name || name === '--help' || name === '-h') {
    process.stdout.write(overview());
    return name ? 0 : 2;
  }
  if (name === '--version' || name === '-v') return version.run([]);
  if (!isCommand(name)) {
    process.stderr.write(`drover: unknown command "${name}"\n\n${overview()}`);
    return 2;
  }
  const command = commands[name];
  if (args.includes('--help') || args.includes('-h')) {
    if (name !== 'run' || args[0] === '--help' || args[0] === '-h') {
      process.stdout.write(command.usage + '\n');
      return 0;
    }
  }
  try {
    return await command.run(args);
  } catch (error) {
    const e = error as Error & { code?: string };
    if (error instanceof UsageError || e.code?.startsWith('ERR_PARSE_ARGS')) {
      process.stderr.write(`drover ${name}: ${e.message}\n\n${command.usage}\n`);
      return 2;
    }
    if (error instanceof CommandError) {
      process.stderr.write(`drover ${name}: ${e.message}\n`);
      return 1;
    }
    throw error;
  }
}
