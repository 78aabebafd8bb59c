import { EMPTY_CATALOG, type GatewayState, type PersonaState } from '@persona-gateway/catalog';
import { GatewayError, type Catalog } from '@persona-gateway/contracts';
import { decideDiscovery } from '../src/gateway-decisions.js';
import { decideSavePersona } from '../src/persona-decisions.js';

const tool = (name: string, extra: Record<string, unknown> = {}) => ({ name, inputSchema: { type: 'object' }, ...extra });
const gateway = (name: string, tools: string[]): GatewayState => ({
  name,
  description: undefined,
  transport: { type: 'streamable-http', url: 'http://127.0.0.1:1/mcp', headers: {} },
  catalog: { ...EMPTY_CATALOG, tools: tools.map((t) => tool(t)) },
  status: 'available',
  statusReason: undefined,
  version: 1,
});
const gateways = new Map([
  ['Jira', gateway('Jira', ['createIssue', 'search'])],
  ['Slack', gateway('Slack', ['search', 'post'])],
  ['Long', gateway('Long', ['x'.repeat(60)])],
]);
const save = (overrides: Partial<Parameters<typeof decideSavePersona>[0]> = {}) => ({
  slug: 'devops',
  name: 'DevOps',
  prefixMode: 'always' as const,
  open: false,
  auth: { nonInteractive: false },
  deploy: false,
  tools: [{ gateway: 'Jira', tool: 'createIssue' }],
  ...overrides,
}) as Parameters<typeof decideSavePersona>[0];
const refused = (fn: () => unknown) => {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(GatewayError);
    expect((error as GatewayError).code).toBe('INVALID_ARGUMENT');
    return (error as GatewayError).message;
  }
  throw new Error('expected a refusal');
};

describe('decideSavePersona', () => {
  it('creates, selects and deploys a new persona', () => {
    expect(decideSavePersona(save({ deploy: true }), undefined, gateways).map((e) => e.type)).toEqual(['PersonaCreated', 'PersonaToolsSelected', 'PersonaDeployed']);
  });

  it('decides nothing when nothing differs (idempotent apply)', () => {
    const current: PersonaState = { slug: 'devops', name: 'DevOps', description: undefined, prefixMode: 'always', open: false, auth: { nonInteractive: false }, deployed: true, selected: [{ gateway: 'Jira', tool: 'createIssue' }], version: 3 };
    expect(decideSavePersona(save({ deploy: true }), current, gateways)).toEqual([]);
    expect(decideSavePersona(save({ name: 'Ops' }), current, gateways).map((e) => e.type)).toEqual(['PersonaChanged']);
    // Enabling API keys is a change of the persona, recorded with the new mode.
    const enabled = decideSavePersona(save({ auth: { nonInteractive: true } }), current, gateways);
    expect(enabled).toEqual([{ type: 'PersonaChanged', data: expect.objectContaining({ auth: { nonInteractive: true } }) }]);
  });

  it('refuses collisions with the clashing names, and prefix mode never only without them', () => {
    const both = [
      { gateway: 'Jira', tool: 'search' },
      { gateway: 'Slack', tool: 'search' },
    ];
    expect(decideSavePersona(save({ tools: both }), undefined, gateways)).toHaveLength(2); // Jira_search, Slack_search
    expect(refused(() => decideSavePersona(save({ tools: both, prefixMode: 'never' }), undefined, gateways))).toBe(
      'Tool names would collide: search (prefix mode "never" is only allowed when no names collide)',
    );
    expect(decideSavePersona(save({ tools: [{ gateway: 'Jira', tool: 'createIssue' }, { gateway: 'Slack', tool: 'post' }], prefixMode: 'never' }), undefined, gateways)).toHaveLength(2);
  });

  it('refuses names beyond 64 characters after prefixing, unknown gateways and tools, duplicates', () => {
    expect(refused(() => decideSavePersona(save({ tools: [{ gateway: 'Long', tool: 'x'.repeat(60) }] }), undefined, gateways))).toContain(`Long_${'x'.repeat(60)}`);
    expect(refused(() => decideSavePersona(save({ tools: [{ gateway: 'Nope', tool: 'a' }] }), undefined, gateways))).toBe('Unknown gateway: Nope');
    expect(refused(() => decideSavePersona(save({ tools: [{ gateway: 'Jira', tool: 'deleteEverything' }] }), undefined, gateways))).toBe('Unknown tool: Jira/deleteEverything');
    expect(refused(() => decideSavePersona(save({ tools: [{ gateway: 'Jira', tool: 'search' }, { gateway: 'Jira', tool: 'search' }] }), undefined, gateways))).toBe('Tool selected twice: Jira/search');
  });
});

describe('decideDiscovery', () => {
  const catalog = (tools: Array<ReturnType<typeof tool>>): Catalog => ({ ...EMPTY_CATALOG, tools });
  it('records a catalog change with its diff, and health transitions', () => {
    const before = { catalog: catalog([tool('a'), tool('b', { description: 'old' })]), status: 'available' as const, statusReason: undefined };
    const events = decideDiscovery(before, { ok: true, catalog: catalog([tool('b', { description: 'new' }), tool('c')]) }, 'list-changed');
    expect(events).toEqual([{ type: 'GatewayCatalogChanged', data: expect.objectContaining({ tools: { added: ['c'], removed: ['a'], changed: ['b'] }, reason: 'list-changed' }) }]);
    expect(decideDiscovery(before, { ok: true, catalog: before.catalog }, 'poll')).toEqual([]);
    expect(decideDiscovery(before, { ok: false, reason: 'Downstream gateway endpoint not available: X' }, 'poll')).toEqual([
      { type: 'GatewayHealthChanged', data: { status: 'unavailable', reason: 'Downstream gateway endpoint not available: X' } },
    ]);
    // Unavailable and still unavailable for the same reason: nothing new to record.
    expect(decideDiscovery({ ...before, status: 'unavailable', statusReason: 'r' }, { ok: false, reason: 'r' }, 'poll')).toEqual([]);
  });
});
