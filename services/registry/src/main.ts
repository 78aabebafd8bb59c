import 'reflect-metadata';
import { BUILT_IN_PROJECTIONS } from '@persona-gateway/eventstore';
import { runServiceProcess } from '@persona-gateway/platform';
import { RegistryModule } from './registry.module.js';

await runServiceProcess({ name: 'registry', module: RegistryModule, projections: BUILT_IN_PROJECTIONS });
