// Access to the fixture frames copied from ../shared/fixtures (see test/fixtures/README.md).
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const FIXTURE_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'frames');

export interface TruthIon {
  x: number;
  y: number;
  sigma_x: number;
  sigma_y: number;
  R_y: number;
  photons: number;
  in_roi: boolean;
}

export interface Sidecar {
  file: string;
  format: 'png' | 'tiff' | 'raw';
  width: number;
  height: number;
  dtype: 'uint8' | 'uint16';
  case: string;
  params: { xstart: number; xfinish: number; ystart: number; yfinish: number; radius: number; analysis: number };
  reference_valid: boolean;
  truth: { ion_count: number; ion_count_in_roi: number; ions: TruthIon[]; background: number };
  reference: any;
  intended_fit: any;
}

export function fixturePath(file: string): string {
  return join(FIXTURE_DIR, file);
}

export function loadSidecar(file: string): Sidecar {
  return JSON.parse(readFileSync(join(FIXTURE_DIR, `${file}.json`), 'utf8')) as Sidecar;
}

/** Every fixture's sidecar, in file-name order. */
export function allSidecars(): Sidecar[] {
  return readdirSync(FIXTURE_DIR)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((f) => loadSidecar(f.slice(0, -'.json'.length)));
}
