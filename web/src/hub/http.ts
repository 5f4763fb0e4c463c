/**
 * Requests to the Hub: the access token sent to the Hub's origin only,
 * redirects followed (to the CDN for large files, relative ones for small
 * files and renamed repositories), 429 and 5xx retried with bounded backoff,
 * and error answers turned into HubErrors named from the Hub's X-Error-Code
 * (huggingface_hub's utils/_http.py hf_raise_for_status reads the same headers).
 */
import { HubError, NetworkError, type HubErrorReason } from '../errors.js';
import { isAbort, isNode, messageOf } from '../platform.js';

/** What a request is for, so that its errors can name it. */
export interface HubTarget {
  id: string;
  revision: string;
  /** The repository file, for resolve requests. */
  file?: string;
}

export interface HubRequestOptions {
  method?: 'GET' | 'HEAD';
  /** Ask for the bytes from this offset on (a resumed download). */
  rangeStart?: number;
  token?: string | undefined;
  /** The only origin the token is sent to: the Hub's (env.remoteHost). */
  tokenOrigin: string;
  signal?: AbortSignal | undefined;
}

/** Attempts for a 429 or 5xx answer, and for a request that could not connect. */
export const MAX_ATTEMPTS = 4;
const BACKOFF_MS = 400;
const MAX_RETRY_AFTER_MS = 20_000;
const MAX_REDIRECTS = 10;

const RETRIED_STATUS = new Set([429, 500, 502, 503, 504]);

/** Waits `ms`, or rejects when the signal aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    signal?.throwIfAborted();
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** The wait before attempt `attempt` + 1: the server's Retry-After if it gave one (bounded), else exponential. */
export function backoffMs(attempt: number, retryAfter?: string | null): number {
  const seconds = retryAfter === null || retryAfter === undefined ? NaN : Number(retryAfter);
  if (Number.isFinite(seconds) && seconds >= 0) return Math.min(seconds * 1000, MAX_RETRY_AFTER_MS);
  return BACKOFF_MS * 2 ** attempt;
}

/**
 * A successful (2xx) answer to `url`, after redirects and retries; anything
 * else is a HubError (or a NetworkError when no connection could be made).
 */
export async function hubFetch(url: string, target: HubTarget, options: HubRequestOptions): Promise<Response> {
  for (let attempt = 0; ; attempt++) {
    let response: Response;
    try {
      response = await fetchFollowingRedirects(url, options);
    } catch (e) {
      if (isAbort(e) || e instanceof HubError) throw e;
      if (attempt + 1 >= MAX_ATTEMPTS) {
        throw new NetworkError(`could not reach ${new URL(url).origin} for ${describe(target)}: ${causeOf(e)}`, { cause: e });
      }
      await sleep(backoffMs(attempt), options.signal);
      continue;
    }
    if (response.ok) return response;
    if (RETRIED_STATUS.has(response.status) && attempt + 1 < MAX_ATTEMPTS) {
      await response.body?.cancel().catch(() => {});
      await sleep(backoffMs(attempt, response.headers.get('Retry-After')), options.signal);
      continue;
    }
    throw await hubError(response, target, attempt + 1);
  }
}

/**
 * fetch() with the token on the Hub's origin only. Node.js follows the
 * redirects here, to drop the token before leaving the Hub's origin; a
 * browser's fetch follows them itself and drops Authorization on a
 * cross-origin redirect as the Fetch standard requires.
 */
