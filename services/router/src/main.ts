import 'reflect-metadata';
import { runServiceProcess } from '@persona-gateway/platform';
import { RouterModule } from './router.module.js';

await runServiceProcess({ name: 'router', module: RouterModule });
