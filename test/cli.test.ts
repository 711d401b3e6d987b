// `ioncam analyze` as a child process (bin/ioncam.cjs, which loads the built dist/), compared with the library.
import { execFile } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { analyze, decode, type AnalyzeOptions } from '../src/index.js';
import { FIXTURE_DIR, fixturePath, loadSidecar } from './helpers/fixtures.js';

const MAIN = fileURLToPath(new URL('../bin/ioncam.cjs', import.meta.url));
const run = promisify(execFile);

interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

async function ioncam(...args: string[]): Promise<CliRun> {
  try {
    const { stdout, stderr } = await run(process.execPath, [MAIN, ...args], { maxBuffer: 64 * 1024 * 1024 });
    return { code: 0, stdout, stderr };
  } catch (e) {
    const err = e as { code: number; stdout: string; stderr: string };
    if (typeof err.code !== 'number') throw e;
    return { code: err.code, stdout: err.stdout, stderr: err.stderr };
  }
}

/** What the library itself says about a fixture file with these options. */
async function libraryResult(file: string, options: AnalyzeOptions) {
  const name = basename(file);
  const raw = name.endsWith('.raw') ? loadSidecar(name) : undefined;
  const frame = await decode(file, raw ? { width: raw.width, height: raw.height, dtype: raw.dtype } : {});
  return analyze(frame, options);
}

const parseLines = (text: string) =>
  text
    .split('\n')
    .filter((l) => l.length > 0)
    .map((l) => JSON.parse(l) as Record<string, any>);

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'ioncam-cli-'));
});
afterAll(() => {
  // temp folders are left for inspection; the OS cleans tmp
});

