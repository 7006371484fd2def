/** `GET /`: the playground page. @module */
import { Hono } from "hono";
import type { EdgeEnv } from "../env";
import { PLAYGROUND_HTML } from "./playground-page";

export const playgroundRoutes = new Hono<EdgeEnv>().get("/", (c) => c.html(PLAYGROUND_HTML));
