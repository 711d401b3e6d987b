// The simulated camera's physics and noise, checked against closed forms, against the fixture
// generator's definition, and by the real analysis recovering the ions it draws.
import { describe, expect, it } from 'vitest';
import { analyze, decode } from '../src/index.js';
import { chainOffsets, harmonicEquilibrium } from '../src/ingest/camera/chain.js';
import { erfc, pixelProfile } from '../src/ingest/camera/profiles.js';
import { AliasTable, Rng } from '../src/ingest/camera/random.js';
import {
  DEFAULT_SIMULATED_SETTINGS,
  SimulatedCamera,
  SimulatedScene,
  checkSimulatedSettings,
  recordedValueDistribution,
  type SimulatedSettings,
} from '../src/ingest/camera/simulated.js';
import type { CameraFrame } from '../src/ingest/camera/driver.js';
import { fixturePath, loadSidecar } from './helpers/fixtures.js';

function scene(patch: Partial<SimulatedSettings>): SimulatedScene {
  return new SimulatedScene({ ...DEFAULT_SIMULATED_SETTINGS, ...patch });
}

function moments(values: ArrayLike<number>): { mean: number; variance: number } {
  let sum = 0;
  for (let i = 0; i < values.length; i++) sum += values[i];
  const mean = sum / values.length;
  let sq = 0;
  for (let i = 0; i < values.length; i++) sq += (values[i] - mean) ** 2;
  return { mean, variance: sq / (values.length - 1) };
}

describe('profiles', () => {
  it('erfc matches tabulated values', () => {
    for (const [x, v] of [
      [0, 1],
      [0.5, 0.4795001221869535],
      [1, 0.15729920705028513],
      [2, 0.004677734981047266],
      [-1, 1.8427007929497148],
      [4, 1.541725790028002e-8],
    ]) {
      expect(Math.abs(erfc(x) - v) / v).toBeLessThan(2e-7);
    }
  });

  it('a pixel profile has unit mass, the true centre and variance sigma^2 + R^2/2 + 1/12', () => {
    for (const [centre, sigma, r] of [
      [40.3, 2.1, 0],
      [51.77, 1.5, 6],
      [60.5, 3, 15],
    ]) {
      const { start, mass } = pixelProfile(centre, sigma, r);
      let total = 0, first = 0, second = 0;
      mass.forEach((m, i) => {
        total += m;
        first += m * (start + i);
        second += m * (start + i) ** 2;
      });
      const mean = first / total;
      expect(total).toBeCloseTo(1, 6);
      expect(mean).toBeCloseTo(centre, 4);
      // Pixel integration adds the variance of a unit box (1/12).
      expect(second / total - mean * mean).toBeCloseTo(sigma * sigma + (r * r) / 2 + 1 / 12, 3);
    }
  });

  it('an oscillating ion has its brightest rows near the turning points', () => {
    const { start, mass } = pixelProfile(100, 1, 12);
    const at = (y: number) => mass[y - start];
    expect(at(112)).toBeGreaterThan(2 * at(100));
    expect(at(88)).toBeGreaterThan(2 * at(100));
  });
});

describe('chain positions', () => {
  it('harmonic equilibria match the known solutions', () => {
    // x^3 = 1/4 for two ions, x^3 = 5/4 for three; four ions from James (1998).
    expect(harmonicEquilibrium(2)[1]).toBeCloseTo(Math.cbrt(0.25), 10);
    expect(harmonicEquilibrium(3)[2]).toBeCloseTo(Math.cbrt(1.25), 10);
    const four = harmonicEquilibrium(4);
    expect(four[3]).toBeCloseTo(1.4368, 4);
    expect(four[2]).toBeCloseTo(0.4544, 4);
  });

  it('every ion of a long chain is in force balance and the inner gaps are the smallest', () => {
    const x = harmonicEquilibrium(20);
    for (let i = 0; i < x.length; i++) {
      let force = -x[i];
      for (let j = 0; j < x.length; j++) if (j !== i) force += Math.sign(x[i] - x[j]) / (x[i] - x[j]) ** 2;
      expect(Math.abs(force)).toBeLessThan(1e-9);
    }
    expect(x[10] - x[9]).toBeLessThan(x[1] - x[0]);
  });

  it('scales the closest pair to the requested spacing, centred on zero', () => {
    for (const layout of ['harmonic', 'uniform'] as const) {
      const x = chainOffsets(7, 13, layout);
      const gaps = Array.from(x.subarray(1), (v, i) => v - x[i]);
      expect(Math.min(...gaps)).toBeCloseTo(13, 9);
      expect(x.reduce((a, b) => a + b, 0)).toBeCloseTo(0, 9);
    }
  });
});

