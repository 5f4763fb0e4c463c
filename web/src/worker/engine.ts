/**
 * WorkerEngine: qkv in a Web Worker (or a Node.js worker thread), driven
 * from the page with the same calls as the main-thread API — loadModel(),
 * then generate() / forward() / attention() / embed() on the model — so
 * loading and generating never block the page. The worker runs
 * serveWorker(); WorkerEngine.create() starts qkv's own worker script.
 */
import type { BackendInfo } from '../backend.js';
import { InvalidArgumentError, QkvError } from '../errors.js';
import type { FileInput, LoadModelOptions, ModelFiles, ProgressInfo } from '../load-model.js';
import type { ModelInfo } from '../model.js';
import { endpointOf, type Endpoint, type WorkerLike } from './endpoint.js';
import { withSignal, type Call } from './call.js';
import { deserializeError, type Reply, type Request } from './protocol.js';
import type { WorkerSettings } from './serve.js';
import { WorkerModel } from './worker-model.js';

export type WorkerEngineOptions = WorkerSettings;

interface Pending {
  onEvent: (data: unknown) => void;
  resolve: (data: unknown) => void;
  reject: (error: Error) => void;
}

const isNode = typeof process === 'object' && typeof process.versions?.node === 'string';

export class WorkerEngine {
  private readonly endpoint: Endpoint;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  /** Set once the worker has failed or was terminated: every later call rejects with it. */
  private failure: Error | undefined;

  /**
   * Drives a worker that runs serveWorker(): a module Web Worker, or a
   * Node.js worker_threads Worker. Settings apply to the worker's `env`
   * (numThreads, wasmPaths, useBrowserCache) before qkv starts there.
   */
  constructor(worker: WorkerLike, settings: WorkerEngineOptions = {}) {
    this.endpoint = endpointOf(worker);
    this.endpoint.listen((data) => this.receive(data as Reply), (error) => this.fail(error));
    this.endpoint.keepAlive?.(false);
    void this.request('init', undefined, settings).result.catch(() => {});
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
    return this.request('info').result as Promise<BackendInfo>;
  }

  /** loadModel() in the worker: the same sources and options (onProgress and signal included). */
  async loadModel(source: string | URL | ModelFiles, options: LoadModelOptions = {}): Promise<WorkerModel> {
    const { onProgress, signal, ...rest } = options;
    if (onProgress !== undefined && typeof onProgress !== 'function') {
      throw new InvalidArgumentError('onProgress must be a function');
    }
    signal?.throwIfAborted();
    const call = this.request('load', undefined, { source: portableSource(source), options: rest },
      (p) => onProgress?.(p as ProgressInfo));
    const { modelId, info } = (await withSignal(call, signal)) as { modelId: number; info: ModelInfo };
    return new WorkerModel(this, modelId, info);
  }

  /** Stops the worker at once; calls in flight and later ones reject. */
  terminate(): void {
    this.fail(new QkvError('terminated', 'the qkv worker was terminated'));
    this.endpoint.terminate?.();
  }

  /** @internal Sends a request; events go to onEvent until the result or error arrives. */
  request(type: Request['type'], modelId?: number, args?: unknown, onEvent: (data: unknown) => void = () => {}): Call<unknown> {
    const id = this.nextId++;
    const result = new Promise<unknown>((resolve, reject) => {
      if (this.failure !== undefined) {
        reject(this.failure);
        return;
      }
      const request: Request = { id, type, args };
      if (modelId !== undefined) request.modelId = modelId;
      try {
        this.endpoint.post(request);
      } catch (e) {
        // A DataCloneError: an option or input that cannot be sent to a worker (a function, a class instance).
        reject(new InvalidArgumentError(`cannot send this ${type} call to the worker: ${(e as Error).message}`, { cause: e }));
        return;
      }
      this.pending.set(id, { onEvent, resolve, reject });
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

/**
 * The source as the worker can receive it: URL objects become strings, and
 * in a browser relative URLs are resolved against the page (a worker would
 * resolve them against its own script). Blobs, Files and bytes are cloned.
 */
function portableSource(source: string | URL | ModelFiles): string | ModelFiles {
  const portable = (input: FileInput): FileInput => {
    if (input instanceof URL) return input.href;
    if (typeof input === 'string' && !isNode && typeof location === 'object') return new URL(input, location.href).href;
    return input;
  };
  if (typeof source === 'string' || source instanceof URL) return portable(source) as string;
  if (typeof source !== 'object' || source === null) return source;
  const weights = Array.isArray(source.weights) ? source.weights.map(portable) : portable(source.weights as FileInput);
  return {
    config: portable(source.config), weights, tokenizer: portable(source.tokenizer),
    // The optional files cross too, when given.
    ...(source.tokenizerConfig !== undefined ? { tokenizerConfig: portable(source.tokenizerConfig) } : {}),
    ...(source.generationConfig !== undefined ? { generationConfig: portable(source.generationConfig) } : {}),
  };
}
