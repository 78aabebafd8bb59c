export { RegistryModule } from './registry.module.js';
export { RegistryService } from './registry.service.js';