describe('noise', () => {
  it('background pixels are Poisson: mean = variance = B', () => {
    const frame = scene({ ions: 0, background: 50, readNoise: 0 }).render(0);
    const { mean, variance } = moments(frame);
    // 90,000 pixels: standard errors 0.024 (mean) and 0.24 (variance).
    expect(mean).toBeCloseTo(50, 0);
    expect(Math.abs(mean - 50)).toBeLessThan(0.12);
    expect(Math.abs(variance - 50)).toBeLessThan(1.2);
  });

  it('read noise adds its variance (plus the rounding of the sum)', () => {
    const frame = scene({ ions: 0, background: 40, readNoise: 3 }).render(1);
    const { mean, variance } = moments(frame);
    expect(Math.abs(mean - 40)).toBeLessThan(0.12);
    expect(Math.abs(variance - (40 + 9 + 1 / 12))).toBeLessThan(1.3);
  });

  it('the alias table draws values with their probabilities', () => {
    const p = recordedValueDistribution(20, 1.5);
    expect(p.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 9);
    const table = new AliasTable(p);
    const rng = new Rng(7);
    const counts = new Float64Array(256);
    const n = 400_000;
    for (let i = 0; i < n; i++) counts[table.draw(rng.uint32())]++;
    for (let v = 0; v < 256; v++) {
      const expected = n * p[v];
      expect(Math.abs(counts[v] - expected)).toBeLessThan(5 * Math.sqrt(expected) + 2);
    }
  });

  it('Poisson draws for ion pixels have mean = variance over the whole range of means', () => {
    const rng = new Rng(3);
    for (const lambda of [0.5, 4, 12, 80, 400]) {
      const draws = Float64Array.from({ length: 100_000 }, () => rng.poisson(lambda));
      const { mean, variance } = moments(draws);
      expect(Math.abs(mean - lambda)).toBeLessThan(5 * Math.sqrt(lambda / draws.length));
      expect(Math.abs(variance / lambda - 1)).toBeLessThan(0.03);
    }
  });

  it('the mean image is B + N Px Py and ion pixels scatter like Poisson counts', () => {
    const s = scene({ width: 40, height: 40, ions: 1, photons: 3000, background: 10, readNoise: 0, rY: 4, centerX: 19.3, centerY: 20.6 });
    const frames = Array.from({ length: 2000 }, (_, i) => s.render(i));
    const px = pixelProfile(19.3, s.settings.sigmaX, 0);
    const py = pixelProfile(20.6, s.settings.sigmaY, 4);
    for (const [r, c] of [
      [20, 19],
      [17, 20],
      [24, 18],
      [5, 5],
    ]) {
      const expected = 10 + 3000 * (py.mass[r - py.start] ?? 0) * (px.mass[c - px.start] ?? 0);
      const { mean, variance } = moments(frames.map((f) => f[r * 40 + c]));
      expect(Math.abs(mean - expected)).toBeLessThan(5 * Math.sqrt(expected / frames.length));
      expect(Math.abs(variance / expected - 1)).toBeLessThan(0.2);
    }
    // All the light is there: summed over the frame, N photons above the background.
    const { mean: total } = moments(frames.map((f) => f.reduce((a, b) => a + b, 0) - 10 * 1600));
    expect(Math.abs(total - 3000)).toBeLessThan(10);
  });

  it('saturates at 255 instead of wrapping', () => {
    const frame = scene({ ions: 1, photons: 1e6, readNoise: 0 }).render(0);
    expect(Math.max(...frame)).toBe(255);
    const peak = frame.indexOf(255);
    expect(Math.abs((peak % 300) - 149.5)).toBeLessThan(6);
  });
});

describe('the same model as the fixture generator', () => {
  // Each fixture's truth, redrawn as an expected image by our renderer: the stored pixels must
  // scatter around it exactly as shot + read noise allow, in the ion windows as well as outside.
  for (const file of ['chain_n6_sp20_har_s1402.png', 'rsweep_R09_s1504.png', 'rand300x300_n3_s1109.png']) {
    it(file, async () => {
      const sidecar = loadSidecar(file);
      const { truth } = sidecar;
      const read = (truth as unknown as { noise: { read_noise_sigma: number } }).noise.read_noise_sigma;
      const ions = truth.ions.map((ion) => ({ x: ion.x, y: ion.y, sigmaX: ion.sigma_x, sigmaY: ion.sigma_y, rY: ion.R_y, photons: ion.photons }));
      const s = new SimulatedScene(
        { ...DEFAULT_SIMULATED_SETTINGS, width: sidecar.width, height: sidecar.height, background: truth.background, readNoise: read },
        ions,
      );
      const expected = s.expected();
      const pixels = (await decode(fixturePath(file))).data;
      const inIons: number[] = [];
      const outside: number[] = [];
      for (let i = 0; i < pixels.length; i++) {
        if (pixels[i] === 255 || pixels[i] === 0) continue;
        const z = (pixels[i] - expected[i]) / Math.sqrt(expected[i] + read * read + 1 / 12);
        (expected[i] > truth.background + 20 ? inIons : outside).push(z);
      }
      expect(inIons.length).toBeGreaterThan(50 * ions.length);
      for (const z of [inIons, outside]) {
        const { mean, variance } = moments(z);
        expect(Math.abs(mean)).toBeLessThan(5 / Math.sqrt(z.length));
        expect(Math.abs(variance - 1)).toBeLessThan(6 * Math.sqrt(2 / z.length));
      }
    });
  }
});