async function fetchFollowingRedirects(url: string, options: HubRequestOptions): Promise<Response> {
  let current = url;
  for (let hop = 0; hop <= MAX_REDIRECTS; hop++) {
    const headers: Record<string, string> = {};
    if (options.token !== undefined && new URL(current).origin === options.tokenOrigin) {
      headers.Authorization = `Bearer ${options.token}`;
    }
    if (options.rangeStart !== undefined && options.rangeStart > 0) headers.Range = `bytes=${options.rangeStart}-`;
    const response = await fetch(current, {
      method: options.method ?? 'GET', headers, redirect: isNode ? 'manual' : 'follow',
      // Not the browser's HTTP cache: revisions must be asked afresh, and files are kept (verified) in the
      // Cache API already — a second copy would double the disk use, and a corrupted one would be served again.
      ...(isNode ? {} : { cache: 'no-store' as const }),
      ...(options.signal ? { signal: options.signal } : {}),
    });
    const location = response.headers.get('Location');
    if (!isNode || response.status < 300 || response.status >= 400 || location === null) return response;
    await response.body?.cancel().catch(() => {});
    current = new URL(location, current).href;
  }
  throw new NetworkError(`more than ${MAX_REDIRECTS} redirects from ${url}`);
}

function describe(target: HubTarget): string {
  return `${target.id}${target.file !== undefined ? `/${target.file}` : ''} at revision '${target.revision}'`;
}

/** fetch's "fetch failed" says little; its cause says what (ECONNREFUSED, a DNS failure). */
function causeOf(e: unknown): string {
  const cause = (e as { cause?: { code?: string; message?: string } })?.cause;
  return `${messageOf(e)}${cause ? ` (${cause.code ?? cause.message ?? ''})` : ''}`;
}

/** The HubError for an error answer, read from X-Error-Code / X-Error-Message as the Hub sends them. */
async function hubError(response: Response, target: HubTarget, attempts: number): Promise<HubError> {
  const code = response.headers.get('X-Error-Code');
  const serverMessage = response.headers.get('X-Error-Message') ?? (await bodyMessage(response));
  const said = serverMessage ? ` The Hub says: ${serverMessage}` : '';
  const status = `HTTP ${response.status}`;
  const repo = `'${target.id}'`;
  const withToken = 'pass an access token ({ accessToken }, env.accessToken or HF_TOKEN)';
  let reason: HubErrorReason;
  let message: string;
  if (code === 'GatedRepo') {
    reason = 'GatedRepo';
    message = `${repo} is a gated model (${status}): accept its conditions on its Hub page with your account, and ${withToken}.`;
  } else if (code === 'RepoNotFound' || (response.status === 401 && target.file === undefined && code === null)) {
    reason = 'RepoNotFound';
    message = `model ${repo} was not found on the Hub (${status}): check the id, or if it is private, ${withToken}.`;
  } else if (code === 'RevisionNotFound') {
    reason = 'RevisionNotFound';
    message = `revision '${target.revision}' was not found in ${repo} (${status}): give a branch, a tag or a commit sha that exists.`;
  } else if (code === 'EntryNotFound' || (response.status === 404 && target.file !== undefined)) {
    reason = 'EntryNotFound';
    message = `${repo} at revision '${target.revision}' has no file ${target.file ?? ''} (${status}).`;
  } else if (response.status === 404) {
    reason = 'RepoNotFound';
    message = `model ${repo} was not found on the Hub (${status}).`;
  } else if (response.status === 401 || response.status === 403) {
    reason = 'Forbidden';
    message = `the Hub refused access to ${describe(target)} (${status}): ${withToken} that may read it.`;
  } else if (response.status === 429) {
    reason = 'RateLimited';
    message = `the Hub rate-limited the requests for ${describe(target)} (${status}, ${attempts} attempts): wait and try again, or ${withToken} (higher limits).`;
  } else {
    reason = 'ServerError';
    message = `the Hub failed to serve ${describe(target)} (${status} after ${attempts} attempts).`;
  }
  return new HubError(reason, `${message}${said}`);
}

async function bodyMessage(response: Response): Promise<string | undefined> {
  try {
    const text = (await response.text()).slice(0, 2000);
    const parsed = JSON.parse(text) as { error?: unknown };
    return typeof parsed.error === 'string' ? parsed.error : undefined;
  } catch {
    return undefined;
  }
}
