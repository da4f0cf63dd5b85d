import { helper } from './nodered';

/** The Node-RED log lines a node type wrote so far (the test helper spies on the log). */
export function accountLog(type: string, pattern: RegExp): string[] {
  return helper
    .log()
    .args.map((a: unknown[]) => a[0] as { type?: string; msg: unknown })
    .filter((e) => e.type === type && pattern.test(String(e.msg)))
    .map((e) => String(e.msg));
}
