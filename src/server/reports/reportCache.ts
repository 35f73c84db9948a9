/**
 * Report models cached as JSON files in the data folder, so a report over a million records is
 * built once. A cached file is named by a digest of everything its report depends on (the
 * datasets of the project, attribute uploads, dataset names, the report format), so a change in
 * any of them is a new name: nothing is ever invalidated in place, and the superseded file is
 * removed when its successor is written. Files appear by rename from the data folder's tmp/,
 * so a reader never sees half a report; concurrent requests for the same report share one build.
 */
import { createHash } from 'node:crypto';
import { mkdir, open, readdir, readFile, rename, rm } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { canonicalJson } from '../../canonicalJson.js';
import { type DataFiles, DIR_MODE, FILE_MODE } from '../../store/files.js';

export interface CacheEntry {
  /** The folder the file lives in. */
  readonly dir: string;
  /** The report's kind, the first part of its file name (`report`, `quality`, `privacy`). */
  readonly prefix: string;
  /** What the report depends on; its digest completes the file name. */
  readonly dependsOn: unknown;
}

export function cacheFile(e: CacheEntry): string {
  const digest = createHash('sha256').update(canonicalJson(e.dependsOn)).digest('hex').slice(0, 24);
  return join(e.dir, `${e.prefix}-${digest}.json`);
}

export class ReportCache {
  private readonly building = new Map<string, Promise<string>>();

  constructor(private readonly files: DataFiles) {}

  /** The cached report's JSON text, or `build`'s, stored for next time. */
  async get(e: CacheEntry, build: () => Promise<string>): Promise<string> {
    const path = cacheFile(e);
    const cached = await readFile(path, 'utf8').catch(() => undefined);
    if (cached !== undefined) return cached;
    let pending = this.building.get(path);
    if (pending === undefined) {
      pending = this.buildAndStore(e, path, build).finally(() => this.building.delete(path));
      this.building.set(path, pending);
    }
    return pending;
  }

  private async buildAndStore(e: CacheEntry, path: string, build: () => Promise<string>): Promise<string> {
    const json = await build();
    await mkdir(e.dir, { recursive: true, mode: DIR_MODE });
    const temp = this.files.tempPath();
    try {
      const fh = await open(temp, 'w', FILE_MODE);
      try {
        await fh.writeFile(json);
        await fh.sync();
      } finally {
        await fh.close();
      }
      await rename(temp, path);
    } catch (err) {
      await rm(temp, { force: true });
      throw err;
    }
    // Superseded versions (another set of datasets, an older attribute upload) go.
    const name = basename(path);
    for (const other of await readdir(e.dir))
      if (other !== name && other.startsWith(`${e.prefix}-`) && other.endsWith('.json'))
        await rm(join(e.dir, other), { force: true });
    return json;
  }
}
