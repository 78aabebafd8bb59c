import 'reflect-metadata';
import { runServiceProcess } from '@persona-gateway/platform';
import { AuthModule } from './auth.module.js';

await runServiceProcess({ name: 'auth', module: AuthModule });
