import { spawnSync } from 'node:child_process';
import { connectDatabase, migrate, PostgresEventStore } from '@persona-gateway/eventstore';
import { createTestDatabase, type TestDatabase } from '@persona-gateway/testing';
import type { DataSource } from 'typeorm';
import { CLI } from './helpers.js';

describe('CLI: replay and events against PostgreSQL', () => {
  let database: TestDatabase;
  let dataSource: DataSource;
  const run = (...args: string[]) => spawnSync(process.execPath, [CLI, ...args], { env: { ...process.env, DATABASE_URL: database.url }, encoding: 'utf8', timeout: 30_000 });

  beforeAll(async () => {
    database = await createTestDatabase('cli');
    dataSource = await connectDatabase({ url: database.url, poolSize: 2 });
    await migrate(dataSource);
  });
  afterAll(async () => {
    await dataSource?.destroy();
    await database?.drop();
  });

  it('replay --until rebuilds the read model as it was then; replay alone as it is now', async () => {
    const store = new PostgresEventStore(dataSource);
    await store.appendToStream('persona-sales', [{ type: 'PersonaCreated', data: {} }]);
    await new Promise((resolve) => setTimeout(resolve, 30));
    const moment = new Date().toISOString();
    await new Promise((resolve) => setTimeout(resolve, 30));
    await store.appendToStream('persona-sales', [{ type: 'PersonaDeployed', data: {} }]);
    await store.appendToStream('gateway-jira', [{ type: 'GatewayRegistered', data: {} }]);

    const then = run('replay', '--until', moment);
    expect(then.status).toBe(0);
    expect(then.stdout).toMatch(/^rebuilt stream_index: 1 events replayed up to position 1 \(as of .*\) in \d+ ms$/m);
    expect(await dataSource.query('SELECT stream_id, version, last_type FROM stream_index ORDER BY stream_id')).toEqual([{ stream_id: 'persona-sales', version: 1, last_type: 'PersonaCreated' }]);

    const now = run('replay');
    expect(now.status).toBe(0);
    expect(await dataSource.query('SELECT stream_id, version, last_type FROM stream_index ORDER BY stream_id')).toEqual([
      { stream_id: 'gateway-jira', version: 1, last_type: 'GatewayRegistered' },
      { stream_id: 'persona-sales', version: 2, last_type: 'PersonaDeployed' },
    ]);
  });

  it('events lists the history, filtered, as text or JSON lines', () => {
    const all = run('events');
    expect(all.status).toBe(0);
    expect(all.stdout.trim().split('\n')).toHaveLength(3);
    const typed = run('events', '--type', 'GatewayRegistered', '--json');
    expect(typed.stdout.trim().split('\n').map((line) => JSON.parse(line).streamId)).toEqual(['gateway-jira']);
    const stream = run('events', '--stream', 'persona-sales', '--after', '1', '--json');
    expect(stream.stdout.trim().split('\n').map((line) => JSON.parse(line).type)).toEqual(['PersonaDeployed']);
  });

  it('refuses bad arguments with a clear message and changes nothing', async () => {
    const before = await dataSource.query('SELECT * FROM stream_index ORDER BY stream_id');
    const badTime = run('replay', '--until', 'yesterday-ish');
    expect(badTime.status).toBe(2);
    expect(badTime.stderr).toContain('--until must be an ISO 8601 time');
    expect(run('replay', '--projection', 'nope').stderr).toContain('no projection named "nope" (known: stream_index, api_key_usage)');
    expect(run('events', '--limit', '0').status).toBe(2);
    expect(run('frobnicate').status).toBe(2);
    expect(run('replay', '--bogus').stderr).toContain("Unknown option '--bogus'");
    expect(await dataSource.query('SELECT * FROM stream_index ORDER BY stream_id')).toEqual(before);
  });
});
