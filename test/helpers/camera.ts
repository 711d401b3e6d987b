// Shared by the camera tests: which parts of the analysis core are in, and small REST helpers.
import { analyze, decode } from '../../src/index.js';
import { fixturePath } from './fixtures.js';

// The detector and the fits land in parallel with the camera. The stubs report lMax = 0 on a
// bright frame and fit nothing; the tests that need them run as soon as the real parts are in.
const probe = await analyze(await decode(fixturePath('rand300x300_n1_s1101.png')));
export const detectorLanded = probe.detection.lMax > 0;
export const fitsLanded = probe.ions.some((ion) => ion.iterations > 0);

export async function call(url: string, method: string, body?: unknown): Promise<{ status: number; body: any }> {
  const res = await fetch(url, {
    method,
    ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body), headers: { 'content-type': 'application/json' } }),
  });
  const text = await res.text();
  return { status: res.status, body: text.length > 0 ? JSON.parse(text) : null };
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
