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

/**
 * Text was given to a model loaded without a tokenizer (a folder or file with
 * no tokenizer.json, Marian .spm files or GGUF tokenizer keys): such a model
 * takes and gives token ids only, as transformers.js's AutoModel does.
 */
export class NoTokenizerError extends QkvError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('no_tokenizer', message, options);
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

/**
 * Why the Hub refused or could not serve a model (HubError.reason). The first four
 * are the Hub's own X-Error-Code values; the rest are qkv's.
 */
export type HubErrorReason =
  | 'GatedRepo' | 'RepoNotFound' | 'RevisionNotFound' | 'EntryNotFound'
  | 'Forbidden' | 'RateLimited' | 'ServerError' | 'NotCached';

/**
 * The Hub answered a model by id with an error, or (offline) the cache does
 * not hold what was asked. `reason` says which; the message names the
 * repository, the revision and the file, and what would fix it.
 */
export class HubError extends NetworkError {
  readonly reason: HubErrorReason;
  constructor(reason: HubErrorReason, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.reason = reason;
  }
}

/** A downloaded file's bytes do not match the hash the Hub gives for it (the file is not kept). */
export class IntegrityError extends QkvError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('integrity', message, options);
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
