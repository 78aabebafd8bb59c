import { readdirSync, readFileSync } from 'node:fs';

const swcrc = JSON.parse(readFileSync(new URL('./.swcrc', import.meta.url), 'utf8'));
delete swcrc.$schema;

// Workspace packages resolve to their TypeScript sources in tests (dist/ at run time).
const workspaces = {};
for (const group of ['libs', 'services']) {
  for (const name of readdirSync(new URL(`./${group}`, import.meta.url))) workspaces[name] = `<rootDir>/${group}/${name}/src/index.ts`;
}

export default {
  testEnvironment: 'node',
  extensionsToTreatAsEsm: ['.ts'],
  transform: { '^.+\\.ts$': ['@swc/jest', { ...swcrc, sourceMaps: 'inline' }] },
  moduleNameMapper: {
    ...Object.fromEntries(Object.entries(workspaces).map(([name, path]) => [`^@persona-gateway/${name}$`, path])),
    '^(\\.{1,2}/.*)\\.js$': '$1',
  },
  testMatch: ['<rootDir>/{libs,services,host}/*/test/**/*.spec.ts', '<rootDir>/host/test/**/*.spec.ts'],
  globalSetup: '<rootDir>/libs/testing/global-setup.mjs',
  globalTeardown: '<rootDir>/libs/testing/global-teardown.mjs',
  setupFilesAfterEnv: ['<rootDir>/libs/testing/jest-setup.mjs'],
  testTimeout: 60_000,
  maxWorkers: 2,
};
