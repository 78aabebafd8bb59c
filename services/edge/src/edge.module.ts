import { Module } from '@nestjs/common';
import { serviceStatusProvider } from '@persona-gateway/platform';

@Module({ providers: [serviceStatusProvider('edge')] })
export class EdgeModule {}
