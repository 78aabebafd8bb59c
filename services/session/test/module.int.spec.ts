import 'reflect-metadata';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Global, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { InProcessBus } from '@persona-gateway/bus';
import { loadConfig } from '@persona-gateway/config';
import { SessionCallV1, SessionListV1 } from '@persona-gateway/contracts';
import { BUS, CONFIG, INSTANCE, SECRETS, type Instance } from '@persona-gateway/platform';
import { gatewaySecretContext, SecretBox } from '@persona-gateway/secrets';
import { SessionModule } from '../src/session.module.js';
import { fixture, MEMORY } from './support/downstreams.js';

describe('SessionModule', () => {
  it('answers the session contracts while it lives, and reaps its sessions when destroyed', async () => {
    const bus = new InProcessBus();
    const secrets = SecretBox.fromKey(randomBytes(32).toString('base64'));
    const instance: Instance = { id: 'session-replica-1', startedAt: new Date().toISOString(), version: '0.1.0', services: ['session'] };
    const runtime = [
      { provide: BUS, useValue: bus },
      { provide: SECRETS, useValue: secrets },
      { provide: CONFIG, useValue: loadConfig({}) },
      { provide: INSTANCE, useValue: instance },
    ];
    // Stands in for PlatformModule, which would also need a database.
    @Global()
    @Module({ providers: runtime, exports: runtime.map((provider) => provider.provide) })
    class FakePlatform {}
    @Module({ imports: [FakePlatform, SessionModule] })
    class Root {}

    const app = await NestFactory.createApplicationContext(Root, { logger: false });
    const dir = await mkdtemp(join(tmpdir(), 'pgw-module-'));
    const env = secrets.sealAll({ PIDS_FILE: join(dir, 'pids.json'), MEMORY_FILE_PATH: join(dir, 'memory.jsonl') }, gatewaySecretContext('Memory'));
    await bus.request(SessionCallV1, {
      key: { persona: 'support', gateway: 'Memory', principal: 'alice' },
      connection: { type: 'stdio', command: process.execPath, args: [fixture('npx-like.cjs'), MEMORY], env },
      tool: 'read_graph',
      callId: 'call-1',
    });
    await expect(bus.request(SessionListV1, {})).resolves.toMatchObject({ instanceId: 'session-replica-1', openedTotal: 1, sessions: [{ key: { gateway: 'Memory' } }] });
    const pids = Object.values(JSON.parse(await readFile(join(dir, 'pids.json'), 'utf8')) as Record<string, number>);

    await app.close();
    await expect(bus.request(SessionListV1, {})).rejects.toMatchObject({ code: 'NO_RESPONDERS' });
    const running = await Promise.all(pids.map((pid) => readFile(`/proc/${pid}/stat`, 'utf8').then((stat) => !/^\S+ \(.*\) [ZX] /.test(stat), () => false)));
    expect(running).toEqual([false, false, false]);
    await bus.close();
  });
});
