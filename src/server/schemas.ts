/**
 * The zod schemas of the HTTP API's bodies and answers, shared by the routes (validation and
 * serialisation) and the OpenAPI document.
 */
import { z } from 'zod';
import { ERROR_CODES, type ErrorCode } from '../errors.js';
import { roleSchema } from '../store/tokens.js';

export const idSchema = z.uuid();

export const errorSchema = z
  .object({
    error: z.object({
      code: z.enum(Object.keys(ERROR_CODES) as [ErrorCode, ...ErrorCode[]]),
      message: z.string(),
      issues: z.array(z.object({ path: z.string(), message: z.string() })),
    }),
  })
  .describe('Every 4xx/5xx answer');

/** Declared on every route so the OpenAPI document shows the error body. */
export const errorResponses = { '4xx': errorSchema, '5xx': errorSchema } as const;

export const organisationSchema = z.object({ id: z.string(), name: z.string(), createdAt: z.string() });

export const tokenSchema = z.object({
  id: z.string(),
  organisationId: z.string(),
  role: roleSchema,
  label: z.string().nullable(),
  createdAt: z.string(),
  expiresAt: z.string().nullable(),
  revokedAt: z.string().nullable(),
});

export const projectSchema = z.object({
  id: z.string(),
  name: z.string(),
  createdAt: z.string(),
  encoding: z
    .object({ schemaFingerprint: z.string(), keyFingerprint: z.string(), filterBits: z.number().int() })
    .nullable(),
  members: z.array(z.string()).optional(),
});

/** Providers and admins see every field; researchers and reviewers see names and counts. */
export const datasetSchema = z.object({
  id: z.string(),
  projectId: z.string(),
  name: z.string(),
  records: z.number().int(),
  createdAt: z.string(),
  organisationId: z.string().optional(),
  uploadId: z.string().optional(),
  bytes: z.number().int().optional(),
});

export const auditEntrySchema = z.object({
  seq: z.number().int(),
  at: z.string(),
  organisationId: z.string().nullable(),
  tokenId: z.string().nullable(),
  projectId: z.string().nullable(),
  action: z.string(),
  target: z.string().nullable(),
  detail: z.record(z.string(), z.unknown()),
  prevHash: z.string(),
  hash: z.string(),
});

/** Dataset and project names: printable, no path separators, short. */
export const nameSchema = z
  .string()
  .min(1)
  .max(128)
  .regex(/^[A-Za-z0-9][A-Za-z0-9 ._()-]*$/, 'letters, digits, space and . _ ( ) - only');
