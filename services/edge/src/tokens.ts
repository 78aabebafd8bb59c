/** The edge's in-memory admin-token read model (an AdminTokens from @persona-gateway/access). */
export const ADMIN_TOKENS = Symbol('persona-gateway.edge.admin-tokens');
/** AdminTokenCheck: admin-token verification with catch-up on a miss. */
export const ADMIN_TOKEN_CHECK = Symbol('persona-gateway.edge.admin-token-check');
