import { z } from 'zod';
import { defineRequest } from './contract.js';

export const SERVICE_NAMES = ['edge', 'registry', 'auth', 'session', 'router'] as const;
export type ServiceName = (typeof SERVICE_NAMES)[number];

const ServiceStatus = z.object({
  service: z.enum(SERVICE_NAMES),
  instanceId: z.string(),
  startedAt: z.iso.datetime(),
  version: z.string(),
});
export type ServiceStatus = z.infer<typeof ServiceStatus>;

function statusContract(service: ServiceName) {
  return defineRequest({ subject: `system.status.${service}.v1`, request: z.object({}), response: ServiceStatus });
}

/** Each service answers its own status request; the subject names the service. */
export const ServiceStatusV1 = {
  edge: statusContract('edge'),
  registry: statusContract('registry'),
  auth: statusContract('auth'),
  session: statusContract('session'),
  router: statusContract('router'),
} as const satisfies Record<ServiceName, unknown>;
