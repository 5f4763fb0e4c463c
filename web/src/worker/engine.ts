/**
 * WorkerEngine: qkv in a Web Worker (or a Node.js worker thread), driven
 * from the page with the same calls as the main-thread API — loadModel(),
 * then generate() / forward() / attention() / embed() on the model — so
 * loading and generating never block the page. The worker runs
 * serveWorker(); WorkerEngine.create() starts qkv's own worker script.
 */
import type { BackendInfo } from '../backend.js';
import { InvalidArgumentError, QkvError } from '../errors.js';
import type { FileInput, LoadModelOptions, LoadSource, ModelFiles } from '../load-model.js';
import { hasHubIdForm } from '../hub/id.js';
import { currentHubSettings } from '../hub/settings.js';
import { isNode, locationHref, messageOf } from '../platform.js';
import { weightList } from '../sources/model-files.js';
import { endpointOf, type Endpoint, type WorkerLike } from './endpoint.js';
import { withSignal, type Call } from './call.js';
import {
  deserializeError, isReply, type Args, type CallEvent, type CallName, type CallRequest, type Reply, type Request,
  type Result, type WorkerSettings,
} from './protocol.js';
import { WorkerModel } from './worker-model.js';

export type WorkerEngineOptions = WorkerSettings;

/**
 * A call in flight. Each entry is made by request<N>() for one row of the
 * protocol's table and takes that row's events and result; the worker's
 * replies carry the call's id, which is what ties them to it. (Method
 * syntax: an entry typed for one row is stored among entries for all rows.)
 */
interface Pending {
  onEvent(data: CallEvent<CallName>): void;
  resolve(data: Result<CallName>): void;
  reject(error: Error): void;
}

export class WorkerEngine {
  private readonly endpoint: Endpoint;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  /** Set once the worker has failed or was terminated: every later call rejects with it. */
  private failure: Error | undefined;

  /**
   * Drives a worker that runs serveWorker(): a module Web Worker, or a
   * Node.js worker_threads Worker. Settings apply to the worker's `env`
   * (numThreads, wasmPaths, relaxedSimd, useBrowserCache) before qkv starts there.
   */
  constructor(worker: WorkerLike, settings: WorkerEngineOptions = {}) {
    this.endpoint = endpointOf(worker);
    this.endpoint.listen((data) => {
      if (isReply(data)) this.receive(data);
    }, (error) => this.fail(error));
    this.endpoint.keepAlive?.(false);
    // A setting the worker's env refuses (a named error) fails this engine's every call, as it would fail qkv's start.
    void this.request('init', undefined, settings).result.catch((e: unknown) => this.fail(e instanceof Error ? e : new QkvError('internal', String(e))));
  }

  /** Starts qkv's own worker script (shipped next to this file) and drives it. */
  static async create(settings: WorkerEngineOptions = {}): Promise<WorkerEngine> {
    if (isNode) {
      const { Worker } = await import(/* @vite-ignore */ 'node:worker_threads');
      return new WorkerEngine(new Worker(new URL('./qkv-worker.js', import.meta.url)), settings);
    }
    // Written out in full so bundlers (Vite, webpack) see and bundle the worker.
    return new WorkerEngine(new Worker(new URL('./qkv-worker.js', import.meta.url), { type: 'module' }), settings);
  }

  /** Starts the wasm runtime in the worker if needed; which build and how many threads it uses. */
  backendInfo(): Promise<BackendInfo> {
    return this.request('info', undefined, null).result;
  }

  /** loadModel() in the worker: the same sources and options (onProgress and signal included). */
  async loadModel(source: LoadSource, options: LoadModelOptions = {}): Promise<WorkerModel> {
    const { onProgress, signal, ...rest } = options;
    if (onProgress !== undefined && typeof onProgress !== 'function') {
      throw new InvalidArgumentError('onProgress must be a function');
    }
    signal?.throwIfAborted();
    const call = this.request('load', undefined, { source: portableSource(source), options: rest, hub: currentHubSettings() },
      (progress) => onProgress?.(progress));
    const { modelId, info, tokens } = await withSignal(call, signal);
    return new WorkerModel(this, modelId, info, tokens);
  }

  /** Stops the worker at once; calls in flight and later ones reject. */
  terminate(): void {
    this.fail(new QkvError('terminated', 'the qkv worker was terminated'));
    this.endpoint.terminate?.();
  }

