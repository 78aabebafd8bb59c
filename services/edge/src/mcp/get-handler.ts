import type { Admitted } from './admission.js';
import { refuse } from './errors.js';
import { accepts, emptyReply, header, streamReply, type McpHttpReply, type McpHttpRequest } from './http-exchange.js';
import type { ListChangeWatcher } from './list-changed.js';
import { parseEventId } from './outbound-stream.js';
import { LAST_EVENT_ID_HEADER, supportsPrimingEvents } from './protocol.js';
import type { SessionGate } from './session-gate.js';
import { MAX_STANDALONE_PER_SESSION, type StreamRegistry } from './stream-registry.js';

/**
 * GET: a stream for server-initiated messages (list_changed), or, with Last-Event-ID,
 * the resumption of a stream the client lost: what this replica still holds after that
 * id is replayed, then the stream goes on live unless it has ended.
 */
export class GetHandler {
  constructor(
    private readonly sessions: SessionGate,
    private readonly streams: StreamRegistry,
    private readonly watcher: ListChangeWatcher,
  ) {}

  async handle(request: McpHttpRequest, admitted: Admitted): Promise<McpHttpReply> {
    if (!accepts(header(request.headers, 'accept'), 'text/event-stream')) throw refuse.notAcceptable('text/event-stream');
    const session = this.sessions.require(request.headers, admitted);
    const version = this.sessions.protocolVersion(request.headers, session);

    const lastEventId = header(request.headers, LAST_EVENT_ID_HEADER);
    const cursor = lastEventId ? parseEventId(lastEventId) : undefined;
    const resumed = cursor ? this.streams.find(cursor.stream, session.key) : undefined;
    if (cursor && resumed) {
      // An ended stream with nothing left to send: 204 is how SSE says "do not reconnect".
      if (resumed.finished && !resumed.hasEventsAfter(cursor.seq)) return emptyReply(204);
      return streamReply((sink) => resumed.attach(sink, { after: cursor.seq }));
    }
    // Unknown here (another replica's, or aged out): nothing to replay, but a live stream is still useful.
    if (this.streams.liveStandaloneCount(session.key) >= MAX_STANDALONE_PER_SESSION) throw refuse.tooManyStreams();
    this.watcher.track(admitted.persona);
    const stream = this.streams.open({ persona: admitted.persona.slug, session: session.key }, 'standalone');
    return streamReply((sink) => stream.attach(sink, { prime: supportsPrimingEvents(version) }));
  }
}
