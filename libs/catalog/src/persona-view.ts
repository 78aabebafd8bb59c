import type { McpPrompt, PersonaAuth, McpResource, McpResourceTemplate, McpTool } from '@persona-gateway/contracts';

/**
 * A persona as its MCP endpoint serves it, kept in memory by a projection of the
 * registry's events: the hot path (tools/list, routing) reads nothing else.
 */
export interface PersonaView {
  readonly slug: string;
  readonly name: string;
  readonly description: string | undefined;
  /** Open personas need no authentication; only allowed while the gateway listens on loopback. */
  readonly open: boolean;
  /** Other ways in (API keys, passthrough headers and JWT settings); absent means none. */
  readonly auth?: PersonaAuth;
  /** Exactly what tools/list returns: selected tools, prefixed names, downstream schemas and annotations. */
  readonly tools: readonly McpTool[];
  /** `{"tools":[...]}` serialised once per change, so tools/list costs no serialisation. */
  readonly toolsListJson: string;
  readonly resources: readonly McpResource[];
  readonly resourceTemplates: readonly McpResourceTemplate[];
  readonly prompts: readonly McpPrompt[];
  /** Grows whenever the effective lists change (clients get list_changed). */
  readonly revision: number;
}

export interface PersonaDirectory {
  get(slug: string): PersonaView | undefined;
  /** Called with a persona's slug whenever its view changes (or it disappears). */
  subscribe(listener: (slug: string) => void): () => void;
}
