// Settings come from flags, then IONCAM_* variables, then defaults; bad values are refused.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { describe, expect, it } from 'vitest';

import { DEFAULTS, defaultAnalyzeOptions, resolveConfig, SETTINGS, settingsHelp, withDefaults } from '../src/config.js';

describe('config', () => {
  it('has the documented defaults', () => {
    expect(resolveConfig([], {})).toMatchObject({ host: '127.0.0.1', port: 8000, dataDir: './data', camera: 'simulated', save: true, bodyLimit: 64 * 1024 * 1024, tcpPort: 5558 });
  });

  it('takes IONCAM_* variables and lets flags override them', () => {
    const env = { IONCAM_PORT: '9001', IONCAM_HOST: '0.0.0.0', IONCAM_SAVE: 'false', IONCAM_QUEUE_SIZE: '12' };
    expect(resolveConfig([], env)).toMatchObject({ port: 9001, host: '0.0.0.0', save: false, queueSize: 12 });
    expect(resolveConfig(['--port', '9002', '--queue-size=3', '--save'], env)).toMatchObject({ port: 9002, queueSize: 3, save: true, host: '0.0.0.0' });
    expect(resolveConfig(['--no-save'], {}).save).toBe(false);
  });

  it('has a flag and an IONCAM_* variable for every setting', () => {
    for (const s of SETTINGS) {
      expect(s.env).toBe(`IONCAM_${s.flag.toUpperCase().replaceAll('-', '_')}`);
      expect(settingsHelp()).toContain(s.env);
    }
    expect(Object.keys(DEFAULTS).sort()).toEqual(SETTINGS.map((s) => s.key).sort());
  });

  it('is documented in the README, every variable with its flag', () => {
    const readme = readFileSync(join(dirname(fileURLToPath(import.meta.url)), '..', 'README.md'), 'utf8');
    for (const s of SETTINGS) expect(readme).toContain(`| \`${s.env}\` | \`--${s.flag}\` |`);
  });

  it.each([
    [['--port', 'eighty'], {}],
    [['--port', '70000'], {}],
    [[], { IONCAM_QUEUE_SIZE: '0' }],
    [[], { IONCAM_SAVE: 'perhaps' }],
    [['--log-level', 'loud'], {}],
    [['--what'], {}],
    [['--port'], {}],
    [['serve'], {}],
  ])('refuses %j %j', (argv, env) => {
    expect(() => resolveConfig(argv, env)).toThrow(/port|QUEUE|SAVE|log-level|unknown flag|needs a value|unexpected argument/);
  });

  it('parses the server-wide analysis options with the `ioncam analyze` flag parsers', () => {
    const env = { IONCAM_ROI: '10,20,100,50', IONCAM_RADIUS: '12.5', IONCAM_ANALYSIS: '1', IONCAM_MODEL: 'gaussian' };
    const config = resolveConfig(['--detector', 'legacy'], env);
    expect(defaultAnalyzeOptions(config)).toEqual({
      roi: { x: 10, y: 20, width: 100, height: 50 }, radius: 12.5, analysis: 1, model: 'gaussian', detector: 'legacy',
    });
    expect(defaultAnalyzeOptions(resolveConfig(['--roi', 'xstart=0,xfinish=100,ystart=5,yfinish=50'], {})).roi)
      .toEqual({ xstart: 0, xfinish: 100, ystart: 5, yfinish: 50 });
    // Unset means the library's own defaults.
    expect(defaultAnalyzeOptions(resolveConfig([], {}))).toEqual({});
  });

  it.each([
    [{ IONCAM_ROI: '1,2,3' }, /IONCAM_ROI needs 4 numbers/],
    [{ IONCAM_ROI: '0,0,0,10' }, /IONCAM_ROI: options.roi width and height must be >= 1/],
    [{ IONCAM_RADIUS: 'wide' }, /IONCAM_RADIUS must be a number/],
    [{ IONCAM_RADIUS: '0' }, /IONCAM_RADIUS: options.radius must be in/],
    [{ IONCAM_ANALYSIS: '3' }, /IONCAM_ANALYSIS must be one of 0, 1, 2/],
    [{ IONCAM_MODEL: 'lorentz' }, /IONCAM_MODEL must be one of/],
    [{ IONCAM_DETECTOR: 'eyes' }, /IONCAM_DETECTOR must be one of/],
  ])('refuses the analysis option %j', (env, message) => {
    expect(() => resolveConfig([], env)).toThrow(message);
  });

  it('names the flag when a flag is bad', () => {
    expect(() => resolveConfig(['--roi', 'x=1'], {})).toThrow(/--roi needs x,y,width,height/);
    expect(() => withDefaults({ detector: 'eyes' })).toThrow(/detector must be one of/);
  });

  it('checks programmatic options the same way', () => {
    expect(withDefaults({ port: 0 }).port).toBe(0);
    expect(() => withDefaults({ workers: 0 })).toThrow(RangeError);
  });
});
