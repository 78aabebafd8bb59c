import type { RegistryEventData, RegistryEventType } from '@persona-gateway/contracts';

export { GatewayError, type RequestOf, type SavePersonaV1 } from '@persona-gateway/contracts';

/** A registry event about to be appended. */
export type NewEventOf<T extends RegistryEventType = RegistryEventType> = T extends RegistryEventType ? { type: T; data: RegistryEventData<T> } : never;
