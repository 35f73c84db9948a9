/**
 * One error body for every 4xx/5xx: `{ error: { code, message, issues } }`. Typed errors keep
 * their code and status; Fastify's own (validation, body size, media type) are mapped to
 * cohortlink codes; anything else is logged with its stack and answered as CL_INTERNAL with
 * the request id only, so no stack trace or internal detail leaves the server. Paths of the
 * data folder and database are redacted from every message (redactPaths.ts). Errors raised
 * before routing (a malformed URL, a path segment over 100 characters) and by Node's HTTP
 * parser (headers over 16 KiB, a request timeout) get the same body, never echoing the URL.
 */
import type { Socket } from 'node:net';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';
import { CohortlinkError, type ErrorCode, type Issue, isCohortlinkError } from '../../errors.js';
import { pathRedactor } from '../redactPaths.js';

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

/** The same error with server paths redacted from its message and issues. */
function redacted(e: CohortlinkError, redact: (text: string) => string): CohortlinkError {
  const message = redact(e.message);
  const issues = e.issues.map((i) => ({ path: redact(i.path), message: redact(i.message) }));
  const changed =
    message !== e.message ||
    issues.some((i, n) => i.path !== e.issues[n]!.path || i.message !== e.issues[n]!.message);
  return changed ? new CohortlinkError(e.code, message, issues) : e;
}

/**
 * Fastify's `frameworkErrors`: errors of the router before any route runs. Fastify's default
 * answer quotes the URL (`'/runs/%E0%A4%A' is not a valid url component`).
 */
export function frameworkErrors(err: FastifyError, req: FastifyRequest, reply: FastifyReply): void {
  const e =
    err.code === 'FST_ERR_MAX_PARAM_LENGTH'
      ? new CohortlinkError('CL_USAGE', 'a segment of the URL path is longer than 100 characters')
      : err.code === 'FST_ERR_BAD_URL'
        ? new CohortlinkError('CL_USAGE', 'the URL path is not valid percent-encoding')
        : new CohortlinkError('CL_INTERNAL', `internal error (request ${String(req.id)})`);
  const status = e.code === 'CL_INTERNAL' ? 500 : (err.statusCode ?? 400);
  req.log.info({ code: e.code, fastify: err.code }, 'request refused');
  void reply.status(status).header('x-request-id', req.id).send(errorBody(e));
}

/** Node's parser errors, answered on the raw socket (there is no request yet). */
const CLIENT_ERRORS: Readonly<Record<string, readonly [number, string, CohortlinkError]>> = {
  ERR_HTTP_REQUEST_TIMEOUT: [
    408,
    'Request Timeout',
    new CohortlinkError('CL_TIMEOUT', 'the request did not arrive within the request timeout'),
  ],
  HPE_HEADER_OVERFLOW: [
    431,
    'Request Header Fields Too Large',
    new CohortlinkError('CL_USAGE', 'the request line and headers are longer than 16 KiB'),
  ],
};
const BAD_REQUEST = [
  400,
  'Bad Request',
  new CohortlinkError('CL_USAGE', 'the request is not valid HTTP'),
] as const;

/** Fastify's `clientErrorHandler`, as its default but with the service's error body. */
export function clientErrorHandler(this: FastifyInstance, err: NodeJS.ErrnoException, socket: Socket): void {
  if (err.code === 'ECONNRESET' || socket.destroyed) return;
  const [status, reason, e] = CLIENT_ERRORS[err.code ?? ''] ?? BAD_REQUEST;
  const body = JSON.stringify(errorBody(e));
  this.log.debug({ code: e.code, parser: err.code }, 'client error');
  if (socket.writable)
    socket.write(
      `HTTP/1.1 ${status} ${reason}\r\nContent-Length: ${Buffer.byteLength(body)}\r\n` +
        `Content-Type: application/json; charset=utf-8\r\nConnection: close\r\n\r\n${body}`,
    );
  socket.destroy(err);
}

/**
 * `roots`: the data folder and the database file, whose paths never leave in an answer.
 */
export function registerErrorHandling(app: FastifyInstance, roots: readonly string[] = []): void {
  const redact = pathRedactor(roots);
  app.setErrorHandler((err: unknown, req: FastifyRequest, reply: FastifyReply) => {
    const typed = toCohortlinkError(err);
    const known = typed === undefined ? undefined : redacted(typed, redact);
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
