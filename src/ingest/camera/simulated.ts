// The built-in simulated camera: 8-bit frames of a horizontal ion chain drawn exactly like the
// fixture frames (test/fixtures/README.md): expected photons B + sum_k N_k Px_k[c] Py_k[r] with
// pixel-integrated Gaussian / arcsine-convolved-Gaussian profiles, then Poisson shot noise, optional
// Gaussian read noise, rounding and clipping to 0..255. Frame i of a run with seed s is always the
// same pixels. The model is separable, so only a window around each ion costs more than one random
// draw per pixel: background pixels take their final value from a precomputed alias table.
import { EventEmitter } from 'node:events';
import { chainOffsets, type ChainLayout } from './chain.js';
import type { CameraBaseSettings, CameraDriver, CameraFrame } from './driver.js';
import { normalCdf, pixelProfile, type PixelProfile } from './profiles.js';
import { AliasTable, Rng, logFactorial } from './random.js';

export interface SimulatedSettings extends CameraBaseSettings {
  /** Number of ions in the chain (0 = an empty frame). */
  ions: number;
  /** 'harmonic': equilibrium spacing of ions in a harmonic trap; 'uniform': even spacing. */
  layout: ChainLayout;
  /** Smallest distance between neighbouring ions, px. */
  spacing: number;
  /** Vertical oscillation amplitude R_y of every ion, px (0 = at rest). */
  rY: number;
  /** Gaussian PSF widths, px. */
  sigmaX: number;
  sigmaY: number;
  /** Photons per ion per frame. */
  photons: number;
  /** Expected background photons per pixel. */
  background: number;
  /** Gaussian read-noise sigma, in counts. */
  readNoise: number;
  /** Chain centre, px (x = column, y = row); null = the frame centre. */
  centerX: number | null;
  centerY: number | null;
  /** 32-bit seed; the same seed and settings give the same frames. */
  seed: number;
}

type NumericKey = { [K in keyof SimulatedSettings]: SimulatedSettings[K] extends number ? K : never }[keyof SimulatedSettings];

interface NumberSpec {
  integer: boolean;
  min: number;
  max: number;
  nullable?: boolean;
  description: string;
}

/** Accepted range of every numeric setting; the REST schema and the config are built from it. */
export const SIMULATED_NUMBER_SPECS: Record<NumericKey | 'centerX' | 'centerY', NumberSpec> = {
  fps: { integer: false, min: 0.1, max: 1000, description: 'frames per second' },
  width: { integer: true, min: 16, max: 4096, description: 'frame width, px' },
  height: { integer: true, min: 16, max: 4096, description: 'frame height, px' },
  ions: { integer: true, min: 0, max: 100, description: 'ions in the chain' },
  spacing: { integer: false, min: 1, max: 1000, description: 'smallest ion spacing, px' },
  rY: { integer: false, min: 0, max: 200, description: 'vertical oscillation amplitude R_y, px' },
  sigmaX: { integer: false, min: 0.3, max: 50, description: 'horizontal PSF width, px' },
  sigmaY: { integer: false, min: 0.3, max: 50, description: 'vertical PSF width, px' },
  photons: { integer: false, min: 0, max: 1e7, description: 'photons per ion per frame' },
  background: { integer: false, min: 0, max: 255, description: 'background photons per pixel' },
  readNoise: { integer: false, min: 0, max: 100, description: 'Gaussian read noise sigma, counts' },
  centerX: { integer: false, min: -1e4, max: 1e4, nullable: true, description: 'chain centre column, px (null = frame centre)' },
  centerY: { integer: false, min: -1e4, max: 1e4, nullable: true, description: 'chain centre row, px (null = frame centre)' },
  seed: { integer: true, min: 0, max: 0xffffffff, description: '32-bit random seed' },
};
export const CHAIN_LAYOUTS: readonly ChainLayout[] = ['harmonic', 'uniform'];

export const DEFAULT_SIMULATED_SETTINGS: Readonly<SimulatedSettings> = Object.freeze({
  fps: 10,
  width: 300,
  height: 300,
  ions: 5,
  layout: 'harmonic',
  spacing: 25,
  rY: 3,
  sigmaX: 2.2,
  sigmaY: 2.2,
  photons: 8000,
  background: 30,
  readNoise: 1,
  centerX: null,
  centerY: null,
  seed: 1,
});

/** JSON schema of a partial settings object (the driver's own check gives the exact messages). */
export const SIMULATED_SETTINGS_SCHEMA: Record<string, unknown> = {
  type: 'object',
  properties: {
    ...Object.fromEntries(
      Object.entries(SIMULATED_NUMBER_SPECS).map(([key, spec]) => [
        key,
        { type: spec.integer ? 'integer' : 'number', minimum: spec.min, maximum: spec.max, description: spec.description, ...(spec.nullable ? { nullable: true } : {}) },
      ]),
    ),
    layout: { type: 'string', enum: [...CHAIN_LAYOUTS], description: 'harmonic-trap spacing or uniform spacing' },
  },
};

