import { apiKeyUsageProjection } from '@persona-gateway/auth';
import { BUILT_IN_PROJECTIONS, type Projection } from '@persona-gateway/eventstore';

/** Every read model the deployment keeps: what `replay` rebuilds and embedded mode runs. */
export const ALL_PROJECTIONS: readonly Projection[] = [...BUILT_IN_PROJECTIONS, apiKeyUsageProjection];
