// The attention viewer: layer and head selectors, the heatmap of the chosen
// head for the prompt, and the weight under the pointer.
import { cellAt, drawHeatmap, tokenLabel } from './heatmap.js';

export class AttentionView {
  constructor({ canvas, layerSelect, headSelect, readout, caption }) {
    Object.assign(this, { canvas, layerSelect, headSelect, readout, caption });
    this.result = undefined;
    this.layout = undefined;
    layerSelect.addEventListener('change', () => this.draw());
    headSelect.addEventListener('change', () => this.draw());
    canvas.addEventListener('mousemove', (e) => this.hover(e));
    canvas.addEventListener('mouseleave', () => this.hover(undefined));
    // The canvas takes its colours (masked cells, labels, highlight) from the page's CSS when it is drawn:
    // when the system turns dark mode on or off, draw it again (keeping the hovered cell) so they follow.
    globalThis.matchMedia?.('(prefers-color-scheme: dark)').addEventListener('change', () => this.draw(this.highlighted));
  }

  /** result: { tokens, dims: [heads, n, n], layers: Float32Array[], causal, promptTokens }. */
  show(result) {
    this.clear();
    this.result = result;
    const [heads] = result.dims;
    fillSelect(this.layerSelect, result.layers.length, 'layer', this.layerSelect.value);
    fillSelect(this.headSelect, heads, 'head', this.headSelect.value);
    const n = result.tokens.length;
    this.caption.textContent = result.promptTokens > n
      ? `The first ${n} of the prompt's ${result.promptTokens} tokens.`
      : `${n} prompt tokens. Rows: the query token; columns: the tokens it attends to.`;
    this.draw();
  }

  /** Shows why there is no heatmap, styled as an error until the next show() or clear(). */
  fail(message) {
    this.clear();
    this.caption.textContent = message;
    this.caption.classList.add('error');
    this.caption.setAttribute('role', 'alert');
  }

  clear() {
    this.caption.classList.remove('error');
    this.caption.removeAttribute('role');
    this.result = undefined;
    this.layout = undefined;
    this.highlighted = undefined;
    this.canvas.getContext('2d').clearRect(0, 0, this.canvas.width, this.canvas.height);
    this.caption.textContent = '';
    this.readout.textContent = '';
  }

  /** The weights of the selected head, row-major [query][key]. */
  weights() {
    const [, n] = this.result.dims;
    const layer = this.result.layers[Number(this.layerSelect.value)];
    const head = Number(this.headSelect.value);
    return layer.subarray(head * n * n, (head + 1) * n * n);
  }

  /** Paints the selected head; `highlight` ({ query, key }) marks the hovered cell. */
  draw(highlight) {
    if (this.result === undefined) return;
    this.highlighted = highlight;
    const { tokens, causal } = this.result;
    this.layout = drawHeatmap(this.canvas, { weights: this.weights(), tokens, causal, highlight });
    const { left, top, cell, labelStep } = this.layout;
    Object.assign(this.canvas.dataset, { left, top, cell, n: tokens.length, labelStep, hover: highlight ? `${highlight.query},${highlight.key}` : '' });
    this.canvas.setAttribute('aria-label',
      `Attention weights of layer ${this.layerSelect.value}, head ${this.headSelect.value}, over ${tokens.length} prompt tokens`);
    if (highlight === undefined) this.readout.textContent = 'Point at a cell to read its weight.';
  }

  hover(e) {
    if (this.layout === undefined) return;
    const box = this.canvas.getBoundingClientRect();
    const at = e && cellAt(this.layout, e.clientX - box.left, e.clientY - box.top);
    const was = this.canvas.dataset.hover;
    if (at === undefined) {
      if (was) this.draw();
      this.readout.textContent = 'Point at a cell to read its weight.';
      return;
    }
    if (was !== `${at.query},${at.key}`) this.draw(at);
    const { tokens, causal } = this.result;
    const [, n] = this.result.dims;
    const weight = this.weights()[at.query * n + at.key];
    const name = (i) => `${JSON.stringify(tokenLabel(tokens[i]))} (#${i})`;
    this.readout.textContent = causal && at.key > at.query
      ? `${name(at.query)} cannot see the later token ${name(at.key)}`
      : `${name(at.query)} → ${name(at.key)}: ${weight.toFixed(4)}`;
  }
}

export function fillSelect(select, count, word, previous) {
  select.replaceChildren(...Array.from({ length: count }, (_, i) => new Option(`${word} ${i}`, String(i))));
  // Keep the choice when the new prompt's model has that layer or head.
  select.value = previous !== '' && Number(previous) < count ? previous : '0';
}
