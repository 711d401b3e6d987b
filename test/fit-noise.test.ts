// A frame of pure noise through the legacy detector, whose threshold follows the noise and
// finds many false blobs: every fit must still finish with finite numbers (the cost per fit
// is bounded by evaluation budgets; it is measured in bench/, not here).
import { describe, expect, it } from 'vitest';

import { analyze } from '../src/index.js';
import { rng } from './helpers/synthetic.js';

function noiseFrame(seed: number) {
  const rand = rng(seed);
  const data = new Uint8Array(300 * 300);
  for (let i = 0; i < data.length; i++) data[i] = Math.floor(rand() * 256);
  return { width: 300, height: 300, data };
}

describe('pure noise with the legacy detector', () => {
  for (const model of ['shm-psf', 'shm', 'gaussian'] as const) {
    it(`${model}: many false blobs, every output finite`, async () => {
      const r = await analyze(noiseFrame(7), { detector: 'legacy', model, radius: 4 });
      expect(r.ionCount).toBeGreaterThan(50);
      for (const ion of r.ions) {
        const values = [ion.x0, ion.y0, ion.sigmaX, ion.rY, ion.ampX, ion.ampY, ion.offsetX, ion.offsetY];
        values.push(...Object.values(ion.errors as Record<string, number>));
        if (ion.sigmaY !== undefined) values.push(ion.sigmaY);
        for (const v of values) expect(Number.isFinite(v)).toBe(true);
        expect(Number.isInteger(ion.iterations)).toBe(true);
      }
    });
  }
});
