// JSON schemas at the HTTP boundary: Fastify compiles them once at start-up (validation of
// queries and bodies) and @fastify/swagger publishes them as the OpenAPI document at /docs.
import { DETECTORS, MAX_RADIUS, MODELS } from '../analysis/options.js';

export const errorSchema = {
  $id: 'Error',
  type: 'object',
  required: ['error', 'message'],
  properties: {
    error: { type: 'string', description: 'machine-readable code, e.g. queue_full' },
    message: { type: 'string', description: 'what went wrong, for people' },
  },
} as const;

export const roiSchema = {
  type: 'object',
  properties: { x: { type: 'integer' }, y: { type: 'integer' }, width: { type: 'integer' }, height: { type: 'integer' } },
} as const;

/** The bounds of the analysis options at the HTTP boundary (POST /api/frames query, camera settings). */
export const analysisOptionSchemas = {
  radius: { type: 'number', exclusiveMinimum: 0, maximum: MAX_RADIUS },
  analysis: { type: 'integer', enum: [0, 1, 2] },
  model: { type: 'string', enum: [...MODELS] },
  detector: { type: 'string', enum: [...DETECTORS] },
} as const;

const number = { type: 'number', nullable: true } as const;
const errorsSchema = {
  type: 'object',
  properties: Object.fromEntries(['x0', 'y0', 'sigmaX', 'rY', 'sigmaY', 'ampX', 'ampY', 'offsetX', 'offsetY'].map((k) => [k, number])),
} as const;

export const ionSchema = {
  $id: 'Ion',
  type: 'object',
  description: 'One ion in full-frame pixels (x = column, y = row). At analysis=1 only x0/y0 are meaningful.',
  properties: {
    x0: number,
    y0: number,
    sigmaX: number,
    rY: { ...number, description: 'oscillation amplitude R_y' },
    sigmaY: { ...number, description: 'PSF width of the vertical profile (shm-psf, gaussian models)' },
    ampX: number,
    ampY: number,
    offsetX: number,
    offsetY: number,
    errors: errorsSchema,
    converged: { type: 'boolean' },
    iterations: { type: 'integer' },
  },
} as const;

export const frameResultSchema = {
  $id: 'FrameResult',
  type: 'object',
  required: ['type', 'id', 'seq', 'receivedAt', 'source', 'width', 'height', 'roi', 'ionCount', 'ions', 'timings'],
  properties: {
    type: { type: 'string', enum: ['result'] },
    id: { type: 'string', example: '20261128-003512-000042' },
    seq: { type: 'integer' },
    receivedAt: { type: 'string', format: 'date-time' },
    source: { type: 'string' },
    experimentId: { type: 'string', nullable: true },
    meta: { type: 'object', additionalProperties: true },
    width: { type: 'integer' },
    height: { type: 'integer' },
    roi: roiSchema,
    ionCount: { type: 'integer' },
    ions: { type: 'array', items: { $ref: 'Ion#' } },
    timings: {
      type: 'object',
      properties: Object.fromEntries(['queueMs', 'decodeMs', 'detectMs', 'fitMs', 'totalMs'].map((k) => [k, { type: 'number' }])),
    },
  },
} as const;

export const frameQuerySchema = {
  type: 'object',
  properties: {
    width: { type: 'integer', minimum: 1, maximum: 65535, description: 'raw pixels only' },
    height: { type: 'integer', minimum: 1, maximum: 65535, description: 'raw pixels only' },
    dtype: { type: 'string', enum: ['uint8', 'uint16', 'float32'], description: 'raw pixels only (little-endian)' },
    roi: { type: 'string', pattern: '^-?\\d{1,6},-?\\d{1,6},\\d{1,6},\\d{1,6}$', description: 'x,y,width,height (x = column)' },
    xstart: { type: 'integer', description: 'legacy ROI: first ROW (with xfinish, ystart, yfinish)' },
    xfinish: { type: 'integer', description: 'legacy ROI: end ROW (exclusive)' },
    ystart: { type: 'integer', description: 'legacy ROI: first COLUMN' },
    yfinish: { type: 'integer', description: 'legacy ROI: end COLUMN (exclusive)' },
    radius: { ...analysisOptionSchemas.radius, description: 'detection scale in px (default 20)' },
    analysis: { ...analysisOptionSchemas.analysis, description: '0 = decode only, 1 = detect, 2 = detect + fit (default)' },
    model: { ...analysisOptionSchemas.model, description: 'vertical profile model (default shm-psf)' },
    detector: { ...analysisOptionSchemas.detector, description: 'default peaks' },
    save: { type: 'boolean', description: 'persist the result (default: server setting, true)' },
    source: { type: 'string', pattern: '^[A-Za-z0-9_.:-]{1,64}$', default: 'rest' },
  },
} as const;

export const idParamsSchema = {
  type: 'object',
  required: ['id'],
  properties: { id: { type: 'string', pattern: '^\\d{8}-\\d{6}-\\d{6,}$' } },
} as const;

export const statusSchema = {
  type: 'object',
  properties: {
    framesPerSecond: { type: 'number' },
    queueDepth: { type: 'integer' },
    queueCapacity: { type: 'integer' },
    wsDropped: { type: 'integer' },
    subscribers: { type: 'integer' },
    writerBacklog: { type: 'integer' },
    experimentId: { type: 'string', nullable: true },
    camera: { type: 'object', nullable: true, additionalProperties: true },
  },
} as const;

export const errorResponses = {
  400: { $ref: 'Error#' },
  404: { $ref: 'Error#' },
} as const;
