import { fileURLToPath } from 'node:url';
import path from 'node:path';

/** The checkout root. Compiled files live one level down (dist/src/...), so this holds for any outDir. */
export const repoRoot: string = fileURLToPath(new URL('../../', import.meta.url));

/** `../shared` beside the checkout (CRS rules, the regression corpus, the bench anchors); never copied in. */
export const sharedDir: string = process.env['MESHGUARD_SHARED'] ?? path.resolve(repoRoot, '..', 'shared');
