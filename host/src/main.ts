import 'reflect-metadata';
import { parseArgs } from 'node:util';
import { configOrExit } from '@persona-gateway/config';

// Commands are imported when used: `events` and `replay` need no NestJS, HTTP or telemetry.

const HELP = `persona-gateway: one MCP endpoint per Agent Persona, aggregating tools from many MCP servers.

Usage: persona-gateway <command> [options]

  start                       run the gateway (embedded: all services and PostgreSQL in this process)
  replay [--projection <name>] [--until <ISO time>]
                              rebuild read models from the event history (as of a moment, with --until)
  events [--stream <id>] [--type <type>] [--after <position>] [--limit <n>] [--json]
                              print the event history, oldest first
  help                        this text

Configuration comes from the environment: PORT, HOST, PUBLIC_URL, DATA_DIR, DATABASE_URL,
NATS_URL, ENCRYPTION_KEY, OTEL_EXPORTER_OTLP_ENDPOINT, LOG_LEVEL.
`;

async function main(argv: string[]): Promise<number> {
  const [command = 'help', ...rest] = argv;
  switch (command) {
    case 'start': {
      parseArgs({ args: rest, options: {}, strict: true });
      const { start } = await import('./commands/start.js');
      await start(configOrExit());
      return -1; // keeps running until a signal
    }
    case 'replay': {
      const { values } = parseArgs({ args: rest, options: { projection: { type: 'string' }, until: { type: 'string' } }, strict: true });
      const { replay } = await import('./commands/replay.js');
      return replay(configOrExit(), values);
    }
    case 'events': {
      const { values } = parseArgs({
        args: rest,
        options: { stream: { type: 'string' }, type: { type: 'string' }, after: { type: 'string' }, limit: { type: 'string' }, json: { type: 'boolean' } },
        strict: true,
      });
      const { events } = await import('./commands/events.js');
      return events(configOrExit(), values);
    }
    case 'help':
    case '--help':
    case '-h':
      process.stdout.write(HELP);
      return 0;
    default:
      process.stderr.write(`persona-gateway: unknown command "${command}"\n\n${HELP}`);
      return 2;
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    if (code >= 0) process.exit(code);
  },
  (error: unknown) => {
    const message = (error as { code?: string }).code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION' || error instanceof TypeError ? (error as Error).message : error instanceof Error ? error.message : String(error);
    process.stderr.write(`persona-gateway: ${message}\n`);
    process.exit(1);
  },
);
