import type { PersonaView } from '@persona-gateway/catalog';
import { SERVER_CAPABILITIES } from './protocol.js';

/** The InitializeResult a persona answers with: it introduces itself as the persona, not as the gateway. */
export function initializeResult(persona: PersonaView, protocolVersion: string, serverVersion: string): string {
  const instructions = persona.description?.trim();
  return JSON.stringify({
    protocolVersion,
    capabilities: SERVER_CAPABILITIES,
    // `title` arrived in 2025-06-18; older clients ignore fields they do not know.
    serverInfo: { name: `persona-gateway/${persona.slug}`, title: persona.name, version: serverVersion },
    ...(instructions ? { instructions } : {}),
  });
}
