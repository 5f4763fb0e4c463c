/**
 * The loading progress bar, fed by loadModel's onProgress events: one line
 * per weight file with its bytes, plus loadModel's total over all files when
 * there are several. On a terminal the line is redrawn in place (at most every
 * 100 ms); into a pipe or file, only each file's finished line is written,
 * so logs get one line per file instead of hundreds of carriage returns.
 */
import type { ProgressInfo } from '../index.js';
import { formatBytes } from './format.js';

/** The part of a stream the bar uses (process.stderr, or a test double). */
export interface ProgressSink {
  readonly isTTY?: boolean;
  write(text: string): unknown;
}

const BAR_WIDTH = 24;
const REDRAW_MS = 100;

export class LoadProgress {
  private readonly sink: ProgressSink;
  private readonly now: () => number;
  private lastDraw = -Infinity;
  private open = false; // a redrawn line is on screen without its newline

  constructor(sink: ProgressSink, now = () => performance.now()) {
    this.sink = sink;
    this.now = now;
  }

  update(info: ProgressInfo): void {
    const done = info.status === 'done';
    if (this.sink.isTTY === true) {
      const t = this.now();
      if (!done && t - this.lastDraw < REDRAW_MS) return;
      this.lastDraw = t;
      this.sink.write(`\r${this.line(info)}\x1b[K${done ? '\n' : ''}`);
      this.open = !done;
    } else if (done) {
      this.sink.write(`${this.line(info)}\n`);
    }
  }

  /** Ends a line left open (loading failed or was aborted mid-file). */
  end(): void {
    if (this.open) this.sink.write('\n');
    this.open = false;
  }

  /**
   * 'model.safetensors [############------------]  50%  8.3 MB / 16.7 MB  (total 8.3 MB / 25.0 MB)';
   * the total says 'so far' while loadModel could not learn every file's size up front.
   */
  line(info: ProgressInfo): string {
    const fraction = info.total > 0 ? Math.min(1, info.loaded / info.total) : 1;
    const filled = Math.round(fraction * BAR_WIDTH);
    const bar = `[${'#'.repeat(filled)}${'-'.repeat(BAR_WIDTH - filled)}]`;
    const pct = `${Math.floor(fraction * 100)}%`.padStart(4);
    let text = `${info.file} ${bar} ${pct}  ${formatBytes(info.loaded)} / ${formatBytes(info.total)}`;
    if (info.fileCount > 1) {
      text += `  (total ${formatBytes(info.totalLoaded)} / ${formatBytes(info.totalBytes)}${info.totalKnown ? '' : ' so far'})`;
    }
    return text;
  }
}
