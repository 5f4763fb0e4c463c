// An encoder-decoder's cross-attention as an alignment heatmap: one row per generated token (the weights of
// the decoder step that produced it), one column per source token, for the chosen decoder layer and head or
// the mean of the heads; the weight under the pointer is read out. Built inside the element it is given (the
// task panel's output), so it knows nothing of the page around it.
import { fillSelect } from './attention-view.js';
import { cellAt, drawHeatmap, tokenLabel } from './heatmap.js';

const POINT = 'Point at a cell to read its weight.';

export class CrossAttentionView {
  /**
   * attention: Model.attention(source, [decoderStartTokenId, ...targetIds]) (cross: per layer [head, target, source]);
   * generated: the target tokens' strings (row i is the step that produced generated[i]).
   */
  constructor(container, { attention, generated }) {
    Object.assign(this, { attention, generated, layout: undefined });
    const row = document.createElement('div');
    row.className = 'row';
    this.layerSelect = labelled(row, 'cross-layer', 'Decoder layer', document.createElement('select'));
    this.headSelect = labelled(row, 'cross-head', 'Head', document.createElement('select'));
    fillSelect(this.layerSelect, attention.cross.length, 'layer', '');
    this.layerSelect.value = String(attention.cross.length - 1); // the last layer, as the CLI's alignment reads it
    fillSelect(this.headSelect, attention.nHead, 'head', '');
    this.headSelect.prepend(new Option('mean of the heads', 'mean'));
    this.headSelect.value = 'mean';
    this.caption = paragraph('caption', `Cross-attention: ${generated.length} generated tokens (rows, each the decoder `
      + `step that produced it) × ${attention.sourceTokens.length} source tokens (columns).`);
    const box = document.createElement('div');
    box.className = 'heatmap-box';
    this.canvas = document.createElement('canvas');
    this.canvas.id = 'cross-heatmap';
    this.canvas.setAttribute('role', 'img');
    box.append(this.canvas);
    this.readout = paragraph('readout', POINT);
    this.readout.id = 'cross-readout';
    this.readout.setAttribute('aria-live', 'polite');
    container.append(row, this.caption, box, this.readout);
    for (const select of [this.layerSelect, this.headSelect]) select.addEventListener('change', () => this.draw());
    this.canvas.addEventListener('mousemove', (e) => this.hover(e));
    this.canvas.addEventListener('mouseleave', () => this.hover(undefined));
    this.draw();
  }

  /** The [generated, source] weights of the chosen layer and head (or the mean of the heads). */
  weights() {
    const { cross, nHead, sourceTokens, targetTokens } = this.attention;
    const m = sourceTokens.length;
    const cells = targetTokens.length * m;
    const layer = cross[Number(this.layerSelect.value)];
    const heads = this.headSelect.value === 'mean' ? [...Array(nHead).keys()] : [Number(this.headSelect.value)];
    const out = new Float32Array(this.generated.length * m);
    for (const h of heads) for (let i = 0; i < out.length; i++) out[i] += layer[h * cells + i] / heads.length;
    return out;
  }

  draw(highlight) {
    const { sourceTokens } = this.attention;
    this.layout = drawHeatmap(this.canvas, { weights: this.weights(), tokens: this.generated, keys: sourceTokens, causal: false, highlight });
    const { left, top, cell } = this.layout;
    Object.assign(this.canvas.dataset, { left, top, cell, rows: this.generated.length, columns: sourceTokens.length,
      hover: highlight ? `${highlight.query},${highlight.key}` : '' });
    this.canvas.setAttribute('aria-label', `Cross-attention of decoder layer ${this.layerSelect.value}, `
      + `${this.headSelect.value === 'mean' ? 'mean of the heads' : `head ${this.headSelect.value}`}`);
  }

  hover(e) {
    const box = this.canvas.getBoundingClientRect();
    const at = e && cellAt(this.layout, e.clientX - box.left, e.clientY - box.top);
    if (this.canvas.dataset.hover !== (at ? `${at.query},${at.key}` : '')) this.draw(at);
    if (at === undefined) {
      this.readout.textContent = POINT;
      return;
    }
    const weight = this.weights()[at.query * this.attention.sourceTokens.length + at.key];
    this.readout.textContent = `${JSON.stringify(tokenLabel(this.generated[at.query]))} (#${at.query}) → `
      + `${JSON.stringify(tokenLabel(this.attention.sourceTokens[at.key]))} (#${at.key}): ${weight.toFixed(4)}`;
  }
}

function labelled(row, id, text, input) {
  const label = document.createElement('label');
  label.htmlFor = id;
  label.textContent = text;
  input.id = id;
  row.append(label, input);
  return input;
}

function paragraph(className, text) {
  const p = document.createElement('p');
  p.className = className;
  p.textContent = text;
  return p;
}
