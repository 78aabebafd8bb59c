import 'reflect-metadata';
import { runServiceProcess } from '@persona-gateway/platform';
import { RegistryModule } from './registry.module.js';

await runServiceProcess({ name: 'registry', module: RegistryModule });
