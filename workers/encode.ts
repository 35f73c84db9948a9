import { workerData } from 'node:worker_threads';
import { Piscina } from 'piscina';
import { type ChunkContext, type ChunkResult, encodeChunk } from '../src/encoding/encodeChunk.js';
import { RecordEncoder } from '../src/encoding/recordEncoder.js';
import { compileSchema } from '../src/encoding/schema/load.js';

/**
 * Piscina entry point for `cohortlink encode`. The plan (keys, hashers and their token caches)
 * is built once per worker from workerData; each task is one chunk of CSV bytes.
 */
export interface EncodeWorkerData {
  readonly schema: unknown;
  readonly secret: Uint8Array;
  readonly header: readonly string[];
  readonly refIndex: number;
  readonly trim: boolean;
}

const data = workerData as EncodeWorkerData;
const plan = compileSchema(data.schema, data.secret);
const ctx: ChunkContext = {
  encoder: new RecordEncoder(plan, data.header),
  columns: plan.fields.map((f) => f.column),
  headerLength: data.header.length,
  refIndex: data.refIndex,
  trim: data.trim,
};

export default function encodeTask(task: { bytes: Uint8Array }): unknown {
  const result: ChunkResult = encodeChunk(ctx, task.bytes);
  // Hand the NDJSON bytes and references over without a copy: Piscina transfers what the
  // wrapper lists (each is a view over its own buffer, made for this chunk).
  const transfer = [result.ndjson.buffer, result.refUnits.buffer, result.refEnds.buffer];
  const movable = { [Piscina.transferableSymbol]: transfer, [Piscina.valueSymbol]: result };
  return Piscina.move(movable as unknown as Parameters<typeof Piscina.move>[0]);
}
