// The library wrapper's argument checks: every bad value is a TypeError or RangeError naming it,
// thrown before anything reaches the addon, and the legacy ROI convention is converted exactly.
import { describe, expect, it } from 'vitest';

import { analyze, analyzeSync, decode } from '../src/index.js';
import { fixturePath } from './helpers/fixtures.js';

const frame = { width: 4, height: 3, data: new Uint8Array(12) };

describe('analyze() argument checks', () => {
  it.each([
    [null, TypeError, /frame must be an object/],
    [{ width: 4, height: 3, data: [1, 2] }, TypeError, /frame.data must be a Uint8Array, Uint16Array or Float32Array/],
    [{ width: 0, height: 3, data: new Uint8Array(0) }, TypeError, /frame.width must be an integer in \[1, 65535\], got 0/],
    [{ width: 2.5, height: 3, data: new Uint8Array(12) }, TypeError, /frame.width must be an integer/],
    [{ width: 4, height: 3, data: new Uint8Array(11) }, TypeError, /frame.data has 11 pixels but width \* height = 4 \* 3 = 12/],
    [{ width: 2, height: 1, data: new Float32Array([1, Number.NaN]) }, TypeError, /frame.data\[1\] is NaN; float frames must be finite/],
  ])('rejects frame %#', (bad, type, message) => {
    expect(() => analyzeSync(bad as never)).toThrow(type);
    expect(() => analyzeSync(bad as never)).toThrow(message);
  });

  it.each([
    [{ radius: 0 }, RangeError, /options.radius must be in \(0, 500\], got 0/],
    [{ radius: 1e6 }, RangeError, /options.radius must be in \(0, 500\]/],
    [{ radius: Number.NaN }, TypeError, /options.radius must be a finite number/],
    [{ analysis: 3 }, RangeError, /options.analysis must be 0, 1 or 2, got 3/],
    [{ model: 'lorentz' }, TypeError, /options.model must be one of shm-psf, shm, gaussian, got lorentz/],
    [{ detector: 'cnn' }, TypeError, /options.detector must be one of peaks, legacy, got cnn/],
    [{ gpu: 'yes' }, TypeError, /options.gpu must be one of auto, on, off, got yes/],
    [{ colour: true }, TypeError, /unknown option "colour"/],
    [{ roi: { x: 10, y: 0, width: 5, height: 3 } }, RangeError, /does not overlap the 4x3 frame/],
    [{ roi: { x: 0, y: 0, width: 0, height: 3 } }, RangeError, /width and height must be >= 1/],
    [{ roi: { x: 0.5, y: 0, width: 2, height: 3 } }, TypeError, /options.roi.x must be an integer, got 0.5/],
    [{ roi: { xstart: 0, xfinish: 3, ystart: 0 } }, TypeError, /options.roi.yfinish must be an integer/],
  ])('rejects options %j', (options, type, message) => {
    expect(() => analyzeSync(frame, options as never)).toThrow(type);
    expect(() => analyzeSync(frame, options as never)).toThrow(message);
  });

  it('rejects asynchronously too, and the process keeps working', async () => {
    await expect(analyze(frame, { model: 'lorentz' as never })).rejects.toThrow(TypeError);
    expect((await analyze(frame)).ionCount).toBe(0);
  });

  it('clamps a partly outside ROI and converts the legacy convention (x* = rows)', async () => {
    const png = await decode(fixturePath('rand300x300_n3_s1109.png'));
    expect(analyzeSync(png, { roi: { x: -10, y: 250, width: 100, height: 100 } }).roi).toEqual({ x: 0, y: 250, width: 90, height: 50 });
    const legacy = analyzeSync(png, { roi: { xstart: 100, xfinish: 260, ystart: 0, yfinish: 120 } });
    expect(legacy.roi).toEqual({ x: 0, y: 100, width: 120, height: 160 });
    const same = analyzeSync(png, { roi: { x: 0, y: 100, width: 120, height: 160 } });
    expect(legacy.ions).toEqual(same.ions);
    // The two ions at columns 32 and 45 (rows 212 and 154) are inside; the one at column 237 is not.
    expect(legacy.ions.map((i) => Math.round(i.x0)).sort((a, b) => a - b)).toEqual([32, 45]);
  });
});
