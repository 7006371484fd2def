/**
 * Serves a handler at a route definition's method and path and adds the definition to the
 * app's OpenAPI registry, so the document lists exactly what is routed.
 *
 * Unlike `OpenAPIHono#openapi`, this adds no validators: the handlers validate with the
 * contracts themselves and answer OpenAI's envelope (`unknown_parameter`, `unsupported_parameter`,
 * …), which zod-openapi's validators (and their 415 media-type gate) would replace.
 *
 * @example
 * const routes = new OpenAPIHono<EdgeEnv>();
 * documentedRoute(routes, createRoute({ method: "get", path: "/{id}", … }), (c) => …);
 *
 * @module
 */
import type { OpenAPIHono, RouteConfig } from "@hono/zod-openapi";
import type { Env, Handler } from "hono";

/** `/keys/{id}` → `/keys/:id`, as Hono routes it. */
type RoutingPath<P extends string> = P extends `${infer Start}/{${infer Param}}${infer Rest}`
  ? `${Start}/:${Param}${RoutingPath<Rest>}`
  : P;

export function documentedRoute<E extends Env, R extends RouteConfig>(
  app: OpenAPIHono<E>,
  route: R,
  handler: Handler<E, RoutingPath<R["path"]>>,
): OpenAPIHono<E> {
  app.openAPIRegistry.registerPath(route);
  app.on(route.method.toUpperCase(), route.path.replaceAll(/\/{(.+?)}/g, "/:$1"), handler);
  return app;
}
