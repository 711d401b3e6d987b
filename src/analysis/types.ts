/** Pixel buffers ioncam analyses: 8-bit, 16-bit or float grey values, row-major. */
export type PixelData = Uint8Array | Uint16Array | Float32Array;
export type Dtype = 'uint8' | 'uint16' | 'float32';

/** A grey frame: pixel (row r, column c) is data[r * width + c]. */
export interface Frame {
  width: number;
  height: number;
  data: PixelData;
}

/** Region of interest in our convention: x = first column, y = first row. */
export interface RoiRect {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** The legacy convention: xstart/xfinish cut ROWS, ystart/yfinish cut COLUMNS (end exclusive). */
export interface LegacyRoi {
  xstart: number;
  xfinish: number;
  ystart: number;
  yfinish: number;
}

export type VerticalModelName = 'shm-psf' | 'shm' | 'gaussian';
export type DetectorName = 'peaks' | 'legacy';
export type AnalysisLevel = 0 | 1 | 2;
export type GpuMode = 'auto' | 'on' | 'off';

export interface AnalyzeOptions {
  roi?: RoiRect | LegacyRoi;
  /** Legacy detection scale in px (pre-blur sigma = max(1, radius / 4)). Default 20. */
  radius?: number;
  /** 0 = none, 1 = detect, 2 = detect + fit. Default 2. */
  analysis?: AnalysisLevel;
  /** Vertical profile model. Default 'shm-psf'. */
  model?: VerticalModelName;
  /** Default 'peaks'. */
  detector?: DetectorName;
  /** GPU use (only when the CUDA addon is built). Default 'auto'. */
  gpu?: GpuMode;
}

export interface IonErrors {
  x0: number;
  y0: number;
  sigmaX: number;
  rY: number;
  ampX: number;
  ampY: number;
  offsetX: number;
  offsetY: number;
  sigmaY?: number;
}

/** One ion in full-frame pixels (x = column, y = row). At analysis 1 only x0/y0 are set. */
export interface IonResult {
  x0: number;
  y0: number;
  sigmaX: number;
  /** Oscillation amplitude; 0 for the 'gaussian' model, which reports its width as sigmaY. */
  rY: number;
  /** PSF width of the vertical profile ('shm-psf' and 'gaussian' models). */
  sigmaY?: number;
  /**
   * Default windows: the ion's total counts in the summed profile (an area, not a peak height);
   * 'shm' ampY is the arcsine coefficient A of A / sqrt(R^2 - (y - y0)^2). Legacy windows
   * (detector 'legacy'): ampX and 'gaussian' ampY are peak heights (the legacy's point-sampled
   * Gaussian), 'shm' ampY the arcsine coefficient, 'shm-psf' ampY an area.
   */
  ampX: number;
  ampY: number;
  /** Background of the summed profile (counts per profile point). */
  offsetX: number;
  offsetY: number;
  /**
   * curve_fit standard errors. Where 'shm-psf' cannot resolve rY from 0, errors.rY is the
   * one-sigma profile-likelihood distance above rY (an upper-limit scale) instead.
   */
  errors: IonErrors;
  converged: boolean;
  iterations: number;
}

export interface DetectionStats {
  lMax: number;
  lAvg: number;
  threshold: number;
  blobs: number;
}

export interface AnalysisResult {
  ionCount: number;
  ions: IonResult[];
  detection: DetectionStats;
  /** The region actually analysed, clamped to the frame, in our convention. */
  roi: RoiRect;
  width: number;
  height: number;
  timings: { detectMs: number; fitMs: number; totalMs: number };
}
