/**
 * Secrets must never reach a log line, a status or a msg. Every string that leaves the core
 * through an error passes here with the account's current secrets.
 */
const SECRET_PARAMS =
  /([?&](?:authcode|access_token|refresh_token|token|key|password|code|x-amz-signature|x-amz-credential|x-amz-security-token|hardware_id)=)[^&#\s"]+/gi;
/**
 * The same secrets as JSON fields or form values: a presigned URL's signature opens the picture
 * to anyone holding it; Blink's hardware_id identifies the trusted client.
 */
const SECRET_FIELDS =
  /(["']?(?:x-amz-signature|x-amz-credential|x-amz-security-token|hardware_id)["']?\s*[:=]\s*["']?)[^"'&,}\s]+/gi;
const AUTH_HEADER =
  /(authori[sz]ation|authentication)(["']?\s*[:=]\s*["']?)(Basic|Bearer)?\s*[^\s"',}]+/gi;

export function redact(text: string, secrets: readonly (string | undefined)[] = []): string {
  let out = text;
  for (const secret of secrets) {
    if (!secret || secret.length < 3) continue;
    out = out.split(secret).join('***');
    const encoded = encodeURIComponent(secret);
    if (encoded !== secret) out = out.split(encoded).join('***');
  }
  out = out.replace(SECRET_PARAMS, '$1***');
  out = out.replace(SECRET_FIELDS, '$1***');
  out = out.replace(AUTH_HEADER, (_m, name: string, sep: string, scheme?: string) =>
    scheme ? `${name}${sep}${scheme} ***` : `${name}${sep}***`,
  );
  return out;
}

/** A URL safe for logs: no userinfo, secret query parameters masked. */
export function redactUrl(url: string): string {
  return redact(url.replace(/\/\/[^/@\s]*@/, '//'));
}
