// The load progress bar: qkv reports { file, loaded, total } per weights file;
// the bar shows the share of all expected files done so far.
const MB = 1024 * 1024;

export class LoadProgress {
  constructor(bar, label) {
    this.bar = bar;
    this.label = label;
    this.files = new Map();
    this.expected = 0;
  }

  /** expectedFiles: how many weights files will be read, when known (0 if not). */
  start(what, expectedFiles = 0) {
    this.files.clear();
    this.expected = expectedFiles;
    this.bar.value = 0;
    this.bar.hidden = false;
    this.label.textContent = `Loading ${what}…`;
  }

  update({ file, loaded, total }) {
    if (typeof file !== 'string' || !(total > 0)) return;
    this.files.set(file, Math.min(1, loaded / total));
    const count = Math.max(this.expected, this.files.size);
    let done = 0;
    for (const share of this.files.values()) done += share;
    this.bar.value = done / count;
    const which = count > 1 ? ` (file ${this.files.size} of ${count})` : '';
    this.label.textContent = `${file}${which}: ${(loaded / MB).toFixed(1)} of ${(total / MB).toFixed(1)} MB`;
  }

  finish(text) {
    this.bar.value = 1;
    this.label.textContent = text;
  }

  fail(text) {
    this.bar.hidden = true;
    this.label.textContent = text;
  }
}
