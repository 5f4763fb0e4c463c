/**
 * One shape for the four ends a message can travel between: a browser
 * Worker or a Node.js worker_threads Worker (the page's / main thread's
 * side), and a dedicated worker's global scope or Node.js's parentPort (the
 * worker's side). Browser objects deliver MessageEvents; Node's deliver the
 * data itself, and report failures as 'error' / 'exit' events.
 */
export interface Endpoint {
  post(message: unknown, transfer?: Transferable[]): void;
  /** Calls onMessage with each message's data; onFailure when the other side is gone. */
  listen(onMessage: (data: unknown) => void, onFailure?: (error: Error) => void): void;
  /** Node.js: whether an idle worker may let the process exit. No-op in browsers. */
  keepAlive?(alive: boolean): void;
  terminate?(): void;
}

/** A browser Worker or DedicatedWorkerGlobalScope. */
export interface BrowserPort {
  postMessage(message: unknown, transfer: Transferable[]): void;
  addEventListener(type: string, listener: (event: Event) => void): void;
  terminate?(): void;
}

/** A Node.js worker_threads Worker or MessagePort (parentPort). */
export interface NodePort {
  postMessage(message: unknown, transfer?: readonly unknown[]): void;
  on(event: string, listener: (value: unknown) => void): unknown;
  ref?(): void;
  unref?(): void;
  terminate?(): unknown;
}

export type WorkerLike = BrowserPort | NodePort;

export function isNodePort(port: WorkerLike): port is NodePort {
  return typeof (port as NodePort).on === 'function';
}

export function endpointOf(port: WorkerLike): Endpoint {
  return isNodePort(port) ? nodeEndpoint(port) : browserEndpoint(port);
}

function browserEndpoint(port: BrowserPort): Endpoint {
  return {
    post: (message, transfer = []) => port.postMessage(message, transfer),
    listen(onMessage, onFailure) {
      port.addEventListener('message', (event) => onMessage((event as MessageEvent).data));
      port.addEventListener('messageerror', () => onFailure?.(new Error('a message from the worker could not be read')));
      port.addEventListener('error', (event) => {
        // Handled here: the page's console should not also report it as uncaught.
        event.preventDefault();
        const message = (event as ErrorEvent).message;
        onFailure?.(new Error(`the qkv worker failed: ${message || 'its script could not be loaded or threw'}`));
      });
      // Listeners added with addEventListener only run once the port is started.
      (port as { start?: () => void }).start?.();
    },
    terminate: () => port.terminate?.(),
  };
}

function nodeEndpoint(port: NodePort): Endpoint {
  return {
    post: (message, transfer = []) => port.postMessage(message, transfer),
    listen(onMessage, onFailure) {
      port.on('message', onMessage);
      port.on('error', (e) => onFailure?.(new Error(`the qkv worker failed: ${(e as Error)?.message ?? String(e)}`)));
      port.on('exit', (code) => onFailure?.(new Error(`the qkv worker exited (code ${String(code)})`)));
    },
    keepAlive: (alive) => (alive ? port.ref?.() : port.unref?.()),
    terminate: () => void port.terminate?.(),
  };
}
