import { Agent as HttpAgent } from "node:http";
import { Agent as HttpsAgent } from "node:https";

export interface KeepAliveAgents {
  http: HttpAgent;
  https: HttpsAgent;
}

/**
 * Agents that keep connections alive and let an idle one go after `idleMs`, or a second
 * before the other side's announced keep-alive timeout (`Keep-Alive: timeout=5`) when that is
 * sooner. Node applies the hint only to an agent with a timeout of its own: without one it
 * keeps an idle connection until the other side closes it, and a request sent just then is
 * reset after it left. `idleMs` is also each connection's inactivity timeout (a request's own
 * `timeout` overrides it while it runs).
 */
export function keepAliveAgents(maxSockets: number, idleMs: number): KeepAliveAgents {
  const connections = { keepAlive: true, maxSockets, timeout: idleMs };
  return { http: new HttpAgent(connections), https: new HttpsAgent(connections) };
}
