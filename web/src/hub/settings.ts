/**
 * The Hub settings of `env` as one value, so that a WorkerEngine can send
 * the page's settings with each load and the worker loads by id exactly as
 * the page would (a worker has its own `env`).
 */
import { env, type Env } from '../env.js';
import { isNode, locationHref } from '../platform.js';

/** The Hub settings of `env` (see Env for what each means). */
export type HubSettings = Pick<Env, 'allowRemoteModels' | 'allowLocalModels' | 'localModelPath' | 'remoteHost'
  | 'remotePathTemplate' | 'cacheDir' | 'accessToken'>;

/** The settings in effect here; a page's relative localModelPath is made absolute (a worker's location differs). */
export function currentHubSettings(): HubSettings {
  const page = isNode ? undefined : locationHref();
  return {
    allowRemoteModels: env.allowRemoteModels,
    allowLocalModels: env.allowLocalModels,
    localModelPath: page === undefined ? env.localModelPath : new URL(env.localModelPath, page).href,
    remoteHost: env.remoteHost,
    remotePathTemplate: env.remotePathTemplate,
    cacheDir: env.cacheDir,
    accessToken: env.accessToken,
  };
}

export function applyHubSettings(settings: HubSettings): void {
  env.allowRemoteModels = settings.allowRemoteModels;
  env.allowLocalModels = settings.allowLocalModels;
  env.localModelPath = settings.localModelPath;
  env.remoteHost = settings.remoteHost;
  env.remotePathTemplate = settings.remotePathTemplate;
  env.cacheDir = settings.cacheDir;
  env.accessToken = settings.accessToken;
}
