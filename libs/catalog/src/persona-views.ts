import { sameContent, type GatewayTransport, type McpPrompt, type McpResource, type McpResourceTemplate, type McpTool, type PersonaDetails, type RecordedEvent } from '@persona-gateway/contracts';
import { exposedName, templateMatches } from './naming.js';
import type { PersonaDirectory, PersonaView } from './persona-view.js';
import { REGISTRY_EVENTS, RegistryState } from './registry-projection.js';
import type { PersonaState } from './state.js';

export interface ToolRoute {
  readonly gateway: string;
  readonly tool: string;
  readonly transport: GatewayTransport;
}

interface Compiled {
  readonly view: PersonaView;
  readonly routes: ReadonlyMap<string, ToolRoute>;
  readonly details: PersonaDetails;
}

/**
 * The in-memory read model of the hot path: for each persona, the tool list its
 * endpoint serves and the route behind each exposed name. Recomputed only for the
 * personas an event touches; listeners hear of a persona only when what its clients
 * see actually changed.
 */
export class PersonaCatalog implements PersonaDirectory {
  readonly name = 'persona-catalog';
  readonly handles = REGISTRY_EVENTS;
  readonly state = new RegistryState();
  private readonly compiled = new Map<string, Compiled>();
  private readonly listeners = new Set<(slug: string) => void>();
  private revision = 0;

  apply(event: RecordedEvent): void {
    const touched = this.state.apply(event);
    if (touched.persona) this.recompute(touched.persona);
    if (touched.gateway) {
      for (const persona of this.state.personas.values()) {
        if (persona.selected.some((ref) => ref.gateway === touched.gateway)) this.recompute(persona.slug);
      }
    }
  }

  /** The persona as its endpoint serves it: deployed personas only. */
  get(slug: string): PersonaView | undefined {
    const persona = this.state.personas.get(slug);
    return persona?.deployed ? this.compiled.get(slug)?.view : undefined;
  }

  /** Admin view: every persona, deployed or not, with what is missing. */
  details(slug: string): PersonaDetails | undefined {
    return this.compiled.get(slug)?.details;
  }

  route(slug: string, exposed: string): ToolRoute | undefined {
    if (!this.get(slug)) return undefined;
    return this.compiled.get(slug)?.routes.get(exposed);
  }

  /** The gateway serving a resource URI of the persona (exact URI first, then templates). */
  resourceGateway(slug: string, uri: string): string | undefined {
    const persona = this.get(slug) ? this.state.personas.get(slug) : undefined;
    if (!persona) return undefined;
    const gateways = this.gatewaysOf(persona);
    return (
      gateways.find((g) => g.catalog.resources.some((r) => r.uri === uri))?.name ??
      gateways.find((g) => g.catalog.resourceTemplates.some((t) => templateMatches(t.uriTemplate, uri)))?.name
    );
  }

  /** The gateway and downstream name behind an exposed prompt name. */
  promptRoute(slug: string, exposed: string): { gateway: string; prompt: string } | undefined {
    const persona = this.get(slug) ? this.state.personas.get(slug) : undefined;
    if (!persona) return undefined;
    for (const gateway of this.gatewaysOf(persona)) {
      const prompt = gateway.catalog.prompts.find((p) => exposedName(gateway.name, p.name, persona.prefixMode) === exposed);
      if (prompt) return { gateway: gateway.name, prompt: prompt.name };
    }
    return undefined;
  }

  transportOf(gateway: string): GatewayTransport | undefined {
    return this.state.gateways.get(gateway)?.transport;
  }

  subscribe(listener: (slug: string) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Gateways with at least one selected tool: their resources and prompts join the persona. */
  private gatewaysOf(persona: PersonaState) {
    const names = [...new Set(persona.selected.map((ref) => ref.gateway))];
    return names.flatMap((name) => {
      const gateway = this.state.gateways.get(name);
      return gateway ? [gateway] : [];
    });
  }

  private recompute(slug: string): void {
    const persona = this.state.personas.get(slug);
    const before = this.compiled.get(slug);
    if (!persona) {
      if (before) {
        this.compiled.delete(slug);
        this.notify(slug);
      }
      return;
    }
    const tools: McpTool[] = [];
    const routes = new Map<string, ToolRoute>();
    const missing: PersonaDetails['missing'] = [];
    const exposed: PersonaDetails['exposed'] = [];
    for (const ref of persona.selected) {
      const gateway = this.state.gateways.get(ref.gateway);
      const tool = gateway?.catalog.tools.find((t) => t.name === ref.tool);
      if (!gateway || !tool) {
        missing.push(ref);
        continue;
      }
      const name = exposedName(gateway.name, tool.name, persona.prefixMode);
      tools.push({ ...tool, name });
      routes.set(name, { gateway: gateway.name, tool: tool.name, transport: gateway.transport });
      exposed.push({ name, gateway: gateway.name, tool: tool.name });
    }
    const gateways = this.gatewaysOf(persona);
    const resources: McpResource[] = gateways.flatMap((g) => g.catalog.resources);
    const resourceTemplates: McpResourceTemplate[] = gateways.flatMap((g) => g.catalog.resourceTemplates);
    const prompts: McpPrompt[] = gateways.flatMap((g) => g.catalog.prompts.map((p) => ({ ...p, name: exposedName(g.name, p.name, persona.prefixMode) })));
    const toolsListJson = JSON.stringify({ tools });
    const listsJson = JSON.stringify([resources, resourceTemplates, prompts]);
    const sameLists =
      before !== undefined &&
      before.view.toolsListJson === toolsListJson &&
      JSON.stringify([before.view.resources, before.view.resourceTemplates, before.view.prompts]) === listsJson &&
      before.view.name === persona.name &&
      before.view.description === persona.description;
    const unchanged = sameLists && before.view.open === persona.open && sameContent(before.view.auth, persona.auth);
    // An authentication change is not a list change: clients get no list_changed for it.
    const view: PersonaView = unchanged
      ? before.view
      : {
          slug,
          name: persona.name,
          description: persona.description,
          open: persona.open,
          auth: persona.auth,
          tools,
          toolsListJson,
          resources,
          resourceTemplates,
          prompts,
          revision: sameLists ? before.view.revision : ++this.revision,
        };
    const details: PersonaDetails = {
      slug,
      name: persona.name,
      description: persona.description,
      prefixMode: persona.prefixMode,
      open: persona.open,
      auth: persona.auth,
      deployed: persona.deployed,
      selected: persona.selected,
      exposed,
      missing,
      version: persona.version,
    };
    this.compiled.set(slug, { view, routes, details });
    if (!unchanged || before?.details.deployed !== persona.deployed) this.notify(slug);
  }

  private notify(slug: string): void {
    for (const listener of this.listeners) {
      try {
        listener(slug);
      } catch {
        // A listener's failure is its own; the read model stays consistent.
      }
    }
  }
}
