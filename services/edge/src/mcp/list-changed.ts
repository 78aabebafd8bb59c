import type { PersonaDirectory, PersonaView } from '@persona-gateway/catalog';
import { notificationMessage } from './json-rpc.js';
import type { StreamRegistry } from './stream-registry.js';

interface Lists {
  readonly tools: string;
  readonly resources: string;
  readonly prompts: string;
}

const LISTS = ['tools', 'resources', 'prompts'] as const;

/**
 * Turns persona changes into list_changed notifications on the GET streams of this
 * replica. Only the lists that actually changed are announced, so a client does not
 * refetch prompts because a tool was added; when the previous state is unknown, all
 * three are. A persona that disappears closes its streams: its clients' next request
 * gets the same 401 as a refused credential.
 */
export class ListChangeWatcher {
  // Only personas with a GET stream here are remembered: the rest have nobody to tell.
  private readonly known = new Map<string, Lists>();

  constructor(
    private readonly directory: PersonaDirectory,
    private readonly streams: StreamRegistry,
  ) {}

  start(): () => void {
    return this.directory.subscribe((slug) => this.changed(slug));
  }

  /** Remembers what a persona's clients have seen, when one of them opens a GET stream. */
  track(persona: PersonaView): void {
    if (!this.known.has(persona.slug)) this.known.set(persona.slug, listsOf(persona));
  }

  changed(slug: string): void {
    const view = this.directory.get(slug);
    const before = this.known.get(slug);
    if (!view) {
      this.known.delete(slug);
      this.streams.closePersona(slug);
      return;
    }
    if (!this.streams.hasStandalone(slug)) {
      this.known.delete(slug);
      return;
    }
    const after = listsOf(view);
    this.known.set(slug, after);
    for (const list of LISTS) {
      if (!before || before[list] !== after[list]) this.streams.notifyPersona(slug, notificationMessage(`notifications/${list}/list_changed`));
    }
  }
}

function listsOf(view: PersonaView): Lists {
  return {
    tools: view.toolsListJson,
    resources: JSON.stringify([view.resources, view.resourceTemplates]),
    prompts: JSON.stringify(view.prompts),
  };
}
