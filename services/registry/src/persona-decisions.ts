import { checkExposedNames, type GatewayState, type PersonaState } from '@persona-gateway/catalog';
import { sameContent } from '@persona-gateway/contracts';
import { checkPassthrough } from './passthrough-checks.js';
import { GatewayError, type NewEventOf, type RequestOf, type SavePersonaV1 } from './types.js';

type SavePersona = Omit<RequestOf<typeof SavePersonaV1>, 'actor'>;

/**
 * Decides the events that bring a persona to the desired state. Pure: no I/O. Refuses
 * (with every offending name) selections of unknown tools and names that would break
 * the MCP name rules or collide after prefixing, and unusable passthrough settings.
 * No change -> no events.
 */
export function decideSavePersona(desired: SavePersona, current: PersonaState | undefined, gateways: ReadonlyMap<string, GatewayState>): NewEventOf[] {
  const unknownGateways = [...new Set(desired.tools.map((ref) => ref.gateway).filter((name) => !gateways.has(name)))];
  if (unknownGateways.length > 0) throw new GatewayError('INVALID_ARGUMENT', `Unknown gateway: ${unknownGateways.join(', ')}`);
  const unknownTools = desired.tools.filter((ref) => !gateways.get(ref.gateway)!.catalog.tools.some((tool) => tool.name === ref.tool));
  if (unknownTools.length > 0) {
    throw new GatewayError('INVALID_ARGUMENT', `Unknown tool: ${unknownTools.map((ref) => `${ref.gateway}/${ref.tool}`).join(', ')}`);
  }
  const duplicates = desired.tools.filter((ref, i) => desired.tools.findIndex((other) => other.gateway === ref.gateway && other.tool === ref.tool) !== i);
  if (duplicates.length > 0) throw new GatewayError('INVALID_ARGUMENT', `Tool selected twice: ${duplicates.map((ref) => `${ref.gateway}/${ref.tool}`).join(', ')}`);
  const names = checkExposedNames(desired.tools, desired.prefixMode);
  if (names.collisions.length > 0) {
    const hint = desired.prefixMode === 'never' ? ' (prefix mode "never" is only allowed when no names collide)' : '';
    throw new GatewayError('INVALID_ARGUMENT', `Tool names would collide: ${names.collisions.join(', ')}${hint}`);
  }
  if (names.invalid.length > 0) {
    throw new GatewayError('INVALID_ARGUMENT', `Tool names must match ^[a-zA-Z0-9_-]{1,64}$ after prefixing: ${names.invalid.join(', ')}`);
  }

  checkPassthrough(desired.auth);

  const events: NewEventOf[] = [];
  const fields = { name: desired.name, description: desired.description, prefixMode: desired.prefixMode, open: desired.open, auth: desired.auth };
  if (!current) {
    events.push({ type: 'PersonaCreated', data: { slug: desired.slug, ...fields } });
    if (desired.tools.length > 0) events.push({ type: 'PersonaToolsSelected', data: { tools: desired.tools } });
  } else {
    const before = { name: current.name, description: current.description, prefixMode: current.prefixMode, open: current.open, auth: current.auth };
    if (!sameContent(before, fields)) events.push({ type: 'PersonaChanged', data: fields });
    if (!sameContent(current.selected, desired.tools)) events.push({ type: 'PersonaToolsSelected', data: { tools: desired.tools } });
  }
  if (desired.deploy && !current?.deployed) events.push({ type: 'PersonaDeployed', data: {} });
  return events;
}
