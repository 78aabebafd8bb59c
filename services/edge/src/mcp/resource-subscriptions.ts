/** Bounds: a client subscribing in a loop cannot grow the replica's memory without limit. */
const MAX_URIS_PER_SESSION = 1_000;
const MAX_SESSIONS = 100_000;

interface Subscriber {
  readonly persona: string;
  readonly principal: string;
  readonly uris: Set<string>;
}

/**
 * The resource URIs each client session subscribed to through this replica, in memory (see
 * the README). A downstream's notifications/resources/updated reaches every edge replica;
 * each sends it to its own subscribed sessions of that persona and principal.
 */
export class ResourceSubscriptions {
  private readonly sessions = new Map<string, Subscriber>();

  subscribe(session: string, persona: string, principal: string, uri: string): void {
    let subscriber = this.sessions.get(session);
    if (!subscriber) {
      if (this.sessions.size >= MAX_SESSIONS) this.sessions.delete(this.sessions.keys().next().value!);
      subscriber = { persona, principal, uris: new Set() };
      this.sessions.set(session, subscriber);
    }
    if (subscriber.uris.size < MAX_URIS_PER_SESSION) subscriber.uris.add(uri);
  }

  unsubscribe(session: string, uri: string): void {
    const subscriber = this.sessions.get(session);
    subscriber?.uris.delete(uri);
    if (subscriber?.uris.size === 0) this.sessions.delete(session);
  }

  /** Sessions of `persona` and `principal` subscribed to `uri`. */
  subscribers(persona: string, principal: string, uri: string): string[] {
    const found: string[] = [];
    for (const [session, subscriber] of this.sessions) {
      if (subscriber.persona === persona && subscriber.principal === principal && subscriber.uris.has(uri)) found.push(session);
    }
    return found;
  }

  forget(session: string): void {
    this.sessions.delete(session);
  }
}
