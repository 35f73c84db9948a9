/**
 * Calls to the service with the signed-in token. The token lives in this tab's sessionStorage
 * only (gone when the tab closes) and is sent as `Authorization: Bearer` to this origin only;
 * no cookie is involved, so other sites cannot make the browser call the API on the user's behalf.
 */

const TOKEN = 'cohortlink.token';
const WHO = 'cohortlink.me';

export type Role = 'admin' | 'provider' | 'researcher' | 'reviewer';

export interface Me {
  readonly organisationId: string;
  readonly organisationName: string;
  readonly tokenId: string;
  readonly role: Role;
}

export interface Project {
  readonly id: string;
  readonly name: string;
  readonly createdAt: string;
}

export interface Dataset {
  readonly id: string;
  readonly name: string;
  readonly records: number;
  readonly createdAt: string;
}

export interface RunItem {
  readonly id: string;
  readonly state: 'queued' | 'running' | 'succeeded' | 'failed' | 'cancelled';
  readonly mode: string | null;
  readonly datasets: readonly string[];
  readonly createdAt: string;
  readonly startedAt: string | null;
  readonly finishedAt: string | null;
  readonly counts: { readonly links: number; readonly people: number } | null;
}

export interface AuditEntry {
  readonly seq: number;
  readonly at: string;
  readonly organisationId: string | null;
  readonly action: string;
  readonly target: string | null;
  readonly detail: Readonly<Record<string, unknown>>;
}

/** An error answer: the service's stable code and its message. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export const session = {
  token: (): string | null => sessionStorage.getItem(TOKEN),
  me(): Me | null {
    const raw = sessionStorage.getItem(WHO);
    return raw === null ? null : (JSON.parse(raw) as Me);
  },
  save(token: string, me: Me): void {
    sessionStorage.setItem(TOKEN, token);
    sessionStorage.setItem(WHO, JSON.stringify(me));
  },
  clear(): void {
    sessionStorage.removeItem(TOKEN);
    sessionStorage.removeItem(WHO);
  },
};

async function request(path: string, accept: string, token = session.token()): Promise<Response> {
  if (token === null) throw new ApiError(401, 'CL_UNAUTHENTICATED', 'Sign in first.');
  const res = await fetch(path, {
    headers: { authorization: `Bearer ${token}`, accept },
    cache: 'no-store',
    credentials: 'omit',
    redirect: 'error',
  });
  if (!res.ok) throw await errorOf(res);
  return res;
}

async function errorOf(res: Response): Promise<ApiError> {
  try {
    const body = (await res.json()) as { error?: { code?: string; message?: string } };
    return new ApiError(res.status, body.error?.code ?? 'CL_INTERNAL', body.error?.message ?? res.statusText);
  } catch {
    return new ApiError(res.status, 'CL_INTERNAL', `the service answered ${res.status}`);
  }
}

export async function getJson<T>(path: string): Promise<T> {
  return (await (await request(path, 'application/json')).json()) as T;
}

export async function getText(path: string): Promise<string> {
  return (await request(path, 'text/html')).text();
}

/** Checks a token before keeping it: who it belongs to. */
export async function whoAmI(token: string): Promise<Me> {
  return (await (await request('/me', 'application/json', token)).json()) as Me;
}

/** Reports are for reviewers and admins (the API refuses others with 403 anyway). */
export const readsReports = (me: Me | null): boolean => me?.role === 'reviewer' || me?.role === 'admin';

export const enc = encodeURIComponent;
