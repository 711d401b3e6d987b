// One typed configuration object, resolved from command-line flags, IONCAM_* environment
// variables and embedded defaults (in that order of precedence). The SETTINGS table is the
// single source for parsing, `ioncam serve --help` and the README's config table.
import { availableParallelism } from 'node:os';

import { DEFAULT_MAX_PIXELS } from './analysis/decode.js';
import { MAX_DIMENSION, resolveOptions } from './analysis/options.js';
import type { AnalyzeOptions } from './analysis/types.js';
import { ANALYSIS_FLAGS, parseAnalysisOption, type AnalysisFlag } from './cli/analyze-args.js';
import { CAMERA_DRIVERS } from './ingest/camera/drivers.js';
import { SIMULATED_NUMBER_SPECS as SIM } from './ingest/camera/simulated.js';

export interface ServerConfig {
  host: string;
  port: number;
  dataDir: string;
  /** Frames accepted but not yet finished (waiting or being analysed); beyond it POST answers 503. */
  queueSize: number;
  /** Bytes of frame bodies held by the queue; beyond it POST answers 503. */
  queueBytes: number;
  /** Frames analysed at once (native worker threads). */
  workers: number;
  bodyLimit: number;
  maxPixels: number;
  /** Default for a request's `save`. */
  save: boolean;
  /** Results waiting to be written before new frames are refused (disk back-pressure). */
  writeQueue: number;
  /** Threads writing result files. */
  writers: number;
  /** Bytes a WebSocket subscriber may have unsent before its messages are dropped. */
  wsBuffer: number;
  /** Results (and their pixels) kept in memory for GET /api/frames/:id. */
  recentFrames: number;
  retryAfter: number;
  logLevel: string;
  camera: string;
  cameraFps: number;
  cameraWidth: number;
  cameraHeight: number;
  cameraIons: number;
  tcpPort: number;
  watchDir: string;
  watchPollMs: number;
  /** Default `gpu` option of every analysis ('auto' | 'on' | 'off'); requests may override it. */
  gpu: 'auto' | 'on' | 'off';
  /**
   * Server-wide analysis options, as `ioncam analyze` flags spell them ('' = the library's
   * default). TCP and watched-folder frames use them; a POST /api/frames request's own options
   * win over them; the camera keeps its own `options`. See defaultAnalyzeOptions().
   */
  roi: string;
  radius: string;
  analysis: string;
  model: string;
  detector: string;
}

type Kind = 'string' | 'int' | 'bool';

interface Setting {
  key: keyof ServerConfig;
  env: string;
  flag: string;
  kind: Kind;
  default: () => string | number | boolean;
  min?: number;
  max?: number;
  choices?: readonly string[];
  help: string;
  /** A second, shorter flag name (e.g. --watch for --watch-dir). */
  alias?: string;
  /** Further check of a non-empty string value; throws with a message that names `origin`. */
  check?: (raw: string, origin: string) => void;
}

const MiB = 1024 * 1024;

