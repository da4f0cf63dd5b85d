import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
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

/**
 * Replies to the editor's dialogs in the editor's language. The editor names it in
 * Accept-Language (resources/camhub-editor.js); the runtime's own i18n answers in the runtime's
 * language only, so the shared catalog is read here, beside this file as the package ships it.
 */
const LOCALES =
  [
    path.join(__dirname, '..', 'locales'), // dist/nodes/locales, where Node-RED reads them
    path.join(__dirname, '..', '..', 'locales'), // the sources (tests run them with tsx)
  ].find((dir) => existsSync(path.join(dir, 'en-US'))) ?? path.join(__dirname, '..', 'locales');
const catalogs = new Map<string, Record<string, unknown> | undefined>();

function catalog(lang: string): Record<string, unknown> | undefined {
  if (!catalogs.has(lang)) {
    let json: Record<string, unknown> | undefined;
    try {
      json = JSON.parse(
        readFileSync(path.join(LOCALES, lang, 'camhub-event.json'), 'utf8'),
      ) as Record<string, unknown>;
    } catch {
      json = undefined;
    }
    catalogs.set(lang, json);
  }
  return catalogs.get(lang);
}

/** The first language of an Accept-Language header this package has a catalog for. */
export function requestLanguage(header: unknown): string {
  if (typeof header !== 'string') return 'en-US';
  for (const part of header.split(',')) {
    const tag = part.split(';')[0].trim();
    if (!/^[a-z]{2,3}(-[A-Za-z0-9]{2,8})?$/i.test(tag)) continue;
    if (/^en\b/i.test(tag)) return 'en-US';
    for (const lang of [tag, tag.split('-')[0]]) if (catalog(lang)) return lang;
  }
  return 'en-US';
}

/** A string of the shared catalog in `lang`, falling back to English, then to the key. */
export function localized(
  lang: string,
  key: string,
  params: Record<string, string | number> = {},
): string {
  for (const l of [lang, 'en-US']) {
    let v: unknown = catalog(l);
    for (const k of key.split('.'))
      v = v && typeof v === 'object' ? (v as Record<string, unknown>)[k] : undefined;
    if (typeof v === 'string')
      return v.replace(/__(\w+)__/g, (m, p: string) => String(params[p] ?? m));
  }
  return key;
}