describe('ioncam analyze', () => {
  it('analyses the fixture folder (raw files via their sidecars) exactly as the library does', async () => {
    const out = join(dir, 'all.ndjson');
    const res = await ioncam('analyze', FIXTURE_DIR, '--out', out, '--progress', 'lines');
    expect(res.code, res.stderr).toBe(0);
    const expected = readdirSync(FIXTURE_DIR).filter((f) => /\.(png|tif|raw)$/.test(f)).sort();
    const lines = parseLines(readFileSync(out, 'utf8'));
    expect(lines.map((l) => basename(l.file))).toEqual(expected);
    for (const line of lines) {
      const lib = await libraryResult(line.file, {});
      expect({ file: line.file, width: line.width, height: line.height, roi: line.roi }).toEqual({
        file: line.file,
        width: lib.width,
        height: lib.height,
        roi: lib.roi,
      });
      expect(line.ionCount).toBe(lib.ionCount);
      expect(line.ions).toEqual(JSON.parse(JSON.stringify(lib.ions)));
    }
    const ions = lines.reduce((n, l) => n + l.ionCount, 0);
    expect(res.stderr).toMatch(new RegExp(`analyzed ${expected.length} frames, ${ions} ions, 0 failures in [\\d.]+ s \\([\\d.]+ frames/s\\)`));
    expect(res.stderr).toContain(`[${expected.length}/${expected.length}] ok`);
  });

  it('passes the analysis options through, legacy ROI convention included', async () => {
    const files = ['rand300x300_n3_s1109.png', 'u16_300_n3_s2001.tif', 'chain_n5_sp25_uni_s1401.png'].map(fixturePath);
    const legacyRoi = { xstart: 10, xfinish: 200, ystart: 20, yfinish: 250 };
    const options: AnalyzeOptions = { roi: legacyRoi, radius: 15, model: 'shm', detector: 'legacy', analysis: 1 };
    const res = await ioncam(
      'analyze',
      ...files,
      '--roi', 'xstart=10,xfinish=200,ystart=20,yfinish=250',
      '--radius', '15',
      '--model', 'shm',
      '--detector', 'legacy',
      '--analysis', '1',
      '--progress', 'none',
    );
    expect(res.code, res.stderr).toBe(0);
    const lines = parseLines(res.stdout);
    expect(lines.map((l) => l.file)).toEqual(files);
    for (const line of lines) {
      // Legacy x* cut rows: rows 10..200, columns 20..250.
      expect(line.roi).toEqual({ x: 20, y: 10, width: 230, height: 190 });
      const lib = await libraryResult(line.file, options);
      expect(line.ions).toEqual(JSON.parse(JSON.stringify(lib.ions)));
    }
    const plain = await ioncam('analyze', files[0], '--roi', '20,10,230,190', '--progress', 'none');
    expect(parseLines(plain.stdout)[0].roi).toEqual({ x: 20, y: 10, width: 230, height: 190 });
  });

  it('writes one CSV row per ion, and one row for a frame without ions', async () => {
    const out = join(dir, 'some.csv');
    const files = ['rand300x300_n5_s1114.png', 'dark300_s1901.png', 'u16_500_n5_s2002.png'].map(fixturePath);
    const res = await ioncam('analyze', ...files, '--format', 'csv', '--out', out);
    expect(res.code, res.stderr).toBe(0);
    const rows = readFileSync(out, 'utf8').trim().split('\n');
    expect(rows[0].split(',').slice(0, 7)).toEqual(['file', 'width', 'height', 'ion_count', 'ion', 'x0', 'y0']);
    const expectedRows: string[] = [];
    for (const file of files) {
      const lib = await libraryResult(file, {});
      if (lib.ions.length === 0) expectedRows.push(`${file},${lib.width},${lib.height},0,`);
      lib.ions.forEach((ion, k) => expectedRows.push(`${file},${lib.width},${lib.height},${lib.ionCount},${k},${ion.x0},${ion.y0},`));
    }
    expect(rows.length - 1).toBe(expectedRows.length);
    rows.slice(1).forEach((row, i) => expect(row.startsWith(expectedRows[i])).toBe(true));
  });

  it('--format legacy writes the legacy layout through the server writer, one record per frame', async () => {
    const out = join(dir, 'legacy-data');
    // The whole folder with one job: far more results than the writer backlog the CLI allows.
    const res = await ioncam('analyze', FIXTURE_DIR, '--format', 'legacy', '--out', out, '--jobs', '1', '--progress', 'none');
    expect(res.code, res.stderr).toBe(0);
    expect(res.stdout).toBe('');
    const files = readdirSync(FIXTURE_DIR).filter((f) => /\.(png|tif|raw)$/.test(f)).map(fixturePath);
    expect(res.stderr).toContain(`analyzed ${files.length} frames`);
    const days = readdirSync(out).filter((d) => /^\d{6}$/.test(d));
    expect(days).toHaveLength(1);
    const jsonDir = join(out, days[0], 'cam_json');
    const records = readdirSync(jsonDir).map((f) => JSON.parse(readFileSync(join(jsonDir, f), 'utf8')));
    expect(records).toHaveLength(files.length);
    expect(readdirSync(join(out, 'jpg_frames_labelled', days[0])).filter((f) => f.endsWith('_labelled.jpg'))).toHaveLength(files.length);
    // The day's results.ndjson ties each record (by seq) to its source file.
    const fileBySeq = new Map(
      parseLines(readFileSync(join(out, days[0], 'results.ndjson'), 'utf8')).map((r) => [r.seq, r.meta.file as string]),
    );
    expect([...fileBySeq.values()].sort()).toEqual([...files].sort());
    for (const rec of records) {
      const lib = await libraryResult(fileBySeq.get(rec.seq)!, {});
      expect(rec.atom_count).toBe(lib.ionCount);
      expect(rec.atoms.map((a: any) => [a.x0, a.y0, a.sigma_x, a.R_y])).toEqual(lib.ions.map((i) => [i.x0, i.y0, i.sigmaX, i.rY]));
      expect(rec.source).toBe('cli');
    }
  });

  it('reads .raw files only with a known size: skipped in folders, --raw-size, failure when named', async () => {
    const rawDir = join(dir, 'raw');
    mkdirSync(rawDir);
    copyFileSync(fixturePath('u16_300_n3_s2001.raw'), join(rawDir, 'frame.raw'));
    const skipped = await ioncam('analyze', rawDir, '--progress', 'none');
    expect(skipped.code).toBe(0);
    expect(skipped.stderr).toContain('skipped');
    expect(skipped.stdout).toBe('');

    const sized = await ioncam('analyze', rawDir, '--raw-size', '300x300:uint16', '--progress', 'none');
    expect(sized.code, sized.stderr).toBe(0);
    const png = await ioncam('analyze', fixturePath('u16_300_n3_s2001.png'), '--progress', 'none');
    const [fromRaw] = parseLines(sized.stdout);
    const [fromPng] = parseLines(png.stdout);
    expect(fromRaw.ions).toEqual(fromPng.ions);

    const named = await ioncam('analyze', join(rawDir, 'frame.raw'), '--progress', 'none');
    expect(named.code).toBe(1);
    expect(named.stderr).toMatch(/frame\.raw: \.raw needs --raw-size/);
  });

  it('a missing file and a corrupt file fail with exit status 1 and are listed; good files still come out', async () => {
    const corrupt = join(dir, 'corrupt.png');
    writeFileSync(corrupt, Buffer.concat([readFileSync(fixturePath('dark300_s1901.png')).subarray(0, 100)]));
    const missing = join(dir, 'missing.png');
    const good = fixturePath('dark300_s1901.png');
    const res = await ioncam('analyze', missing, corrupt, good, '--progress', 'lines');
    expect(res.code).toBe(1);
    expect(res.stderr).toContain('analyzed 1 frames, 0 ions, 2 failures');
    expect(res.stderr).toMatch(/failed files:\n/);
    expect(res.stderr).toContain(`${missing}: no such file or directory`);
    expect(res.stderr).toMatch(new RegExp(`${corrupt.replace(/[.]/g, '\\.')}: DecodeError: `));
    const lines = parseLines(res.stdout);
    expect(lines.map((l) => l.file)).toEqual([corrupt, good]);
    expect(lines[0].error).toMatch(/^DecodeError/);
    expect(lines[1].ionCount).toBe(0);
  });

  it('bad options are usage errors (exit 2) and --help documents the command', async () => {
    const bad = await ioncam('analyze', '--model', 'lorentz', fixturePath('dark300_s1901.png'));
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--model must be one of shm-psf, shm, gaussian');
    const radius = await ioncam('analyze', '--radius', '0', fixturePath('dark300_s1901.png'));
    expect(radius.code).toBe(2);
    expect(radius.stderr).toContain('options.radius must be in');
    const none = await ioncam('analyze');
    expect(none.code).toBe(2);
    const help = await ioncam('analyze', '--help');
    expect(help.code).toBe(0);
    for (const flag of ['--roi', '--radius', '--analysis', '--model', '--detector', '--format', '--out', '--raw-size', '--jobs']) {
      expect(help.stdout).toContain(flag);
    }
  });

  it('ioncam bench lists the benchmark scripts and refuses an unknown one', async () => {
    const help = await ioncam('bench', '--help');
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/Available: .*\btcp\b/);
    expect(help.stdout).toMatch(/\bcli\b/);
    const unknown = await ioncam('bench', 'no-such-bench');
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('no benchmark "no-such-bench"');
  });
});
