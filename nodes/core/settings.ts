/**
 * A config node setting given in seconds (a dialog field, so a string or a number), as ms;
 * undefined when it is empty or not a positive number, so the caller's default applies.
 */
export function secondsSetting(value: unknown): number | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  const n = Number(value);
  return Number.isFinite(n) && n > 0 ? n * 1000 : undefined;
}

/**
 * Why a cloud server URL from a dialog cannot be used, or undefined when it can. A `#` or `?`
 * would silently cut or change every path the client appends, and `user@` would send a name
 * (or a password) to the server outside the account's credentials: all are refused.
 */
export function serverUrlProblem(value: string, what: string): string | undefined {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return `The ${what} "${value}" is not a URL. Enter one like https://host:port in the account node.`;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    return `The ${what} must start with https:// (or http://). Fix it in the account node.`;
  }
  const problems: string[] = [];
  if (url.username || url.password || value.includes('@')) problems.push('a "user@" part');
  if (value.includes('?')) problems.push('a "?" query');
  if (value.includes('#')) problems.push('a "#" fragment');
  if (problems.length === 0) return undefined;
  return (
    `The ${what} has ${problems.join(' and ')}: a server URL is only scheme, host, port and ` +
    'path. Remove it in the account node; put user names and passwords in their own fields.'
  );
}