describe('determinism and settings', () => {
  it('the same seed and index give the same pixels; others differ', () => {
    const a = scene({ seed: 11 }).render(5);
    expect(Buffer.from(scene({ seed: 11 }).render(5)).equals(Buffer.from(a))).toBe(true);
    expect(Buffer.from(scene({ seed: 11 }).render(6)).equals(Buffer.from(a))).toBe(false);
    expect(Buffer.from(scene({ seed: 12 }).render(5)).equals(Buffer.from(a))).toBe(false);
  });

  it('rejects bad settings with TypeError/RangeError naming the field', () => {
    expect(() => checkSimulatedSettings({ fps: 0 })).toThrow(RangeError);
    expect(() => checkSimulatedSettings({ fps: 'fast' })).toThrow(/fps must be a finite number/);
    expect(() => checkSimulatedSettings({ width: 100.5 })).toThrow(/width must be an integer/);
    expect(() => checkSimulatedSettings({ ions: -1 })).toThrow(RangeError);
    expect(() => checkSimulatedSettings({ rY: Number.NaN })).toThrow(TypeError);
    expect(() => checkSimulatedSettings({ layout: 'zigzag' })).toThrow(/layout/);
    expect(() => checkSimulatedSettings({ exposure: 3 })).toThrow(/unknown camera setting "exposure"/);
    expect(() => checkSimulatedSettings(null)).toThrow(TypeError);
    expect(() => new SimulatedCamera({ height: 5 })).toThrow(/height must be in/);
    expect(() => checkSimulatedSettings({ centerX: null, rY: 0, layout: 'uniform' })).not.toThrow();
  });

  it('the driver emits raw 8-bit frames at its fps, R_y changes apply while running, stop is final', async () => {
    const camera = new SimulatedCamera({ fps: 200, width: 64, height: 48, ions: 2, spacing: 20 });
    const frames: CameraFrame[] = [];
    camera.on('frame', (f: CameraFrame) => {
      frames.push(f);
      if (frames.length === 10) camera.configure({ rY: 9 });
      if (frames.length === 40) camera.stop();
    });
    const started = performance.now();
    camera.start();
    await new Promise((resolve) => setTimeout(resolve, 400));
    const elapsed = performance.now() - started;
    expect(camera.running).toBe(false);
    expect(frames).toHaveLength(40);
    expect(elapsed).toBeGreaterThanOrEqual(150); // 40 frames at 200 fps take 195 ms
    expect(frames.map((f) => f.index)).toEqual(Array.from({ length: 40 }, (_, i) => i));
    expect(frames[0].raw).toEqual({ width: 64, height: 48, dtype: 'uint8' });
    expect(frames[0].input.length).toBe(64 * 48);
    expect(frames[5].meta).toEqual({ rY: 3 });
    expect(frames[20].meta).toEqual({ rY: 9 });
    expect(camera.truth().map((ion) => ion.rY)).toEqual([9, 9]);
  });
});

describe('the real analysis recovers the simulated ions', () => {
  const settings = { ions: 4, layout: 'uniform', spacing: 40, rY: 5, sigmaX: 2.2, sigmaY: 2, photons: 12000, background: 30, readNoise: 1 } as const;
  const s = scene(settings);
  const frame = { width: 300, height: 300, data: s.render(3) };

  it('finds every ion within 1 px', async () => {
    const result = await analyze(frame, { analysis: 1 });
    expect(result.ionCount).toBe(4);
    const found = [...result.ions].sort((a, b) => a.x0 - b.x0);
    found.forEach((ion, k) => {
      expect(Math.abs(ion.x0 - s.ions[k].x)).toBeLessThan(1);
      expect(Math.abs(ion.y0 - s.ions[k].y)).toBeLessThan(1);
    });
  });

  it('fits x0, y0, sigma_x and R_y close to the truth', async () => {
    const result = await analyze(frame, { model: 'shm-psf' });
    expect(result.ionCount).toBe(4);
    const found = [...result.ions].sort((a, b) => a.x0 - b.x0);
    found.forEach((ion, k) => {
      const truth = s.ions[k];
      expect(Math.abs(ion.x0 - truth.x)).toBeLessThan(0.1);
      expect(Math.abs(ion.y0 - truth.y)).toBeLessThan(0.3);
      expect(Math.abs(ion.sigmaX - truth.sigmaX)).toBeLessThan(0.25);
      expect(Math.abs(ion.rY - truth.rY)).toBeLessThan(0.8);
    });
  });
});
