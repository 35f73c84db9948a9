/**
 * Every error cohortlink raises on purpose is declared here once, with a stable code, a
 * process exit code for the CLI and an HTTP status for the service. Messages name the row,
 * column or JSON path at fault and never carry identifier values or secrets.
 */

export interface ErrorSpec {
  readonly exitCode: number;
  readonly httpStatus: number;
  readonly summary: string;
}

export const ERROR_CODES = {
  CL_USAGE: { exitCode: 2, httpStatus: 400, summary: 'The command line or request is malformed.' },
  CL_SCHEMA_INVALID: { exitCode: 2, httpStatus: 400, summary: 'The linkage schema failed validation.' },
  CL_SECRET_MISSING: { exitCode: 2, httpStatus: 400, summary: 'No shared secret was supplied.' },
  CL_FILE_UNREADABLE: { exitCode: 2, httpStatus: 400, summary: 'An input file could not be read.' },
  CL_CSV_HEADER: { exitCode: 3, httpStatus: 400, summary: 'The CSV header does not match the schema.' },
  CL_CSV_MALFORMED: { exitCode: 3, httpStatus: 400, summary: 'A CSV row could not be parsed.' },
  CL_ROWS_REJECTED: { exitCode: 3, httpStatus: 422, summary: 'More rows were rejected than allowed.' },
  CL_OUTPUT_UNWRITABLE: { exitCode: 4, httpStatus: 500, summary: 'The output could not be written.' },
  CL_ENCODING_MISMATCH: {
    exitCode: 3,
    httpStatus: 409,
    summary: 'Two encodings were made with different schemas or secrets.',
  },
  CL_NDJSON_MALFORMED: { exitCode: 3, httpStatus: 400, summary: 'An NDJSON line could not be parsed.' },
  // 130 as for a shell job stopped by Ctrl-C; 499 is the "client closed request" status proxies log.
  CL_CANCELLED: { exitCode: 130, httpStatus: 499, summary: 'The run was cancelled before it finished.' },
  CL_INTERNAL: { exitCode: 70, httpStatus: 500, summary: 'An unexpected internal error.' },
  CL_UNAUTHENTICATED: { exitCode: 2, httpStatus: 401, summary: 'No valid bearer token was presented.' },
  CL_FORBIDDEN: {
    exitCode: 2,
    httpStatus: 403,
    summary: "The token's role or organisation may not do this.",
  },
  CL_NOT_FOUND: { exitCode: 2, httpStatus: 404, summary: 'The resource does not exist or is not visible.' },
  CL_CONFLICT: { exitCode: 3, httpStatus: 409, summary: 'The request conflicts with the current state.' },
  CL_PAYLOAD_TOO_LARGE: { exitCode: 3, httpStatus: 413, summary: 'The request body exceeds the limit.' },
  CL_UNSUPPORTED_MEDIA_TYPE: {
    exitCode: 2,
    httpStatus: 415,
    summary: 'The content type or content encoding is not accepted.',
  },
  CL_RATE_LIMITED: { exitCode: 3, httpStatus: 429, summary: 'Too many requests for this token.' },
  // 403, not 429: a spent budget does not refill with time, so "retry later" would be wrong;
  // governance raises it (docs/disclosure-control.md, "Query budget").
  CL_BUDGET_EXHAUSTED: {
    exitCode: 3,
    httpStatus: 403,
    summary: 'The organisation has used its feasibility query budget for this project.',
  },
  CL_NOT_READY: { exitCode: 4, httpStatus: 503, summary: 'The service is not ready.' },
  // Upload limits that bound what one request costs (docs/service-design.md, "Upload limits").
  CL_LINE_TOO_LONG: {
    exitCode: 3,
    httpStatus: 400,
    summary: 'A line of an upload is longer than the service accepts (maxLineBytes).',
  },
  CL_BLANK_LINES: {
    exitCode: 3,
    httpStatus: 400,
    summary: 'An upload holds more blank lines than the service accepts (maxBlankLines).',
  },
  CL_DECOMPRESSION_RATIO: {
    exitCode: 3,
    httpStatus: 413,
    summary: 'A gzip upload expands further than the service accepts (inflateRatio, inflateFloorBytes).',
  },
  CL_TIMEOUT: {
    exitCode: 3,
    httpStatus: 408,
    summary: 'The request was not received, or not processed, within its time budget.',
  },
  // Exit 6: the operator must fix the folder's permissions (or pass --allow-shared-data-dir).
  CL_DATA_DIR_SHARED: {
    exitCode: 6,
    httpStatus: 500,
    summary: 'The data folder or database is readable or writable by other users.',
  },
  CL_STORE_CORRUPT: {
    exitCode: 5,
    httpStatus: 500,
    summary: 'The store failed an integrity check (e.g. the audit chain).',
  },
} as const satisfies Record<string, ErrorSpec>;

export type ErrorCode = keyof typeof ERROR_CODES;

/** One problem inside a structured input: where it is (JSON path or row/column) and what is wrong. */
export interface Issue {
  readonly path: string;
  readonly message: string;
}

export class CohortlinkError extends Error {
  readonly code: ErrorCode;
  readonly issues: readonly Issue[];

  constructor(
    code: ErrorCode,
    message: string,
    issues: readonly Issue[] = [],
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'CohortlinkError';
    this.code = code;
    this.issues = issues;
  }

  get exitCode(): number {
    return ERROR_CODES[this.code].exitCode;
  }

  get httpStatus(): number {
    return ERROR_CODES[this.code].httpStatus;
  }

  /** Human-readable, multi-line: the message and then one line per issue. */
  describe(): string {
    if (this.issues.length === 0) return `${this.code}: ${this.message}`;
    const lines = this.issues.map((i) => `  - ${i.path}: ${i.message}`);
    return [`${this.code}: ${this.message}`, ...lines].join('\n');
  }
}

export function isCohortlinkError(e: unknown): e is CohortlinkError {
  return e instanceof CohortlinkError;
}

/** zod's issues as cohortlink issues, with JSON paths such as `$.fields[2].type`. (Structural
 * type: this module does not depend on zod.) */
export function issuesFromZod(err: {
  issues: readonly { path: readonly PropertyKey[]; message: string }[];
}): Issue[] {
  return err.issues.map((i) => ({
    path: `$${i.path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`)).join('')}`,
    message: i.message,
  }));
}
