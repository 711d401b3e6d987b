// Pixel-integrated 1D intensity profiles of one ion, the same model the fixture frames were
// drawn from (test/fixtures/README.md, "How the truth was generated"): a Gaussian PSF
// horizontally; vertically the arcsine time average of a harmonic oscillation of amplitude R
// convolved with the PSF. Each profile is a probability mass over whole pixels.

/** Complementary error function; fractional error below 1.2e-7 everywhere (Chebyshev fit). */
export function erfc(x: number): number {
  const z = Math.abs(x);
  const t = 1 / (1 + 0.5 * z);
  const r =
    t *
    Math.exp(
      -z * z -
        1.26551223 +
        t *
          (1.00002368 +
            t *
              (0.37409196 +
                t *
                  (0.09678418 +
                    t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))),
    );
  return x >= 0 ? r : 2 - r;
}

/** Standard normal cumulative distribution. */
export function normalCdf(z: number): number {
  return 0.5 * erfc(-z / Math.SQRT2);
}

/** Half-width, in PSF widths, beyond which an ion's light is ignored (below 1e-11 of it). */
const TAIL_SIGMAS = 7;

/** A profile over pixels start .. start + mass.length - 1 (mass is zero outside). */
export interface PixelProfile {
  start: number;
  mass: Float64Array;
}

/**
 * Mass of each pixel i (covering i-0.5 .. i+0.5) under the arcsine(R) * Gaussian(sigma) density
 * centred at `centre`; R = 0 is the plain Gaussian. The arcsine average over u = R sin(wt) uses
 * Gauss-Chebyshev nodes, exact for this smooth integrand once the node spacing is well under sigma.
 */
export function pixelProfile(centre: number, sigma: number, amplitude: number): PixelProfile {
  const reach = amplitude + TAIL_SIGMAS * sigma;
  const start = Math.floor(centre - reach);
  const end = Math.ceil(centre + reach);
  const nodes = amplitude > 0 ? Math.max(16, Math.ceil((8 * amplitude) / sigma)) : 1;
  const offsets = new Float64Array(nodes);
  for (let j = 0; j < nodes; j++) offsets[j] = amplitude * Math.cos(((2 * j + 1) * Math.PI) / (2 * nodes));
  // Cumulative mass at each pixel edge, then differences.
  const edges = new Float64Array(end - start + 2);
  for (let e = 0; e < edges.length; e++) {
    const edge = start + e - 0.5 - centre;
    let sum = 0;
    for (let j = 0; j < nodes; j++) sum += normalCdf((edge - offsets[j]) / sigma);
    edges[e] = sum / nodes;
  }
  const mass = new Float64Array(end - start + 1);
  for (let i = 0; i < mass.length; i++) mass[i] = Math.max(0, edges[i + 1] - edges[i]);
  return { start, mass };
}
