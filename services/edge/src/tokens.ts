/** The edge's in-memory admin-token read model (an AdminTokens from @persona-gateway/access). */
export const ADMIN_TOKENS = Symbol('persona-gateway.edge.admin-tokens');
/** AdminTokenCheck: admin-token verification with catch-up on a miss. */
export const ADMIN_TOKEN_CHECK = Symbol('persona-gateway.edge.admin-token-check');
/** The edge's in-memory API-key read model (an ApiKeys from @persona-gateway/access). */
export const API_KEYS = Symbol('persona-gateway.edge.api-keys');
/** ApiKeyCheck: API-key verification with catch-up on an unknown id. */
export const API_KEY_CHECK = Symbol('persona-gateway.edge.api-key-check');
