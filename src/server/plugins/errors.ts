/**
 * One error body for every 4xx/5xx: `{ error: { code, message, issues } }`. Typed errors keep
 * their code and status; Fastify's own (validation, body size, media type) are mapped to
 * cohortlink codes; anything else is logged with its stack and answered as CL_INTERNAL with
 * the request id only, so no stack trace or internal detail leaves the server.
 */
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';
import { CohortlinkError, type ErrorCode, type Issue, isCohortlinkError } from '../../errors.js';

export interface ErrorBody {
  readonly error: { readonly code: ErrorCode; readonly message: string; readonly issues: readonly Issue[] };
}

export function errorBody(e: CohortlinkError): ErrorBody {
  return { error: { code: e.code, message: e.message, issues: e.issues } };
}

/** Fastify error codes with a cohortlink equivalent. */
const FASTIFY_CODES: Readonly<Record<string, ErrorCode>> = {
  FST_ERR_CTP_BODY_TOO_LARGE: 'CL_PAYLOAD_TOO_LARGE',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'CL_UNSUPPORTED_MEDIA_TYPE',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'CL_USAGE',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'CL_USAGE',
  FST_ERR_CTP_INVALID_JSON_BODY: 'CL_USAGE',
};

export function toCohortlinkError(err: unknown): CohortlinkError | undefined {
  if (isCohortlinkError(err)) return err;
  if (hasZodFastifySchemaValidationErrors(err)) {
    const where = (err as { validationContext?: string }).validationContext ?? 'request';
    const issues = err.validation.map((v) => ({
      // instancePath is "/a/b", or "/" (or "") for the whole body/query.
      path: [`$.${where}`, ...v.instancePath.split('/').filter((p) => p !== '')].join('.'),
      message: v.message ?? 'is invalid',
    }));
    return new CohortlinkError('CL_USAGE', `the request ${where} is invalid`, issues);
  }
  const fe = err as Partial<FastifyError>;
  if (typeof fe.code === 'string' && fe.code in FASTIFY_CODES)
    return new CohortlinkError(FASTIFY_CODES[fe.code]!, fe.message ?? fe.code);
  if (typeof fe.statusCode === 'number' && fe.statusCode >= 400 && fe.statusCode < 500)
    return new CohortlinkError('CL_USAGE', fe.message ?? 'bad request');
  return undefined;
}

export function registerErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler((err: unknown, req: FastifyRequest, reply: FastifyReply) => {
    const known = toCohortlinkError(err);
    if (known !== undefined) {
      // A non-cohortlink 4xx keeps its own status (e.g. 405); everything else uses the code's.
      const fe = err as Partial<FastifyError>;
      const status =
        !isCohortlinkError(err) && known.code === 'CL_USAGE' && typeof fe.statusCode === 'number'
          ? fe.statusCode
          : known.httpStatus;
      if (status >= 500) req.log.error({ err }, 'request failed');
      else req.log.info({ code: known.code }, 'request refused');
      return reply.status(status).send(errorBody(known));
    }
    req.log.error({ err }, 'unexpected error');
    return reply
      .status(500)
      .send(errorBody(new CohortlinkError('CL_INTERNAL', `internal error (request ${String(req.id)})`)));
  });
  app.setNotFoundHandler((req, reply) =>
    reply
      .status(404)
      .send(
        errorBody(new CohortlinkError('CL_NOT_FOUND', `no route ${req.method} ${req.url.split('?')[0]}`)),
      ),
  );
}
