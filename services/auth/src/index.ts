export { AuthModule } from './auth.module.js';
export { decideIssueApiKey, decideRevokeApiKey, EXPIRY_MS } from './api-key-decisions.js';
export { ApiKeyLedger } from './api-key-ledger.js';
export { ApiKeysService } from './api-keys.service.js';
export { apiKeyUsageProjection, lastUsedOf } from './api-key-usage.projection.js';
