/**
 * loadModel()'s progress events: each weight file's bytes and the totals
 * over all of them, with the sizes learned before streaming starts.
 */
import { mapLimited } from './io/map-limited.js';
import { sizeOfInput, type ReadContext, type SourceFile } from './sources/file-input.js';

/**
 * One loading step of one weight file (safetensors file or shard), with the
 * totals over all weight files. Only weight files are counted: config.json,
 * tokenizer.json and model.safetensors.index.json are read before the first
 * event and are not part of any number here. Files load one after another,
 * in `fileIndex` order; each ends with one 'done' event, and the last file's
 * 'done' has `totalLoaded === totalBytes` and `totalKnown` true.
 */
export interface ProgressInfo {
  /** 'done' once per file, when all of it has been consumed. */
  status: 'progress' | 'done';
  /** This file's name. */
  file: string;
  /** Bytes of this file consumed so far. */
  loaded: number;
  /** This file's size in bytes. */
  total: number;
  /** This file's position among the weight files, from 0 (shards in the index's sorted order). */
  fileIndex: number;
  /** How many weight files the model has (1, or its number of shards). */
  fileCount: number;
  /** Bytes of all weight files consumed so far: the earlier files in full plus `loaded`. Never decreases. */
  totalLoaded: number;
  /**
   * Bytes of all weight files, learned before the first file streams (file
   * sizes, Blob sizes, byte lengths; for URLs, the first file's response and
   * a HEAD request for each later one, answered by the browser cache when it
   * holds the file). When a URL's size cannot be learned up front (the server
   * rejects HEAD or sends no Content-Length, or a compressed one),
   * `totalKnown` is false and this is the sum of the sizes known so far: a
   * lower bound that grows as those files open. A file that has opened
   * always counts with its real size (so a server whose HEAD disagrees with
   * its GET is corrected then).
   */
  totalBytes: number;
  /** Whether `totalBytes` is the final total; false only while a file not yet opened has an unknown size. */
  totalKnown: boolean;
}

// Size requests in flight at once: below a browser's 6 connections per host.
const HEAD_CONCURRENCY = 4;

/**
 * ProgressInfo's numbers over all weight files. Each file's size is the one
 * learned up front until the file opens, then its real size.
 */
export class LoadTotals {
  private readonly sizes: (number | undefined)[];

  constructor(sizes: readonly (number | undefined)[]) {
    this.sizes = [...sizes];
  }

  /**
   * The weight files' sizes before any is opened (undefined where unknown).
   * The first file is left out: it opens next, and its own response gives its
   * size, so a one-file model costs no extra request.
   */
  static async learn(files: readonly SourceFile[], context: ReadContext): Promise<LoadTotals> {
    return new LoadTotals(await mapLimited(files, HEAD_CONCURRENCY,
      (input, index) => (index === 0 ? undefined : sizeOfInput(input, context))));
  }

  /** Totals without learning sizes first (nobody listens, so no HEAD requests). */
  static unknown(fileCount: number): LoadTotals {
    return new LoadTotals(new Array<undefined>(fileCount).fill(undefined));
  }

  opened(index: number, size: number): void {
    this.sizes[index] = size;
  }

  info(index: number, status: ProgressInfo['status'], file: string, loaded: number, total: number): ProgressInfo {
    // Every earlier file has opened (and finished), so its size is known.
    const earlier = this.sizes.slice(0, index).reduce<number>((sum, size) => sum + size!, 0);
    const known = this.sizes.filter((size): size is number => size !== undefined);
    return {
      status, file, loaded, total,
      fileIndex: index,
      fileCount: this.sizes.length,
      totalLoaded: earlier + loaded,
      totalBytes: known.reduce((sum, size) => sum + size, 0),
      totalKnown: known.length === this.sizes.length,
    };
  }
}
