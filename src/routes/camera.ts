// Camera triggers over REST: recordings, infinite capture, stop, status, experiment id and live
// settings. Every state change is also broadcast to the WebSocket subscribers as
// {"type":"camera", ...status}.
import type { FastifyInstance } from 'fastify';

import type { AnalyzeOptions } from '../analysis/types.js';
import {
  CameraBusyError,
  CameraController,
  MAX_EXPERIMENT_ID_LENGTH,
  MAX_RECORDING_FRAMES,
  type CameraStatus,
  type CameraUpdate,
} from '../ingest/camera/controller.js';
import { createCameraDriver } from '../ingest/camera/drivers.js';
import { registerCameraMetrics } from '../ingest/camera/metrics.js';
import { HttpError } from './errors.js';
import { analysisOptionSchemas, roiSchema } from './schemas.js';

/** Commands and the method each answers to (anything else under /api/camera/ is refused). */
const COMMANDS: Record<string, string[]> = {
  start: ['POST'],
  'start-infinite': ['POST'],
  stop: ['POST'],
  status: ['GET'],
  experiment: ['PUT'],
  settings: ['GET', 'PUT'],
};

const analyzeOptionsSchema = {
  type: 'object',
  description: 'analysis options for camera frames (as for POST /api/frames)',
  properties: { roi: roiSchema, ...analysisOptionSchemas },
} as const;

const cameraStatusSchema = {
  type: 'object',
  properties: {
    state: { type: 'string', enum: ['idle', 'recording', 'infinite'] },
    framesCaptured: { type: 'integer', description: 'frames of the current (or last) run handed to the pipeline' },
    framesRemaining: { type: 'integer', nullable: true, description: 'frames a recording still has to capture' },
    framesAnalyzed: { type: 'integer' },
    framesFailed: { type: 'integer' },
    framesSkipped: { type: 'integer', description: 'frames delivered while the pipeline was full (counted, not analysed)' },
    fps: { type: 'number' },
    width: { type: 'integer' },
    height: { type: 'integer' },
    experimentId: { type: 'string', nullable: true },
    driver: { type: 'string' },
    options: { type: 'object', additionalProperties: true },
    save: { type: 'boolean', nullable: true },
    settings: { type: 'object', additionalProperties: true },
    lastError: { type: 'string', nullable: true },
  },
} as const;

const errors = { 400: { $ref: 'Error#' }, 409: { $ref: 'Error#' } } as const;

/** Library argument errors and a busy camera become HTTP answers. */
function cameraError(e: unknown): unknown {
  if (e instanceof CameraBusyError) return new HttpError(409, 'camera_busy', e.message);
  if (e instanceof TypeError || e instanceof RangeError) return new HttpError(400, 'bad_request', e.message);
  return e;
}

function guarded<T>(action: () => T): T {
  try {
    return action();
  } catch (e) {
    throw cameraError(e);
  }
}

export async function cameraRoutes(app: FastifyInstance): Promise<void> {
  const driver = createCameraDriver(app.config.camera, app.config);
  if (driver === null) return;
  const camera = new CameraController(driver, app.pipeline);
  app.camera = camera;
  registerCameraMetrics(app.metrics.registry, camera);
  const broadcast = (status: CameraStatus) => app.hub.broadcast({ type: 'camera', ...status });
  camera.on('status', broadcast);
  camera.on('progress', broadcast);
  app.addHook('onClose', async () => {
    camera.stop();
  });

  const reply200 = { 200: cameraStatusSchema, ...errors };
  const tags = ['camera'];

  app.post<{ Body: { frames: number } }>(
    '/api/camera/start',
    {
      schema: {
        summary: 'Record N frames',
        description: 'Captures exactly `frames` frames; the state returns to idle when all their results are in. 409 while a run is going.',
        tags,
        body: {
          type: 'object',
          required: ['frames'],
          properties: { frames: { type: 'integer', minimum: 1, maximum: MAX_RECORDING_FRAMES } },
        },
        response: reply200,
      },
    },
    async (request) => guarded(() => camera.startRecording(request.body.frames)),
  );

  app.post(
    '/api/camera/start-infinite',
    { schema: { summary: 'Capture until stopped', description: '409 while a run is going.', tags, response: reply200 } },
    async () => guarded(() => camera.startInfinite()),
  );

  app.post(
    '/api/camera/stop',
    {
      schema: {
        summary: 'Stop capturing',
        description: 'Frames already accepted still get their results; stopping an idle camera changes nothing.',
        tags,
        response: reply200,
      },
    },
    async () => camera.stop(),
  );

  app.get('/api/camera/status', { schema: { summary: 'Camera state and counts', tags, response: { 200: cameraStatusSchema } } }, async () =>
    camera.status(),
  );

  app.put<{ Body: { id: string | null } }>(
    '/api/camera/experiment',
    {
      schema: {
        summary: 'Set the experiment id',
        description: 'Stored in every result while set; null or "" clears it. At most 128 characters, no / or \\.',
        tags,
        body: {
          type: 'object',
          required: ['id'],
          properties: { id: { type: 'string', nullable: true, maxLength: MAX_EXPERIMENT_ID_LENGTH } },
        },
        response: reply200,
      },
    },
    async (request) => guarded(() => camera.setExperiment(request.body.id)),
  );

  app.get('/api/camera/settings', { schema: { summary: 'Camera settings', tags, response: { 200: driver.settingsSchema } } }, async () =>
    driver.settings(),
  );

  app.put<{ Body: Record<string, unknown> & { options?: AnalyzeOptions; save?: boolean | null } }>(
    '/api/camera/settings',
    {
      schema: {
        summary: 'Change camera settings (also while running)',
        description:
          `Driver "${driver.name}" settings apply from the next frame (e.g. {"rY": 6} changes the oscillation amplitude live). ` +
          '`options`: analysis options for the frames to come; `save`: persist camera results (null = server default). All or nothing.',
        tags,
        body: {
          ...driver.settingsSchema,
          properties: {
            ...((driver.settingsSchema.properties as object | undefined) ?? {}),
            options: analyzeOptionsSchema,
            save: { type: 'boolean', nullable: true },
          },
        },
        response: reply200,
      },
    },
    async (request) => {
      const { options, save, ...settings } = request.body;
      const change: CameraUpdate = { settings };
      if (options !== undefined) change.options = options;
      if (save !== undefined) change.save = save;
      return guarded(() => camera.update(change));
    },
  );

  // Anything else under /api/camera/ is an unknown command (or the wrong method for a known one).
  app.route({
    method: ['GET', 'POST', 'PUT', 'DELETE', 'PATCH'],
    url: '/api/camera/:command',
    schema: { hide: true },
    handler: async (request) => {
      const { command } = request.params as { command: string };
      const methods = COMMANDS[command];
      if (methods) {
        throw new HttpError(405, 'method_not_allowed', `${request.method} is not allowed on /api/camera/${command} (use ${methods.join(' or ')})`, {
          allow: methods.join(', '),
        });
      }
      throw new HttpError(400, 'unknown_command', `unknown camera command "${command}" (known: ${Object.keys(COMMANDS).join(', ')})`);
    },
  });
}

// Not encapsulated: app.camera must be the root's (GET /api/status reads it).
(cameraRoutes as unknown as Record<symbol, boolean>)[Symbol.for('skip-override')] = true;
