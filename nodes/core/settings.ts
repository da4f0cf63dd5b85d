/**
 * A config node setting given in seconds (a dialog field, so a string or a number), as ms;
 * undefined when it is empty or not a positive number, so the caller's default applies.
 */
export function secondsSetting(value: unknown): number | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  const n = Number(value);
  return Number.isFinite(n) && n > 0 ? n * 1000 : undefined;
}
