import 'reflect-metadata';
import { parseArgs } from 'node:util';
import { configOrExit } from '@persona-gateway/config';

// Commands are imported when used: `events` and `replay` need no NestJS, HTTP or telemetry.

const HELP = `persona-gateway: one MCP endpoint per Agent Persona, aggregating tools from many MCP servers.

Usage: persona-gateway <command> [options]

  start [--no-demo]           run the gateway (embedded: all services and PostgreSQL in this process);
                              on an empty database also sets up a demo persona (DEMO=false skips it)
  replay [--projection <name>] [--until <ISO time>]
                              rebuild read models from the event history (as of a moment, with --until)
  apply -f <file.yaml> [--url <gateway url>] [--token <admin token>]
                              declare gateways and personas (idempotent; \${VAR} reads the environment)
  events [--stream <id>] [--type <type>] [--after <position>] [--limit <n>] [--json]
                              print the event history, oldest first
  admin-token create          issue an admin token for the API (printed once)
  keys create --persona <slug> --name <name> [--expires never|30d|90d|1y]
                              issue an API key for a persona (printed once)
  keys list --persona <slug> [--json]
                              a persona's API keys: prefix, status, created, expires, last used
  keys revoke <id>            revoke an API key on every edge replica
                              (keys takes --url and --token like apply)
  help                        this text

Configuration comes from the environment: PORT, HOST, PUBLIC_URL, DATA_DIR, DATABASE_URL,
NATS_URL, ENCRYPTION_KEY, OTEL_EXPORTER_OTLP_ENDPOINT, LOG_LEVEL.
`;

async function main(argv: string[]): Promise<number> {
  const [command = 'help', ...rest] = argv;
  switch (command) {
    case 'start': {
      const { values } = parseArgs({ args: rest, options: { 'no-demo': { type: 'boolean' } }, strict: true });
      const { start } = await import('./commands/start.js');
      const demo = !values['no-demo'] && !['false', '0', 'no'].includes((process.env.DEMO ?? '').toLowerCase());
      await start(configOrExit(), { demo });
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
    case 'apply': {
      const { values } = parseArgs({ args: rest, options: { file: { type: 'string', short: 'f' }, url: { type: 'string' }, token: { type: 'string' } }, strict: true });
      const { apply } = await import('./commands/apply.js');
      return apply(configOrExit(), values);
    }
    case 'admin-token': {
      const { positionals } = parseArgs({ args: rest, options: {}, allowPositionals: true, strict: true });
      const { adminToken } = await import('./commands/admin-token.js');
      return adminToken(configOrExit(), positionals[0]);
    }
    case 'keys': {
      const { values, positionals } = parseArgs({
        args: rest,
        options: { persona: { type: 'string' }, name: { type: 'string' }, expires: { type: 'string' }, json: { type: 'boolean' }, url: { type: 'string' }, token: { type: 'string' } },
        allowPositionals: true,
        strict: true,
      });
      const { keys } = await import('./commands/keys.js');
      return keys(configOrExit(), positionals, values);
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
