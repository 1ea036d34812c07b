/**
 * What the npm build takes from npm undici (scripts/node_transport.ts): its
 * fetch and two dispatchers, bundled into `lib/undici.cjs`. Its modules are
 * imported one by one, not through undici's index, which would bring its
 * WebSocket, EventSource, cache and mocks too, four times the code.
 *
 * @module
 */

import type undiciTypes from "undici";
// @ts-ignore: undici ships no types for its modules; they are undici's own.
import { fetch as fetchImpl } from "undici/lib/web/fetch/index.js";
// @ts-ignore: see above.
import AgentImpl from "undici/lib/dispatcher/agent.js";
// @ts-ignore: see above.
import ProxyAgentImpl from "undici/lib/dispatcher/proxy-agent.js";
// @ts-ignore: see above.
import api from "undici/lib/api/index.js";
// @ts-ignore: see above.
import Dispatcher from "undici/lib/dispatcher/dispatcher.js";

// As undici's index does: ProxyAgent tunnels with the `connect` of its pool.
Object.assign(Dispatcher.prototype, api);

/** undici's fetch. */
export const fetch: typeof undiciTypes.fetch = fetchImpl;
/** undici's Agent. */
export const Agent: typeof undiciTypes.Agent = AgentImpl;
/** undici's ProxyAgent. */
export const ProxyAgent: typeof undiciTypes.ProxyAgent = ProxyAgentImpl;
