import 'reflect-metadata';
import { runServiceProcess } from '@persona-gateway/platform';
import { apiKeyUsageProjection } from './api-key-usage.projection.js';
import { AuthModule } from './auth.module.js';

await runServiceProcess({ name: 'auth', module: AuthModule, projections: [apiKeyUsageProjection] });