/** Checks a partial settings object; throws TypeError/RangeError naming the first bad field. */
export function checkSimulatedSettings(patch: unknown): asserts patch is Partial<SimulatedSettings> {
  if (patch === null || typeof patch !== 'object' || Array.isArray(patch)) {
    throw new TypeError('camera settings must be an object');
  }
  for (const [key, value] of Object.entries(patch)) {
    if (key === 'layout') {
      if (!CHAIN_LAYOUTS.includes(value as ChainLayout)) {
        throw new TypeError(`layout must be one of ${CHAIN_LAYOUTS.join(', ')}, got ${JSON.stringify(value)}`);
      }
      continue;
    }
    const spec = SIMULATED_NUMBER_SPECS[key as NumericKey];
    if (spec === undefined) throw new TypeError(`unknown camera setting "${key}"`);
    if (value === null && spec.nullable) continue;
    if (typeof value !== 'number' || !Number.isFinite(value)) {
      throw new TypeError(`${key} must be a finite number, got ${JSON.stringify(value)}`);
    }
    if (spec.integer && !Number.isInteger(value)) throw new TypeError(`${key} must be an integer, got ${value}`);
    if (value < spec.min || value > spec.max) {
      throw new RangeError(`${key} must be in [${spec.min}, ${spec.max}], got ${value}`);
    }
  }
}

/** One simulated ion, in the fixtures' truth terms. */
export interface SimulatedIon {
  x: number;
  y: number;
  sigmaX: number;
  sigmaY: number;
  rY: number;
  photons: number;
}

/** The horizontal chain the settings describe, centred on the chain centre. */
export function chainIons(settings: SimulatedSettings): SimulatedIon[] {
  const cx = settings.centerX ?? (settings.width - 1) / 2;
  const cy = settings.centerY ?? (settings.height - 1) / 2;
  return Array.from(chainOffsets(settings.ions, settings.spacing, settings.layout), (dx) => ({
    x: cx + dx,
    y: cy,
    sigmaX: settings.sigmaX,
    sigmaY: settings.sigmaY,
    rY: settings.rY,
    photons: settings.photons,
  }));
}

/** Everything a frame needs that does not change from frame to frame. */
export class SimulatedScene {
  readonly settings: Readonly<SimulatedSettings>;
  readonly ions: readonly SimulatedIon[];
  private readonly profiles: { x: PixelProfile; y: PixelProfile; photons: number }[];
  private readonly backgroundValues: AliasTable;
  private readonly signal: Float64Array;
  private readonly words: Uint32Array;

  /** The ions default to the chain the settings describe; any other set may be given. */
  constructor(settings: SimulatedSettings, ions: readonly SimulatedIon[] = chainIons(settings)) {
    checkSimulatedSettings(settings);
    this.settings = Object.freeze({ ...settings });
    const { width, height } = settings;
    this.ions = ions;
    this.profiles = this.ions.map((ion) => ({
      x: pixelProfile(ion.x, ion.sigmaX, 0),
      y: pixelProfile(ion.y, ion.sigmaY, ion.rY),
      photons: ion.photons,
    }));
    this.backgroundValues = new AliasTable(recordedValueDistribution(settings.background, settings.readNoise));
    this.signal = new Float64Array(width * height);
    this.words = new Uint32Array(width * height);
  }

  /** Expected photons per pixel, B + sum_k N_k Px_k Py_k (a fresh array). */
  expected(): Float64Array {
    const out = Float64Array.from(this.paintSignal());
    for (let i = 0; i < out.length; i++) out[i] += this.settings.background;
    return out;
  }

  /** The ions' expected photons per pixel (zero outside their windows), in the shared buffer. */
  private paintSignal(): Float64Array {
    const { width, height } = this.settings;
    const signal = this.signal;
    signal.fill(0);
    for (const { x, y, photons } of this.profiles) {
      const c0 = Math.max(0, x.start), c1 = Math.min(width, x.start + x.mass.length);
      const r0 = Math.max(0, y.start), r1 = Math.min(height, y.start + y.mass.length);
      for (let r = r0; r < r1; r++) {
        const rowPhotons = photons * y.mass[r - y.start];
        const row = r * width;
        const shift = x.start;
        for (let c = c0; c < c1; c++) signal[row + c] += rowPhotons * x.mass[c - shift];
      }
    }
    return signal;
  }

