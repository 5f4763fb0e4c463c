/**
 * qkv's own worker script, started by WorkerEngine.create(). Apps that
 * bundle their own worker call serveWorker() in it instead.
 */
import { serveWorker } from './serve.js';

void serveWorker();
