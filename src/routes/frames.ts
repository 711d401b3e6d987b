// POST /api/frames (upload and analyse) and the recent-frame lookups.
import type { FastifyInstance, FastifyReply } from 'fastify';

import type { AnalyzeOptions, Dtype, LegacyRoi, RoiRect } from '../analysis/types.js';
import { defaultAnalyzeOptions } from '../config.js';
import { renderAnnotatedJpeg, renderFramePng } from '../outputs/annotate.js';
import type { ProcessedFrame } from '../pipeline/types.js';
import { frameError, HttpError } from './errors.js';
import { frameQuerySchema, idParamsSchema } from './schemas.js';

interface FrameQuery {
  width?: number;
  height?: number;
  dtype?: Dtype;
  roi?: string;
  xstart?: number;
  xfinish?: number;
  ystart?: number;
  yfinish?: number;
  radius?: number;
  analysis?: 0 | 1 | 2;
  model?: AnalyzeOptions['model'];
  detector?: AnalyzeOptions['detector'];
  save?: boolean;
  source: string;
}

const IMAGE_TYPES = ['image/jpeg', 'image/png', 'image/tiff', 'image/bmp'];
const LEGACY_KEYS = ['xstart', 'xfinish', 'ystart', 'yfinish'] as const;

function roiFromQuery(q: FrameQuery): RoiRect | LegacyRoi | undefined {
  const legacy = LEGACY_KEYS.filter((k) => q[k] !== undefined);
  if (q.roi !== undefined && legacy.length > 0) {
    throw new HttpError(400, 'bad_request', 'give either roi=x,y,width,height or the legacy xstart/xfinish/ystart/yfinish, not both');
  }
  if (q.roi !== undefined) {
    const [x, y, width, height] = q.roi.split(',').map(Number);
    return { x, y, width, height };
  }
  if (legacy.length === 0) return undefined;
  if (legacy.length < 4) {
    throw new HttpError(400, 'bad_request', `legacy roi needs all of xstart, xfinish, ystart, yfinish (got ${legacy.join(', ')})`);
  }
  return { xstart: q.xstart!, xfinish: q.xfinish!, ystart: q.ystart!, yfinish: q.yfinish! };
}

/** The request's own options over the server-wide defaults (IONCAM_ROI, IONCAM_RADIUS...). */
function optionsFromQuery(q: FrameQuery, defaults: AnalyzeOptions): AnalyzeOptions {
  const options: AnalyzeOptions = { ...defaults };
  const roi = roiFromQuery(q);
  if (roi) options.roi = roi;
  if (q.radius !== undefined) options.radius = q.radius;
  if (q.analysis !== undefined) options.analysis = q.analysis;
  if (q.model !== undefined) options.model = q.model;
  if (q.detector !== undefined) options.detector = q.detector;
  return options;
}

function sendJson(reply: FastifyReply, json: Buffer): FastifyReply {
  return reply.type('application/json; charset=utf-8').send(json);
}

export async function frameRoutes(app: FastifyInstance): Promise<void> {
  // Frames arrive as bytes: every image type and raw pixels are handed over as one Buffer.
  const asBuffer = { parseAs: 'buffer' as const };
  const passBuffer = (_req: unknown, body: Buffer, done: (err: Error | null, body?: Buffer) => void) => done(null, body);
  app.addContentTypeParser('application/octet-stream', asBuffer, passBuffer);
  const defaults = defaultAnalyzeOptions(app.config);
  app.addContentTypeParser(/^image\/[\w.+-]+$/i, asBuffer, passBuffer);

  app.post<{ Querystring: FrameQuery }>(
    '/api/frames',
    {
      schema: {
        summary: 'Analyse one frame',
        description:
          `Body: an encoded image (${IMAGE_TYPES.join(', ')}) or raw little-endian pixels ` +
          '(application/octet-stream with width, height and dtype in the query). ' +
          'Errors: 400 bad options or raw size mismatch, 413 body over the limit or frame over the pixel limit, ' +
          '415 unsupported content type, 422 undecodable image, 503 queue full (Retry-After).',
        tags: ['frames'],
        querystring: frameQuerySchema,
        consumes: [...IMAGE_TYPES, 'application/octet-stream'],
        response: {
          200: { $ref: 'FrameResult#' },
          '4xx': { $ref: 'Error#' },
          503: { $ref: 'Error#' },
        },
      },
    },
    async (request, reply) => {
      const body = request.body;
      const contentType = (request.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
      if (body !== undefined && !Buffer.isBuffer(body)) {
        throw new HttpError(415, 'unsupported_media_type', `content type ${contentType} is not a frame; send an image/* or application/octet-stream body`);
      }
      if (!body || body.length === 0) throw new HttpError(400, 'empty_body', 'the request has no frame in its body');
      const q = request.query;
      const isRaw = contentType === 'application/octet-stream';
      if (isRaw && (q.width === undefined || q.height === undefined || q.dtype === undefined)) {
        throw new HttpError(400, 'bad_request', 'raw pixels (application/octet-stream) need width, height and dtype in the query');
      }
      let done: ProcessedFrame;
      try {
        done = await app.pipeline.submitProcessed({
          input: body,
          raw: isRaw ? { width: q.width!, height: q.height!, dtype: q.dtype! } : undefined,
          options: optionsFromQuery(q, defaults),
          save: q.save,
          source: q.source,
          meta: { peer: request.ip },
        });
      } catch (e) {
        throw frameError(e);
      }
      return sendJson(reply, done.json);
    },
  );

  const lookup = (id: string): ProcessedFrame => {
    const done = app.recent.get(id);
    if (!done) throw new HttpError(404, 'not_found', `frame ${id} is not among the ${app.config.recentFrames} most recent`);
    return done;
  };
  const idSchema = (summary: string, produces: string) => ({
    schema: { summary, tags: ['frames'], params: idParamsSchema, produces: [produces], response: { '4xx': { $ref: 'Error#' } } },
  });

  app.get(
    '/api/frames/latest',
    { schema: { summary: 'The most recent result', tags: ['frames'], response: { 200: { $ref: 'FrameResult#' }, 404: { $ref: 'Error#' } } } },
    async (_request, reply) => {
      const done = app.recent.latest();
      if (!done) throw new HttpError(404, 'not_found', 'no frame has been analysed yet');
      return sendJson(reply, done.json);
    },
  );

  app.get<{ Params: { id: string } }>('/api/frames/:id', idSchema('A recent result by id', 'application/json'), async (request, reply) =>
    sendJson(reply, lookup(request.params.id).json),
  );

  app.get<{ Params: { id: string } }>(
    '/api/frames/:id/frame.png',
    idSchema('The plain grey frame, 8-bit, 1:1 pixels (16-bit frames stretched min..max)', 'image/png'),
    async (request, reply) => {
      const done = lookup(request.params.id);
      return reply.type('image/png').header('cache-control', 'private, max-age=3600').send(await renderFramePng(done.frame));
    },
  );

  app.get<{ Params: { id: string } }>(
    '/api/frames/:id/annotated.jpg',
    idSchema('The frame with a circle and number per ion', 'image/jpeg'),
    async (request, reply) => {
      const done = lookup(request.params.id);
      const jpeg = await renderAnnotatedJpeg(done.frame, done.result.ions);
      return reply.type('image/jpeg').header('cache-control', 'private, max-age=3600').send(jpeg);
    },
  );
}
