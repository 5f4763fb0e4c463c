/**
 * Errors thrown by qkv. Every failure is a `QkvError` subclass whose message
 * names the problem; after one, the loaded model and the wasm instance stay usable.
 */
export class QkvError extends Error {
  /** Stable machine-readable kind, e.g. `'invalid_argument'`. */
  readonly code: string;
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

/** A caller passed a bad value: a shape, an option, a token id. */
export class InvalidArgumentError extends QkvError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('invalid_argument', message, options);
  }
}

/** A file or config is malformed. */
export class FormatError extends QkvError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('format', message, options);
  }
}

/** Well-formed, but not something qkv can run (architecture, dtype, platform). */
export class UnsupportedError extends QkvError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('unsupported', message, options);
  }
}

/** Out of memory, or past the 4 GB limit of wasm memory. */
export class OutOfMemoryError extends QkvError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('resource_exhausted', message, options);
  }
}

/** A download failed (HTTP error, connection refused or cut). */
export class NetworkError extends QkvError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('network', message, options);
  }
}

/** A bug in qkv: please report it with the message. */
export class InternalError extends QkvError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('internal', message, options);
  }
}

/** Maps a C++ StatusCode (src/core/status.h) to its Error class. */
export function errorFromStatus(code: number, message: string): QkvError {
  switch (code) {
    case 1: return new InvalidArgumentError(message);
    case 2: return new FormatError(message);
    case 3: return new UnsupportedError(message);
    case 4: return new OutOfMemoryError(message);
    default: return new InternalError(message);
  }
}

/** Called from inside the wasm module when a binding fails (wasm-build/bindings.cc). */
export function throwStatus(code: number, message: string): never {
  throw errorFromStatus(code, message);
}