  /** Renders frame `index` (8-bit, row-major) into `out` (allocated when not given). */
  render(index: number, out: Uint8Array = new Uint8Array(this.settings.width * this.settings.height)): Uint8Array {
    const { width, height, background, readNoise, seed } = this.settings;
    if (out.length !== width * height) throw new RangeError(`output needs ${width * height} bytes, got ${out.length}`);
    const signal = this.paintSignal();
    // One stream of words for the background pixels, another for the ions' Poisson draws.
    const words = this.words;
    new Rng(seed, 2 * index).fill(words);
    const rng = new Rng(seed, 2 * index + 1);
    const table = this.backgroundValues;
    for (let i = 0; i < out.length; i++) {
      const s = signal[i];
      if (s < 1e-9) {
        out[i] = table.draw(words[i]);
      } else {
        let v = rng.poisson(background + s);
        if (readNoise > 0) v = Math.round(v + readNoise * rng.normal());
        out[i] = v < 0 ? 0 : v > 255 ? 255 : v;
      }
    }
    return out;
  }
}

/**
 * Distribution of a background pixel's recorded value clip(round(Poisson(B) + Normal(0, read)),
 * 0, 255) over 0..255, so that one alias-table draw replaces the whole noise chain.
 */
export function recordedValueDistribution(background: number, readNoise: number): Float64Array {
  const maxCount = Math.ceil(background + 12 * Math.sqrt(background) + 30);
  const poisson = new Float64Array(maxCount + 1);
  // Poisson pmf by logs (stable for any mean in range).
  for (let k = 0; k <= maxCount; k++) {
    poisson[k] = background === 0 ? (k === 0 ? 1 : 0) : Math.exp(-background + k * Math.log(background) - logFactorial(k));
  }
  const out = new Float64Array(256);
  for (let k = 0; k <= maxCount; k++) {
    if (poisson[k] === 0) continue;
    if (readNoise === 0) {
      out[Math.min(k, 255)] += poisson[k];
      continue;
    }
    // Mass of round(k + noise) = v is the noise mass in (v - 0.5 - k, v + 0.5 - k).
    let below = 0; // cumulative mass up to v - 0.5
    for (let v = 0; v < 255; v++) {
      const upTo = normalCdf((v + 0.5 - k) / readNoise);
      out[v] += poisson[k] * (upTo - below);
      below = upTo;
    }
    out[255] += poisson[k] * (1 - below);
  }
  return out;
}

/** The simulated camera as a driver: renders and emits frames at `fps` while running. */
export class SimulatedCamera extends EventEmitter implements CameraDriver<SimulatedSettings> {
  readonly name = 'simulated';
  readonly settingsSchema = SIMULATED_SETTINGS_SCHEMA;
  private current: SimulatedSettings;
  private scene: SimulatedScene;
  private timer: NodeJS.Timeout | null = null;
  private index = 0;
  private nextDue = 0;

  constructor(settings: Partial<SimulatedSettings> = {}) {
    super();
    checkSimulatedSettings(settings);
    this.current = { ...DEFAULT_SIMULATED_SETTINGS, ...settings };
    this.scene = new SimulatedScene(this.current);
  }

  get running(): boolean {
    return this.timer !== null;
  }

  settings(): SimulatedSettings {
    return { ...this.current };
  }

  /** The ions of the frames now being drawn (the truth an analysis should recover). */
  truth(): readonly SimulatedIon[] {
    return this.scene.ions;
  }

  configure(patch: Partial<SimulatedSettings>): void {
    checkSimulatedSettings(patch);
    const next = { ...this.current, ...patch };
    this.scene = new SimulatedScene(next);
    const fpsChanged = next.fps !== this.current.fps;
    this.current = next;
    if (fpsChanged && this.running) {
      this.nextDue = performance.now() + 1000 / next.fps;
      this.arm();
    }
  }

  start(): void {
    if (this.running) return;
    this.index = 0;
    this.nextDue = performance.now();
    this.arm();
  }

  stop(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
  }

  private arm(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = setTimeout(() => this.tick(), Math.max(0, this.nextDue - performance.now()));
  }

  private tick(): void {
    const period = 1000 / this.current.fps;
    // Timers fire late by up to a millisecond or so: catch up a few frames, but a camera that fell
    // far behind (a blocked event loop) restarts its clock rather than bursting.
    for (let burst = 0; burst < 4 && this.timer !== null && this.nextDue <= performance.now(); burst++) {
      this.emit('frame', this.capture());
      this.nextDue += period;
    }
    if (this.timer === null) return; // stopped by a listener
    const now = performance.now();
    if (this.nextDue < now - 4 * period) this.nextDue = now;
    this.arm();
  }

  private capture(): CameraFrame {
    const { width, height, rY } = this.current;
    const input = Buffer.allocUnsafeSlow(width * height);
    this.scene.render(this.index, input);
    return {
      input,
      raw: { width, height, dtype: 'uint8' },
      index: this.index++,
      capturedAt: Date.now(),
      meta: { rY },
    };
  }
}
