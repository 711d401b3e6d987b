// Two uPlot charts (x0 and R_y against time, one line per ion number) over a sliding window.
/* global uPlot */

const PALETTE = ['#e6194b', '#3cb44b', '#4363d8', '#f58231', '#911eb4', '#42d4f4', '#f032e6', '#9a6324',
  '#800000', '#469990', '#808000', '#000075', '#bfef45', '#fabed4', '#dcbeff', '#a9a9a9'];
const HEIGHT = 200;

const two = (n) => String(n).padStart(2, '0');

/** 24-hour clock tick labels; seconds only when the ticks are closer than a minute. */
function clockLabels(u, splits, axisIdx, foundSpace, foundIncr) {
  return splits.map((s) => {
    const d = new Date(s * 1000);
    const hm = `${two(d.getHours())}:${two(d.getMinutes())}`;
    return foundIncr < 60 ? `${hm}:${two(d.getSeconds())}` : hm;
  });
}

function options(title, ions, width, range) {
  const series = [{}];
  for (let k = 0; k < ions; k++) {
    // Points show by themselves (uPlot's default) when the data are sparse enough to see them.
    series.push({ label: `ion ${k + 1}`, stroke: PALETTE[k % PALETTE.length], width: 1.5, spanGaps: false });
  }
  return {
    title,
    width,
    height: HEIGHT,
    series,
    scales: { x: { time: true, range: () => range() } },
    axes: [{ values: clockLabels, space: 70 }, { label: 'px', size: 50 }],
    cursor: { drag: { x: false, y: false } },
    legend: { live: false },
  };
}

export class Charts {
  /** @param {() => [number, number]} range  the x window in unix seconds */
  constructor(x0El, ryEl, range) {
    this.els = { x0: x0El, ry: ryEl };
    this.range = range;
    this.ions = -1;
    this.plots = null;
  }

  width() {
    return Math.max(200, this.els.x0.clientWidth);
  }

  build(ions, data) {
    this.plots?.x0.destroy();
    this.plots?.ry.destroy();
    const w = this.width();
    this.plots = {
      x0: new uPlot(options('x0 (px)', ions, w, this.range), data.x0, this.els.x0),
      ry: new uPlot(options('R_y (px)', ions, w, this.range), data.ry, this.els.ry),
    };
    this.ions = ions;
  }

  draw(data) {
    const ions = data.x0.length - 1;
    if (ions !== this.ions || !this.plots) {
      this.build(ions, data);
      return;
    }
    this.plots.x0.setData(data.x0);
    this.plots.ry.setData(data.ry);
  }

  resize() {
    if (!this.plots) return;
    const size = { width: this.width(), height: HEIGHT };
    this.plots.x0.setSize(size);
    this.plots.ry.setSize(size);
  }
}
