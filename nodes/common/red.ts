import type { Node, NodeAPI } from 'node-red';
import type { Logger } from '../core/log';

/** Shared runtime strings live in one catalog; every node set's RED._ can reach it by name. */
export const COMMON_NS = 'node-red-contrib-camhub/camhub-event';

export function t(RED: NodeAPI, key: string, params?: Record<string, string | number>): string {
  const full = key.includes(':') ? key : `${COMMON_NS}:${key}`;
  const out = RED._(full, params);
  // The test runtime's RED._ returns the key; show the key without its namespace then.
  return out === full ? key : out;
}

export function nodeLogger(node: Node): Logger {
  return {
    debug: (m) => node.debug(m),
    info: (m) => node.log(m),
    warn: (m) => node.warn(m),
    error: (m) => node.error(m),
  };
}

export function clock(time: number | Date = Date.now()): string {
  const d = new Date(time);
  return d.toTimeString().slice(0, 8);
}
