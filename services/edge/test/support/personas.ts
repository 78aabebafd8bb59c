import type { PersonaDirectory, PersonaView } from '@persona-gateway/catalog';
import type { McpPrompt, McpResource, McpResourceTemplate, McpTool, Principal } from '@persona-gateway/contracts';
import type { McpAuthenticator, McpAuthRequest } from '../../src/mcp/index.js';

export const DEMO_TOOLS: McpTool[] = [
  { name: 'Demo_echo', description: 'Echoes its arguments', inputSchema: { type: 'object', properties: { text: { type: 'string' } } } },
  { name: 'Demo_progress', description: 'Reports progress, then finishes', inputSchema: { type: 'object', properties: { steps: { type: 'number' }, delayMs: { type: 'number' } } } },
  { name: 'Demo_slow', description: 'Runs until cancelled', inputSchema: { type: 'object' }, annotations: { readOnlyHint: true } },
];

export function personaView(spec: {
  slug: string;
  name?: string;
  description?: string;
  tools?: McpTool[];
  resources?: McpResource[];
  resourceTemplates?: McpResourceTemplate[];
  prompts?: McpPrompt[];
  revision?: number;
}): PersonaView {
  const tools = spec.tools ?? DEMO_TOOLS;
  return {
    slug: spec.slug,
    name: spec.name ?? `Persona ${spec.slug}`,
    description: spec.description,
    open: false,
    tools,
    // As the projection does: serialised once per change, with a key order of its own.
    toolsListJson: JSON.stringify({ tools }),
    resources: spec.resources ?? [{ uri: 'demo://readme', name: 'Demo_readme', mimeType: 'text/plain' }],
    resourceTemplates: spec.resourceTemplates ?? [{ uriTemplate: 'demo://notes/{id}', name: 'Demo_note' }],
    prompts: spec.prompts ?? [{ name: 'Demo_greet', description: 'Says hello' }],
    revision: spec.revision ?? 1,
  };
}

/** A PersonaDirectory over views the test sets; setting one tells subscribers, as the projection does. */
export class StaticDirectory implements PersonaDirectory {
  private readonly views = new Map<string, PersonaView>();
  private readonly listeners = new Set<(slug: string) => void>();

  constructor(views: PersonaView[] = []) {
    for (const view of views) this.views.set(view.slug, view);
  }

  get(slug: string): PersonaView | undefined {
    return this.views.get(slug);
  }

  set(view: PersonaView): void {
    this.views.set(view.slug, view);
    for (const listener of this.listeners) listener(view.slug);
  }

  remove(slug: string): void {
    this.views.delete(slug);
    for (const listener of this.listeners) listener(slug);
  }

  subscribe(listener: (slug: string) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}

export const ALICE_TOKEN = 'alice-secret-token-0123456789';
export const BOB_TOKEN = 'bob-secret-token-9876543210';

/** Accepts fixed bearer tokens, one principal each (the real one checks API keys and OAuth tokens). */
export class TokenAuthenticator implements McpAuthenticator {
  readonly principals = new Map<string, Principal>([
    [ALICE_TOKEN, { id: 'user:alice', kind: 'user', label: 'Alice' }],
    [BOB_TOKEN, { id: 'user:bob', kind: 'user', label: 'Bob' }],
  ]);

  async authenticate({ headers }: McpAuthRequest): Promise<Principal | undefined> {
    const value = headers.authorization;
    const match = typeof value === 'string' ? /^Bearer (\S+)$/.exec(value) : null;
    return match ? this.principals.get(match[1]!) : undefined;
  }
}