export const SETTINGS: readonly Setting[] = [
  { key: 'host', env: 'IONCAM_HOST', flag: 'host', kind: 'string', default: () => '127.0.0.1', help: 'address to listen on' },
  { key: 'port', env: 'IONCAM_PORT', flag: 'port', kind: 'int', min: 0, max: 65535, default: () => 8000, help: 'HTTP port (0 = any free port)' },
  { key: 'dataDir', env: 'IONCAM_DATA_DIR', flag: 'data-dir', kind: 'string', default: () => './data', help: 'folder for saved results (legacy layout)' },
  { key: 'queueSize', env: 'IONCAM_QUEUE_SIZE', flag: 'queue-size', kind: 'int', min: 1, default: () => 256, help: 'frames accepted and not yet finished before POST /api/frames answers 503' },
  { key: 'queueBytes', env: 'IONCAM_QUEUE_BYTES', flag: 'queue-bytes', kind: 'int', min: 1, default: () => 512 * MiB, help: 'bytes of frame bodies the queue may hold before answering 503' },
  { key: 'workers', env: 'IONCAM_WORKERS', flag: 'workers', kind: 'int', min: 1, max: 256, default: () => availableParallelism(), help: 'frames analysed at once on native worker threads (default: CPU count)' },
  { key: 'bodyLimit', env: 'IONCAM_BODY_LIMIT', flag: 'body-limit', kind: 'int', min: 1, default: () => 64 * MiB, help: 'largest request body in bytes (413 above)' },
  { key: 'maxPixels', env: 'IONCAM_MAX_PIXELS', flag: 'max-pixels', kind: 'int', min: 1, default: () => DEFAULT_MAX_PIXELS, help: 'largest decoded frame in pixels, checked before pixels are allocated (413 above)' },
  { key: 'save', env: 'IONCAM_SAVE', flag: 'save', kind: 'bool', default: () => true, help: 'persist results unless a request says save=false' },
  { key: 'writeQueue', env: 'IONCAM_WRITE_QUEUE', flag: 'write-queue', kind: 'int', min: 1, default: () => 512, help: 'results waiting for disk before new frames get 503 (each holds its frame\'s pixels)' },
  { key: 'writers', env: 'IONCAM_WRITERS', flag: 'writers', kind: 'int', min: 1, max: 64, default: () => 2, help: 'threads writing result files (file creation dominates the cost of saving)' },
  { key: 'wsBuffer', env: 'IONCAM_WS_BUFFER', flag: 'ws-buffer', kind: 'int', min: 1024, default: () => 512 * 1024, help: 'unsent bytes per WebSocket subscriber before its messages are dropped' },
  { key: 'recentFrames', env: 'IONCAM_RECENT_FRAMES', flag: 'recent-frames', kind: 'int', min: 1, default: () => 64, help: 'results (with pixels) kept in memory for GET /api/frames/:id' },
  { key: 'retryAfter', env: 'IONCAM_RETRY_AFTER', flag: 'retry-after', kind: 'int', min: 0, default: () => 1, help: 'seconds in the Retry-After header of a 503' },
  { key: 'logLevel', env: 'IONCAM_LOG_LEVEL', flag: 'log-level', kind: 'string', choices: ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], default: () => 'info', help: 'log level' },
  { key: 'camera', env: 'IONCAM_CAMERA', flag: 'camera', kind: 'string', choices: [...CAMERA_DRIVERS, 'none'], default: () => 'simulated', help: 'camera driver (none = no camera routes)' },
  // Whole frames per second here; the simulated camera's own range (live settings) allows fractions.
  { key: 'cameraFps', env: 'IONCAM_CAMERA_FPS', flag: 'camera-fps', kind: 'int', min: 1, max: SIM.fps.max, default: () => 10, help: 'simulated camera frame rate' },
  { key: 'cameraWidth', env: 'IONCAM_CAMERA_WIDTH', flag: 'camera-width', kind: 'int', min: SIM.width.min, max: SIM.width.max, default: () => 300, help: 'simulated camera frame width' },
  { key: 'cameraHeight', env: 'IONCAM_CAMERA_HEIGHT', flag: 'camera-height', kind: 'int', min: SIM.height.min, max: SIM.height.max, default: () => 300, help: 'simulated camera frame height' },
  { key: 'cameraIons', env: 'IONCAM_CAMERA_IONS', flag: 'camera-ions', kind: 'int', min: SIM.ions.min, max: SIM.ions.max, default: () => 5, help: 'ions in the simulated chain' },
  { key: 'tcpPort', env: 'IONCAM_TCP_PORT', flag: 'tcp-port', kind: 'int', min: 0, max: 65535, default: () => 5558, help: 'legacy TCP frame stream port (0 = off)' },
  { key: 'watchDir', env: 'IONCAM_WATCH_DIR', flag: 'watch-dir', alias: 'watch', kind: 'string', default: () => '', help: 'folder watched for new frame files (empty = off; also --watch DIR)' },
  { key: 'watchPollMs', env: 'IONCAM_WATCH_POLL_MS', flag: 'watch-poll-ms', kind: 'int', min: 10, default: () => 500, help: 'watched folder scan interval; a file must be unchanged for two intervals' },
  { key: 'gpu', env: 'IONCAM_GPU', flag: 'gpu', kind: 'string', choices: ['auto', 'on', 'off'], default: () => 'auto', help: "CUDA use for analyses (auto = GPU for large frames when the CUDA addon and a device exist; on = fail without one)" },
  ...analysisSettings(),
];

/** The options a frame gets when neither it nor its request says otherwise. */
function analysisOption(key: AnalysisFlag, raw: string, origin: string): AnalyzeOptions {
  const options: AnalyzeOptions = { [key]: parseAnalysisOption(key, raw, origin) };
  try {
    // The library's own range checks (radius, ROI size), against the largest frame it takes.
    resolveOptions(options, { width: MAX_DIMENSION, height: MAX_DIMENSION, data: new Uint8Array(0) });
  } catch (e) {
    throw new RangeError(`${origin}: ${(e as Error).message}`);
  }
  return options;
}

