// Nest's NATS client and server log every connection close; in tests only errors matter.
import { Logger } from '@nestjs/common';

Logger.overrideLogger(['error', 'fatal']);
