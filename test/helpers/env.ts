/**
 * Sets environment variables for a test block and returns the function that puts the previous
 * values back (deleting those that were unset), for the `after` hook.
 */
export function setEnv(vars: Record<string, string>): () => void {
  const saved = Object.keys(vars).map((k) => [k, process.env[k]] as const);
  Object.assign(process.env, vars);
  return () => {
    for (const [k, v] of saved) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  };
}
