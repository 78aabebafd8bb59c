import { AuthModule } from '@persona-gateway/auth';
import { EdgeModule } from '@persona-gateway/edge';
import type { ServiceDefinition } from '@persona-gateway/platform';
import { RegistryModule } from '@persona-gateway/registry';
import { RouterModule } from '@persona-gateway/router';
import { SessionModule } from '@persona-gateway/session';

/** The composition root: the only place that knows every service. */
export const ALL_SERVICES: readonly ServiceDefinition[] = [
  { name: 'registry', module: RegistryModule },
  { name: 'auth', module: AuthModule },
  { name: 'session', module: SessionModule },
  { name: 'router', module: RouterModule },
  { name: 'edge', module: EdgeModule },
];
