import { ConfigError, loadConfig } from '@persona-gateway/config';

describe('loadConfig', () => {
  it('gives the documented defaults for an empty environment', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({ port: 8080, host: '127.0.0.1', publicUrl: 'http://127.0.0.1:8080', databaseUrl: undefined, natsServers: undefined, logLevel: 'info' });
    expect(config.dataDir).toBe(`${process.cwd()}/.data`);
    expect(config).toMatchObject({ callJournalDir: `${process.cwd()}/.data/call-journal`, callJournalFsync: false, callJournalFlushMs: 100 });
  });

  it('keeps the call journal under DATA_DIR unless CALL_JOURNAL_DIR names another place', () => {
    expect(loadConfig({ DATA_DIR: '/var/lib/pgw' }).callJournalDir).toBe('/var/lib/pgw/call-journal');
    expect(loadConfig({ DATA_DIR: '/var/lib/pgw', CALL_JOURNAL_DIR: 'journal' }).callJournalDir).toBe(`${process.cwd()}/journal`);
    expect(loadConfig({ CALL_JOURNAL_FSYNC: 'TRUE', CALL_JOURNAL_FLUSH_MS: '5' })).toMatchObject({ callJournalFsync: true, callJournalFlushMs: 5 });
    expect(loadConfig({ CALL_JOURNAL_FSYNC: '0' }).callJournalFsync).toBe(false);
  });

  it('reads every variable', () => {
    const config = loadConfig({
      PORT: '9000',
      HOST: '0.0.0.0',
      PUBLIC_URL: 'https://gw.example.com/',
      DATA_DIR: '/var/lib/pgw',
      DATABASE_URL: 'postgres://u:p@db:5432/pgw',
      NATS_URL: 'nats://a:4222, nats://b:4222',
      ENCRYPTION_KEY: Buffer.alloc(32, 7).toString('base64'),
      OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318',
      LOG_LEVEL: 'debug',
    });
    expect(config).toMatchObject({
      port: 9000,
      host: '0.0.0.0',
      publicUrl: 'https://gw.example.com',
      dataDir: '/var/lib/pgw',
      databaseUrl: 'postgres://u:p@db:5432/pgw',
      natsServers: ['nats://a:4222', 'nats://b:4222'],
      otlpEndpoint: 'http://collector:4318',
      logLevel: 'debug',
    });
  });

  it.each([
    [{ PORT: 'abc' }, 'PORT', /^Invalid configuration: PORT must be a whole number from 0 to 65535 \(got "abc"\)$/],
    [{ PORT: '70000' }, 'PORT', /^Invalid configuration: PORT /],
    [{ PUBLIC_URL: 'gw.example.com' }, 'PUBLIC_URL', /^Invalid configuration: PUBLIC_URL must be an http\(s\) URL/],
    [{ DATABASE_URL: 'mysql://u:secret@db/x' }, 'DATABASE_URL', /^Invalid configuration: DATABASE_URL must be a postgres:\/\/ URL$/],
    [{ NATS_URL: 'nats://a:4222,http://b' }, 'NATS_URL', /^Invalid configuration: NATS_URL must be one or more nats:\/\/ URLs/],
    [{ ENCRYPTION_KEY: 'too-short' }, 'ENCRYPTION_KEY', /^Invalid configuration: ENCRYPTION_KEY must be 32 bytes, base64-encoded/],
    [{ LOG_LEVEL: 'loud' }, 'LOG_LEVEL', /^Invalid configuration: LOG_LEVEL must be one of/],
    [{ CALL_JOURNAL_FSYNC: 'maybe' }, 'CALL_JOURNAL_FSYNC', /^Invalid configuration: CALL_JOURNAL_FSYNC must be true or false \(got "maybe"\)$/],
    [{ CALL_JOURNAL_FLUSH_MS: '0' }, 'CALL_JOURNAL_FLUSH_MS', /^Invalid configuration: CALL_JOURNAL_FLUSH_MS must be at least 1 \(got "0"\)$/],
    [{ CALL_JOURNAL_FLUSH_MS: '86400000' }, 'CALL_JOURNAL_FLUSH_MS', /^Invalid configuration: CALL_JOURNAL_FLUSH_MS must be at most 3600000 \(got "86400000"\)$/],
  ])('refuses %j with one line naming %s', (env, variable, message) => {
    let error: unknown;
    try {
      loadConfig(env as NodeJS.ProcessEnv);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).variable).toBe(variable);
    expect((error as ConfigError).message).toMatch(message);
    expect((error as ConfigError).message).not.toContain('\n');
  });

  it('never echoes secrets in its message', () => {
    for (const env of [{ DATABASE_URL: 'mysql://u:hunter2@db/x' }, { ENCRYPTION_KEY: 'hunter2' }, { NATS_URL: 'nats://u:hunter2@a,ftp://x' }]) {
      expect(() => loadConfig(env)).toThrow(ConfigError);
      try {
        loadConfig(env);
      } catch (error) {
        expect((error as Error).message).not.toContain('hunter2');
      }
    }
  });
});
