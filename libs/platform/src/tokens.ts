/** Injection tokens for what the runtime provides to every service module. */
export const RUNTIME = Symbol('persona-gateway.runtime');
export const BUS = Symbol('persona-gateway.bus');
export const EVENT_STORE = Symbol('persona-gateway.event-store');
export const DATA_SOURCE = Symbol('persona-gateway.data-source');
export const CONFIG = Symbol('persona-gateway.config');
export const INSTANCE = Symbol('persona-gateway.instance');
export const SECRETS = Symbol('persona-gateway.secrets');
export const FOLLOWER = Symbol('persona-gateway.follower');
/** Paths the HTTP server answers ahead of Fastify (RawHttpRoutes). */
export const RAW_HTTP_ROUTES = Symbol('persona-gateway.raw-http-routes');
/** The process's one PersonaCatalog (persona views and routes), shared by the services it runs. */
export const PERSONA_CATALOG = Symbol('persona-gateway.persona-catalog');