function analysisSettings(): Setting[] {
  const help: Record<AnalysisFlag, string> = {
    roi: 'default ROI of analyses: x,y,w,h or xstart=..,xfinish=..,ystart=..,yfinish=.. (empty = whole frame)',
    radius: 'default detection scale in px (empty = 20)',
    analysis: 'default analysis level: 0 decode, 1 detect, 2 detect + fit (empty = 2)',
    model: 'default vertical profile model (empty = shm-psf)',
    detector: 'default ion detector (empty = peaks)',
  };
  return ANALYSIS_FLAGS.map((key) => ({
    key, env: `IONCAM_${key.toUpperCase()}`, flag: key, kind: 'string', default: () => '', help: help[key],
    check: (raw: string, origin: string) => void analysisOption(key, raw, origin),
  }));
}

/** The server-wide analysis options (IONCAM_ROI, IONCAM_RADIUS...) as library options. */
export function defaultAnalyzeOptions(config: Pick<ServerConfig, AnalysisFlag>): AnalyzeOptions {
  const options: AnalyzeOptions = {};
  for (const key of ANALYSIS_FLAGS) {
    const raw = String(config[key] ?? '');
    if (raw !== '') Object.assign(options, analysisOption(key, raw, key));
  }
  return options;
}

export const DEFAULTS: ServerConfig = Object.fromEntries(SETTINGS.map((s) => [s.key, s.default()])) as unknown as ServerConfig;

function parseValue(s: Setting, raw: string, origin: string): string | number | boolean {
  if (s.kind === 'bool') {
    const v = raw.toLowerCase();
    if (['1', 'true', 'yes', 'on'].includes(v)) return true;
    if (['0', 'false', 'no', 'off'].includes(v)) return false;
    throw new RangeError(`${origin} must be true or false, got "${raw}"`);
  }
  if (s.kind === 'int') {
    const n = Number(raw);
    if (raw.trim() === '' || !Number.isInteger(n)) throw new RangeError(`${origin} must be an integer, got "${raw}"`);
    if ((s.min !== undefined && n < s.min) || (s.max !== undefined && n > s.max)) {
      throw new RangeError(`${origin} must be in [${s.min ?? '-inf'}, ${s.max ?? 'inf'}], got ${n}`);
    }
    return n;
  }
  if (s.choices && !s.choices.includes(raw)) throw new RangeError(`${origin} must be one of ${s.choices.join(', ')}, got "${raw}"`);
  if (s.check && raw !== '') s.check(raw, origin);
  return raw;
}

/** Splits `--name value`, `--name=value` and bare boolean `--name` / `--no-name` flags. */
function parseFlags(argv: readonly string[]): Map<Setting, string> {
  const out = new Map<Setting, string>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (!arg.startsWith('--')) throw new TypeError(`unexpected argument "${arg}" (flags look like --port 8000)`);
    const eq = arg.indexOf('=');
    let name = eq < 0 ? arg.slice(2) : arg.slice(2, eq);
    let value: string | undefined = eq < 0 ? undefined : arg.slice(eq + 1);
    let negated = false;
    if (value === undefined && name.startsWith('no-')) {
      negated = true;
      name = name.slice(3);
    }
    const setting = SETTINGS.find((s) => s.flag === name || s.alias === name);
    if (!setting) throw new TypeError(`unknown flag --${name} (see --help)`);
    if (value === undefined) {
      if (setting.kind === 'bool') value = negated ? 'false' : 'true';
      else if (i + 1 < argv.length) value = argv[++i];
      else throw new TypeError(`flag --${name} needs a value`);
    }
    out.set(setting, value);
  }
  return out;
}

/** Flags override IONCAM_* variables, which override the defaults. Throws on any bad value. */
export function resolveConfig(argv: readonly string[] = [], env: NodeJS.ProcessEnv = process.env): ServerConfig {
  const flags = parseFlags(argv);
  const config: Record<string, unknown> = {};
  for (const s of SETTINGS) {
    const flag = flags.get(s);
    const fromEnv = env[s.env];
    if (flag !== undefined) config[s.key] = parseValue(s, flag, `--${s.flag}`);
    else if (fromEnv !== undefined && fromEnv !== '') config[s.key] = parseValue(s, fromEnv, s.env);
    else config[s.key] = s.default();
  }
  return config as unknown as ServerConfig;
}

/** Checks a programmatic partial config (buildApp options) with the same rules as flags. */
export function withDefaults(partial: Partial<ServerConfig> = {}): ServerConfig {
  const config = { ...DEFAULTS, ...partial } as Record<string, unknown>;
  for (const s of SETTINGS) {
    const v = config[s.key];
    if (v === undefined) config[s.key] = s.default();
    else parseValue(s, String(v), s.key);
  }
  return config as unknown as ServerConfig;
}

export function settingsHelp(): string {
  return SETTINGS.map((s) => `  --${s.flag.padEnd(16)} ${s.env.padEnd(22)} ${s.help} (default: ${String(s.default()) || '""'})`).join('\n');
}
