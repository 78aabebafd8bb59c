import 'reflect-metadata';
import { runServiceProcess } from '@persona-gateway/platform';
import { SessionModule } from './session.module.js';

await runServiceProcess({ name: 'session', module: SessionModule });
