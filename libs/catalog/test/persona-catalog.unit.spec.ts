import { PersonaCatalog } from '@persona-gateway/catalog';
import type { RecordedEvent } from '@persona-gateway/contracts';

let position = 0;
const event = (streamId: string, type: string, data: unknown): RecordedEvent => ({
  position: ++position,
  streamId,
  version: position,
  type,
  data,
  metadata: {},
  recordedAt: new Date().toISOString(),
});
const tool = (name: string) => ({ name, description: `${name} tool`, inputSchema: { type: 'object' }, annotations: { readOnlyHint: true } });
const catalogOf = (tools: string[], prompts: string[] = []) => ({ tools: tools.map(tool), resources: [{ uri: 'file:///x', name: 'x' }], resourceTemplates: [], prompts: prompts.map((name) => ({ name })) });
const transport = { type: 'streamable-http', url: 'http://127.0.0.1:1/mcp', headers: {} };

describe('PersonaCatalog', () => {
  it('serves exactly the selected tools, prefixed, with downstream schemas and annotations, once deployed', () => {
    const catalog = new PersonaCatalog();
    const changes: string[] = [];
    catalog.subscribe((slug) => changes.push(slug));
    catalog.apply(event('gateway-Jira', 'GatewayRegistered', { name: 'Jira', transport }));
    catalog.apply(event('gateway-Jira', 'GatewayCatalogChanged', { catalog: catalogOf(['createIssue', 'search'], ['triage']), tools: { added: [], removed: [], changed: [] }, reason: 'registration' }));
    catalog.apply(event('persona-ops', 'PersonaCreated', { slug: 'ops', name: 'Ops', prefixMode: 'always', open: false }));
    catalog.apply(event('persona-ops', 'PersonaToolsSelected', { tools: [{ gateway: 'Jira', tool: 'createIssue' }] }));
    expect(catalog.get('ops')).toBeUndefined(); // not deployed yet
    catalog.apply(event('persona-ops', 'PersonaDeployed', {}));
    const view = catalog.get('ops')!;
    expect(view.tools).toEqual([{ ...tool('createIssue'), name: 'Jira_createIssue' }]);
    expect(JSON.parse(view.toolsListJson)).toEqual({ tools: view.tools });
    expect(view.prompts).toEqual([{ name: 'Jira_triage' }]);
    expect(catalog.route('ops', 'Jira_createIssue')).toMatchObject({ gateway: 'Jira', tool: 'createIssue' });
    expect(catalog.route('ops', 'Jira_search')).toBeUndefined(); // not selected: does not exist
    expect(catalog.promptRoute('ops', 'Jira_triage')).toEqual({ gateway: 'Jira', prompt: 'triage' });
    expect(catalog.resourceGateway('ops', 'file:///x')).toBe('Jira');
    expect(changes).toContain('ops');
  });

  it('keeps a selection across catalog refreshes, reports a vanished tool, and notifies only on visible change', () => {
    const catalog = new PersonaCatalog();
    catalog.apply(event('gateway-Jira', 'GatewayRegistered', { name: 'Jira', transport }));
    catalog.apply(event('gateway-Jira', 'GatewayCatalogChanged', { catalog: catalogOf(['createIssue', 'search']), tools: { added: [], removed: [], changed: [] }, reason: 'registration' }));
    catalog.apply(event('persona-ops', 'PersonaCreated', { slug: 'ops', name: 'Ops', prefixMode: 'always', open: false }));
    catalog.apply(event('persona-ops', 'PersonaToolsSelected', { tools: [{ gateway: 'Jira', tool: 'createIssue' }] }));
    catalog.apply(event('persona-ops', 'PersonaDeployed', {}));
    const revision = catalog.get('ops')!.revision;
    const changes: string[] = [];
    catalog.subscribe((slug) => changes.push(slug));

    // A tool the persona did not select appears downstream: its clients see no change.
    catalog.apply(event('gateway-Jira', 'GatewayCatalogChanged', { catalog: catalogOf(['createIssue', 'search', 'newTool']), tools: { added: ['newTool'], removed: [], changed: [] }, reason: 'list-changed' }));
    expect(catalog.get('ops')!.revision).toBe(revision);
    expect(changes).toEqual([]);

    // The selected tool disappears: not served, reported as missing, selection kept.
    catalog.apply(event('gateway-Jira', 'GatewayCatalogChanged', { catalog: catalogOf(['search']), tools: { added: [], removed: ['createIssue'], changed: [] }, reason: 'poll' }));
    expect(catalog.get('ops')!.tools).toEqual([]);
    expect(catalog.details('ops')!.missing).toEqual([{ gateway: 'Jira', tool: 'createIssue' }]);
    expect(changes).toEqual(['ops']);

    // It comes back: served again.
    catalog.apply(event('gateway-Jira', 'GatewayCatalogChanged', { catalog: catalogOf(['createIssue']), tools: { added: ['createIssue'], removed: [], changed: [] }, reason: 'poll' }));
    expect(catalog.get('ops')!.tools.map((t) => t.name)).toEqual(['Jira_createIssue']);
    catalog.apply(event('persona-ops', 'PersonaDeleted', {}));
    expect(catalog.get('ops')).toBeUndefined();
  });
});
