import 'reflect-metadata';
import { runServiceProcess } from '@persona-gateway/platform';
import { EdgeModule } from './edge.module.js';

await runServiceProcess({ name: 'edge', module: EdgeModule });
