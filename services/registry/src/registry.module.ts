import { Module } from '@nestjs/common';
import { serviceStatusProvider } from '@persona-gateway/platform';

@Module({ providers: [serviceStatusProvider('registry')] })
export class RegistryModule {}
