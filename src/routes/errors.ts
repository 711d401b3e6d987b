// Every failure leaves as JSON { error, message } with the right status; the process keeps serving.
import type { FastifyError, FastifyInstance } from 'fastify';

import { DecodeError, PixelLimitError } from '../analysis/decode.js';
import { isGpuUnavailable } from '../analysis/gpu.js';
import { QueueFullError, ShuttingDownError } from '../pipeline/errors.js';

export class HttpError extends Error {
  constructor(
    readonly statusCode: number,
    readonly code: string,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

/** Turns what the pipeline rejects a frame with into the HTTP answer. */
export function frameError(e: unknown): unknown {
  if (e instanceof QueueFullError) return new HttpError(503, 'queue_full', e.message, { 'retry-after': String(e.retryAfter) });
  if (e instanceof ShuttingDownError) return new HttpError(503, 'shutting_down', e.message, { 'retry-after': '5' });
  // Too many pixels is "the payload is too large", decided from the header before any pixel
  // is allocated.
  if (e instanceof PixelLimitError) return new HttpError(413, 'too_many_pixels', e.message);
  if (e instanceof DecodeError) return new HttpError(422, 'undecodable_image', e.message);
  // gpu 'on' (server config or request) on a machine without a usable GPU.
  if (isGpuUnavailable(e)) return new HttpError(503, 'gpu_unavailable', e.message);
  if (e instanceof TypeError || e instanceof RangeError) return new HttpError(400, 'bad_request', e.message);
  return e;
}

const FASTIFY_CODES: Record<string, string> = {
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'unsupported_media_type',
  FST_ERR_CTP_BODY_TOO_LARGE: 'payload_too_large',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'empty_body',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'bad_request',
  FST_ERR_CTP_EMPTY_TYPE: 'unsupported_media_type',
};

export function registerErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler((err: FastifyError | HttpError, request, reply) => {
    if (err instanceof HttpError) {
      void reply.code(err.statusCode).headers(err.headers).send({ error: err.code, message: err.message });
      return;
    }
    const fe = err as FastifyError;
    if (fe.validation) {
      void reply.code(400).send({ error: 'bad_request', message: fe.message });
      return;
    }
    const status = fe.statusCode && fe.statusCode >= 400 && fe.statusCode < 600 ? fe.statusCode : 500;
    if (status >= 500) request.log.error({ err }, 'request failed');
    void reply.code(status).send({
      error: (fe.code && FASTIFY_CODES[fe.code]) ?? (status >= 500 ? 'internal_error' : 'bad_request'),
      message: status >= 500 && !fe.statusCode ? 'internal server error' : fe.message,
    });
  });
  app.setNotFoundHandler((request, reply) => {
    void reply.code(404).send({ error: 'not_found', message: `no route ${request.method} ${request.url.split('?')[0]}` });
  });
}