  /** @internal Sends call `type`; its events go to onEvent until the result or error arrives. */
  request<N extends CallName>(type: N, modelId: number | undefined, args: Args<N>,
    onEvent: (event: CallEvent<N>) => void = () => {}): Call<Result<N>> {
    const id = this.nextId++;
    const result = new Promise<Result<N>>((resolve, reject) => {
      if (this.failure !== undefined) {
        reject(this.failure);
        return;
      }
      const request: CallRequest<N> = { id, type, args };
      if (modelId !== undefined) request.modelId = modelId;
      try {
        this.endpoint.post(request);
      } catch (e) {
        // A DataCloneError: an option or input that cannot be sent to a worker (a function, a class instance).
        reject(new InvalidArgumentError(`cannot send this ${type} call to the worker: ${messageOf(e)}`, { cause: e }));
        return;
      }
      const pending: Pending = { onEvent, resolve, reject };
      this.pending.set(id, pending);
      this.endpoint.keepAlive?.(true);
    });
    return {
      result,
      abort: () => {
        if (this.pending.has(id)) this.endpoint.post({ id: this.nextId++, type: 'abort', target: id } satisfies Request);
      },
    };
  }

  private receive(reply: Reply): void {
    const call = this.pending.get(reply.id);
    if (call === undefined) return;
    if (reply.kind === 'event') {
      call.onEvent(reply.data);
      return;
    }
    this.settled(reply.id);
    if (reply.kind === 'result') call.resolve(reply.data);
    else call.reject(deserializeError(reply.error));
  }

  private settled(id: number): void {
    this.pending.delete(id);
    // Node.js: an idle worker does not keep the process alive.
    if (this.pending.size === 0) this.endpoint.keepAlive?.(false);
  }

  private fail(error: Error): void {
    this.failure ??= error;
    for (const [id, call] of this.pending) {
      this.settled(id);
      call.reject(this.failure);
    }
  }
}

/** A URL as the worker can receive it: a string, resolved against the page in a browser (a worker would resolve it against its own script). */
function portableUrl(input: string | URL): string {
  if (input instanceof URL) return input.href;
  const page = isNode ? undefined : locationHref();
  return page === undefined ? input : new URL(input, page).href;
}

/**
 * The source as the worker can receive it: URL objects become strings, and
 * in a browser relative URLs are resolved against the page. Blobs, Files and
 * bytes are cloned.
 */
const isFileList = (source: LoadSource): source is readonly FileInput[] => Array.isArray(source);

function portableSource(source: LoadSource): string | ModelFiles | Blob | ArrayBuffer | Uint8Array | FileInput[] {
  const portable = (input: FileInput): FileInput =>
    (typeof input === 'string' || input instanceof URL ? portableUrl(input) : input);
  // A GGUF model's parts (Files, bytes, URLs), in order.
  if (isFileList(source)) return source.map(portable);
  // A Hub id stays an id: it is not a URL relative to the page.
  if (typeof source === 'string' && hasHubIdForm(source)) return source;
  if (typeof source === 'string' || source instanceof URL) return portableUrl(source);
  // Anything else goes as it is, for the worker's loadModel to name what is wrong with it.
  if (source instanceof Blob || source instanceof ArrayBuffer || source instanceof Uint8Array) return source;
  if (typeof source !== 'object' || source === null || source.weights === undefined) return source;
  return {
    config: portable(source.config), weights: weightList(source.weights).map(portable),
    // The optional files cross too, when given.
    ...(source.tokenizer !== undefined ? { tokenizer: portable(source.tokenizer) } : {}),
    ...(source.tokenizerConfig !== undefined ? { tokenizerConfig: portable(source.tokenizerConfig) } : {}),
    ...(source.generationConfig !== undefined ? { generationConfig: portable(source.generationConfig) } : {}),
    ...(source.extraFiles !== undefined ? { extraFiles: portableFiles(source.extraFiles, portable) } : {}),
  };
}

/** extraFiles with each file portable; anything but an object goes as it is, for loadModel to name. */
function portableFiles(files: Record<string, FileInput>, portable: (input: FileInput) => FileInput): Record<string, FileInput> {
  if (typeof files !== 'object' || files === null) return files;
  return Object.fromEntries(Object.entries(files).map(([path, input]) => [path, portable(input)]));
}
