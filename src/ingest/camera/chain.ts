// Horizontal positions of an ion chain, as offsets from its centre, smallest gap = minSpacing.

export type ChainLayout = 'harmonic' | 'uniform';

/**
 * Equilibrium of n equal charges in a 1D harmonic well: the minimum of
 * sum x_i^2 / 2 + sum_{i<j} 1 / |x_i - x_j| (dimensionless), found by Newton's method on the
 * force balance x_i = sum_{j != i} sign(x_i - x_j) / (x_i - x_j)^2.
 */
export function harmonicEquilibrium(n: number): Float64Array {
  const x = new Float64Array(n);
  if (n < 2) return x;
  // Start from even spacing near the known minimum gap ~2 n^-0.56; the chain is then already ordered.
  const gap = 2 * Math.pow(n, -0.56);
  for (let i = 0; i < n; i++) x[i] = (i - (n - 1) / 2) * gap;
  const hessian = new Float64Array(n * n);
  const gradient = new Float64Array(n);
  for (let iteration = 0; iteration < 100; iteration++) {
    hessian.fill(0);
    let norm = 0;
    for (let i = 0; i < n; i++) {
      let g = x[i];
      let hii = 1;
      for (let j = 0; j < n; j++) {
        if (j === i) continue;
        const d = x[i] - x[j];
        const ad = Math.abs(d);
        g -= Math.sign(d) / (ad * ad);
        const h = 2 / (ad * ad * ad);
        hii += h;
        hessian[i * n + j] = -h;
      }
      hessian[i * n + i] = hii;
      gradient[i] = g;
      norm = Math.max(norm, Math.abs(g));
    }
    if (norm < 1e-13) break;
    const step = solve(hessian, gradient, n);
    // Damping keeps the order of the ions (a step never closes more than half a gap).
    let scale = 1;
    for (let i = 0; i + 1 < n; i++) {
      const closing = step[i] - step[i + 1];
      const room = x[i + 1] - x[i];
      if (closing > 0.5 * room) scale = Math.min(scale, (0.5 * room) / closing);
    }
    for (let i = 0; i < n; i++) x[i] -= scale * step[i];
  }
  return x;
}

/** Gaussian elimination with partial pivoting (the Hessian is small and well conditioned). */
function solve(matrix: Float64Array, rhs: Float64Array, n: number): Float64Array {
  const a = Float64Array.from(matrix);
  const b = Float64Array.from(rhs);
  for (let col = 0; col < n; col++) {
    let pivot = col;
    for (let r = col + 1; r < n; r++) if (Math.abs(a[r * n + col]) > Math.abs(a[pivot * n + col])) pivot = r;
    if (pivot !== col) {
      for (let c = 0; c < n; c++) [a[col * n + c], a[pivot * n + c]] = [a[pivot * n + c], a[col * n + c]];
      [b[col], b[pivot]] = [b[pivot], b[col]];
    }
    for (let r = col + 1; r < n; r++) {
      const f = a[r * n + col] / a[col * n + col];
      if (f === 0) continue;
      for (let c = col; c < n; c++) a[r * n + c] -= f * a[col * n + c];
      b[r] -= f * b[col];
    }
  }
  const out = new Float64Array(n);
  for (let r = n - 1; r >= 0; r--) {
    let s = b[r];
    for (let c = r + 1; c < n; c++) s -= a[r * n + c] * out[c];
    out[r] = s / a[r * n + r];
  }
  return out;
}

/** Offsets from the chain centre, ascending, with the closest pair exactly minSpacing apart. */
export function chainOffsets(n: number, minSpacing: number, layout: ChainLayout): Float64Array {
  if (layout === 'uniform' || n < 3) {
    const x = new Float64Array(n);
    for (let i = 0; i < n; i++) x[i] = (i - (n - 1) / 2) * minSpacing;
    return x;
  }
  const x = harmonicEquilibrium(n);
  let smallest = Infinity;
  for (let i = 0; i + 1 < n; i++) smallest = Math.min(smallest, x[i + 1] - x[i]);
  for (let i = 0; i < n; i++) x[i] *= minSpacing / smallest;
  return x;
}
