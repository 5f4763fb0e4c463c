/**
 * Messages between a WorkerEngine (the page's side) and serveWorker() (the
 * worker's side). Every request carries an id; the worker answers it with
 * any number of events (load progress, generated tokens) and then exactly
 * one result or error. Internal to qkv: both sides ship in the same package
 * version, so the protocol has no versioning.
 */
import {
  FormatError,
  InternalError,
  InvalidArgumentError,
  NetworkError,
  OutOfMemoryError,
  QkvError,
  UnsupportedError,
} from '../errors.js';

export type RequestType =
  | 'init'
  | 'info'
  | 'load'
  | 'generate'
  | 'forward'
  | 'attention'
  | 'embed'
  | 'encode'
  | 'decode'
  | 'chatTemplate'
  | 'dispose'
  | 'abort';

export interface Request {
  id: number;
  type: RequestType;
  /** The model a call is for (every type but init, load and abort). */
  modelId?: number;
  /** For 'abort': the id of the request to abort. */
  target?: number;
  args?: unknown;
}

export type Reply =
  | { id: number; kind: 'event'; data: unknown }
  | { id: number; kind: 'result'; data: unknown }
  | { id: number; kind: 'error'; error: SerializedError };

export interface SerializedError {
  name: string;
  message: string;
  code?: string;
}

export function serializeError(e: unknown): SerializedError {
  if (e instanceof QkvError) return { name: e.name, message: e.message, code: e.code };
  if (e instanceof Error || (typeof e === 'object' && e !== null && 'message' in e)) {
    const { name, message } = e as { name?: unknown; message?: unknown };
    return { name: typeof name === 'string' ? name : 'Error', message: String(message) };
  }
  return { name: 'Error', message: String(e) };
}

const QKV_ERRORS: Record<string, new (message: string) => QkvError> = {
  InvalidArgumentError,
  FormatError,
  UnsupportedError,
  OutOfMemoryError,
  NetworkError,
  InternalError,
};

/**
 * The worker's error rebuilt on this side, with the class it had there, so
 * `instanceof InvalidArgumentError` and `e.name === 'AbortError'` work the
 * same as without a worker.
 */
export function deserializeError(error: SerializedError): Error {
  const QkvClass = QKV_ERRORS[error.name];
  if (QkvClass !== undefined) return new QkvClass(error.message);
  if (error.name === 'QkvError') return new QkvError(error.code ?? 'internal', error.message);
  if (error.name === 'AbortError') return new DOMException(error.message, 'AbortError');
  return Object.assign(new Error(error.message), { name: error.name });
}
