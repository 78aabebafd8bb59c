/**
 * The persona MCP endpoint, `/personas/:slug/mcp` (Streamable HTTP). Wire it into the
 * edge with the PersonaDirectory and an McpAuthenticator; BUS, SECRETS, CONFIG and
 * INSTANCE come from the platform's global module:
 *
 *   McpEndpointModule.forRoot({
 *     directory: { useExisting: PERSONA_CATALOG },
 *     authenticator: { useClass: EdgeAuthenticator },
 *     imports: [],   // modules the two providers need, if any
 *   })
 *
 * Each of `directory` and `authenticator` is a Nest provider without `provide` (useValue,
 * useClass, useFactory + inject, or useExisting): the module binds it to PERSONA_DIRECTORY
 * and MCP_AUTHENTICATOR. The app's HTTP server must come from the platform's
 * createHttpAdapter, whose RawHttpRoutes (RAW_HTTP_ROUTES) the module claims its path on.
 */
export { McpEndpointModule, type McpEndpointModuleOptions, type ProviderSpec } from './mcp-endpoint.module.js';
export { MCP_AUTHENTICATOR, PERSONA_DIRECTORY, type Authenticated, type McpAuthRequest, type McpAuthenticator } from './tokens.js';
export { McpSessionTerminatedV1 } from './session-terminated.contract.js';
export { LATEST_PROTOCOL_VERSION, SUPPORTED_PROTOCOL_VERSIONS } from './protocol.js';
