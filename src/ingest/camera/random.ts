// Seeded random numbers for the simulated camera: a small fast generator (sfc32), Poisson and
// normal samplers, and Walker's alias table for drawing whole 8-bit pixel values at once.

/** sfc32 (Chris Doty-Humphrey's Small Fast Counting generator): 128-bit state, 32-bit output. */
export class Rng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  /** Seeds from two 32-bit words (e.g. run seed and frame index) through splitmix32. */
  constructor(seed: number, stream = 0) {
    let s = (seed ^ Math.imul(stream + 1, 0x9e3779b9)) >>> 0;
    const next = (): number => {
      s = (s + 0x9e3779b9) >>> 0;
      let z = s;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
      return (z ^ (z >>> 16)) >>> 0;
    };
    this.a = next();
    this.b = next();
    this.c = next();
    this.d = next();
    for (let i = 0; i < 12; i++) this.uint32();
  }

  uint32(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return t >>> 0;
  }

  /** Fills `words` with the next words.length outputs (the hot loop, with the state in locals). */
  fill(words: Uint32Array): void {
    let a = this.a, b = this.b, c = this.c, d = this.d;
    for (let i = 0; i < words.length; i++) {
      const t = (((a + b) | 0) + d) | 0;
      d = (d + 1) | 0;
      a = b ^ (b >>> 9);
      b = (c + (c << 3)) | 0;
      c = (c << 21) | (c >>> 11);
      c = (c + t) | 0;
      words[i] = t;
    }
    this.a = a;
    this.b = b;
    this.c = c;
    this.d = d;
  }

  /** Uniform in [0, 1). */
  uniform(): number {
    return this.uint32() / 4294967296;
  }

  /** Standard normal (Marsaglia polar method). */
  normal(): number {
    for (;;) {
      const u = 2 * this.uniform() - 1;
      const v = 2 * this.uniform() - 1;
      const s = u * u + v * v;
      if (s > 0 && s < 1) return u * Math.sqrt((-2 * Math.log(s)) / s);
    }
  }

  /** Poisson(lambda): inversion for small means, Hoermann's PTRS rejection from 10 up. */
  poisson(lambda: number): number {
    if (lambda <= 0) return 0;
    if (lambda < 10) {
      let p = Math.exp(-lambda);
      let cdf = p;
      let k = 0;
      const u = this.uniform();
      while (u > cdf && k < 1000) {
        k++;
        p *= lambda / k;
        cdf += p;
      }
      return k;
    }
    const slam = Math.sqrt(lambda);
    const loglam = Math.log(lambda);
    const b = 0.931 + 2.53 * slam;
    const a = -0.059 + 0.02483 * b;
    const invalpha = 1.1239 + 1.1328 / (b - 3.4);
    const vr = 0.9277 - 3.6224 / (b - 2);
    for (;;) {
      const u = this.uniform() - 0.5;
      const v = this.uniform();
      const us = 0.5 - Math.abs(u);
      const k = Math.floor(((2 * a) / us + b) * u + lambda + 0.43);
      if (us >= 0.07 && v <= vr) return k;
      if (k < 0 || (us < 0.013 && v > us)) continue;
      if (Math.log(v) + Math.log(invalpha) - Math.log(a / (us * us) + b) <= -lambda + k * loglam - logFactorial(k)) {
        return k;
      }
    }
  }
}

const LOG_FACTORIALS = (() => {
  const table = new Float64Array(1024);
  for (let k = 2; k < table.length; k++) table[k] = table[k - 1] + Math.log(k);
  return table;
})();

/** ln(k!), exact sum below 1024, Stirling's series above. */
export function logFactorial(k: number): number {
  if (k < LOG_FACTORIALS.length) return LOG_FACTORIALS[k];
  const n = k + 1;
  return (n - 0.5) * Math.log(n) - n + 0.5 * Math.log(2 * Math.PI) + 1 / (12 * n) - 1 / (360 * n * n * n);
}

/**
 * Walker's alias table over the values 0..255: one 32-bit draw gives one value, the top 8 bits
 * choosing a column and the low 24 bits deciding between the column's value and its alias.
 */
export class AliasTable {
  private readonly threshold = new Uint32Array(256);
  private readonly alias = new Uint8Array(256);

  constructor(probabilities: ArrayLike<number>) {
    if (probabilities.length !== 256) throw new RangeError('an alias table needs 256 probabilities');
    let total = 0;
    for (let i = 0; i < 256; i++) total += probabilities[i];
    const scaled = new Float64Array(256);
    for (let i = 0; i < 256; i++) scaled[i] = (probabilities[i] / total) * 256;
    const small: number[] = [];
    const large: number[] = [];
    for (let i = 0; i < 256; i++) (scaled[i] < 1 ? small : large).push(i);
    for (let i = 0; i < 256; i++) this.alias[i] = i;
    while (small.length > 0 && large.length > 0) {
      const s = small.pop()!;
      const l = large[large.length - 1];
      this.threshold[s] = Math.floor(scaled[s] * 0x1000000);
      this.alias[s] = l;
      scaled[l] -= 1 - scaled[s];
      if (scaled[l] < 1) small.push(large.pop()!);
    }
    // Columns left over are full (rounding leaves them at ~1): always their own value.
    for (const i of [...small, ...large]) this.threshold[i] = 0x1000000;
  }

  /** Turns one uniform 32-bit word into a value 0..255. */
  draw(word: number): number {
    const column = word >>> 24;
    return (word & 0xffffff) < this.threshold[column] ? column : this.alias[column];
  }
}
