/**
 * The libinjection-equivalent detectors live in ../detect/ (their own module and tests). They are
 * loaded by name so the engine still loads (and says so) in a build where one is missing.
 */
export const missingDetectors: string[] = [];

export async function loadDetector<T>(file: string, exportName: string): Promise<T | undefined> {
  const spec = `../detect/${file}.js`;
  try {
    const mod = (await import(spec)) as Record<string, unknown>;
    const fn = mod[exportName];
    if (typeof fn === 'function') return fn as T;
  } catch {
    // fall through: reported by missingDetectors
  }
  missingDetectors.push(exportName);
  return undefined;
}
