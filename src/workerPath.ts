import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/**
 * The compiled file of a Piscina entry point in `workers/`. Compiled code finds it beside
 * itself (dist/src → dist/workers); code run from TypeScript sources (the test runner) uses
 * the build in dist/, since worker threads load plain JavaScript.
 */
export function workerFile(name: string): string {
  const here = import.meta.url;
  const url = here.endsWith('.ts')
    ? new URL(`../dist/workers/${name}.js`, here)
    : new URL(`../workers/${name}.js`, here);
  const path = fileURLToPath(url);
  if (!existsSync(path)) throw new Error(`worker ${name} is not built (${path}); run npm run build`);
  return path;
}
