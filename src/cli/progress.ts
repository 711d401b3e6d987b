// Progress of a batch on stderr: a redrawn bar on a terminal, one plain line per file otherwise.

export interface ProgressReporter {
  done(file: string, ok: boolean, detail: string): void;
  finish(): void;
}

const BAR_WIDTH = 30;
const REDRAW_MS = 100;

export function progressReporter(total: number, mode: 'auto' | 'bar' | 'lines' | 'none'): ProgressReporter {
  const err = process.stderr;
  const useBar = mode === 'bar' || (mode === 'auto' && err.isTTY === true);
  let count = 0;
  let failed = 0;
  const t0 = performance.now();
  if (mode === 'none') return { done() {}, finish() {} };
  if (!useBar) {
    const width = String(total).length;
    return {
      done(file, ok, detail) {
        count++;
        err.write(`[${String(count).padStart(width)}/${total}] ${ok ? 'ok  ' : 'FAIL'} ${file}: ${detail}\n`);
      },
      finish() {},
    };
  }
  let lastDraw = 0;
  const draw = () => {
    const filled = total === 0 ? BAR_WIDTH : Math.round((count / total) * BAR_WIDTH);
    const rate = count / Math.max(1e-3, (performance.now() - t0) / 1000);
    const failures = failed > 0 ? `, ${failed} failed` : '';
    err.write(`\r[${'#'.repeat(filled)}${'.'.repeat(BAR_WIDTH - filled)}] ${count}/${total} frames${failures}, ${rate.toFixed(1)} frames/s\x1b[K`);
    lastDraw = performance.now();
  };
  return {
    done(_file, ok) {
      count++;
      if (!ok) failed++;
      if (performance.now() - lastDraw >= REDRAW_MS || count === total) draw();
    },
    finish() {
      draw();
      err.write('\n');
    },
  };
}
