// Command-line options of `ioncam analyze`, turned into library AnalyzeOptions. Values are
// only parsed here; their ranges are checked by the library's own option validation.
import { availableParallelism } from 'node:os';
import { parseArgs } from 'node:util';

import { DETECTORS, MODELS } from '../analysis/options.js';
import type { AnalyzeOptions, LegacyRoi, RoiRect } from '../analysis/types.js';
import { FRAME_EXTENSIONS } from '../ingest/files.js';

export const FORMATS = ['ndjson', 'csv', 'legacy'] as const;
export type OutputFormat = (typeof FORMATS)[number];

export interface RawSize {
  width: number;
  height: number;
  dtype: 'uint8' | 'uint16';
}

export interface AnalyzeArgs {
  paths: string[];
  options: AnalyzeOptions;
  format: OutputFormat;
  /** File for ndjson/csv (stdout when absent); data folder for legacy. */
  out?: string;
  jobs: number;
  /** Size of every .raw file; without it, a .raw file needs a NAME.raw.json sidecar. */
  raw?: RawSize;
  progress: 'auto' | 'bar' | 'lines' | 'none';
  help: boolean;
}

export const ANALYZE_HELP = `Usage: ioncam analyze [options] <files or folders...>

Analyses frame files offline on all CPU cores with the same options as the REST API.
Folders are searched recursively for ${FRAME_EXTENSIONS.join(' ')} (and .raw,
see --raw-size). Results are written in input order.

Analysis options:
  --roi x,y,w,h             region of interest: first column, first row, width, height
  --roi xstart=R0,xfinish=R1,ystart=C0,yfinish=C1
                            the same in the legacy convention (x* cut ROWS, y* cut COLUMNS)
  --radius PX               detection scale in px (default 20)
  --analysis 0|1|2          0 = decode only, 1 = detect, 2 = detect + fit (default 2)
  --model NAME              vertical profile model: ${MODELS.join(', ')} (default ${MODELS[0]})
  --detector NAME           ${DETECTORS.join(', ')} (default ${DETECTORS[0]})

Output:
  --format ndjson|csv|legacy
                            ndjson: one JSON line per frame (default)
                            csv: one row per ion (a frame without ions gets one row)
                            legacy: the legacy result layout in the --out folder
  --out PATH                output file (ndjson, csv; default stdout) or folder (legacy; default ./data)
  --progress auto|bar|lines|none
                            progress on stderr: a bar on a terminal, one line per file otherwise (auto)

Input:
  --raw-size WxH[:dtype]    size of .raw files (bare little-endian pixels; dtype uint16 or uint8,
                            default uint16). Without it a .raw file is read only when a sidecar
                            NAME.raw.json gives width, height and dtype; folders skip other .raw files.
  --jobs N                  frames analysed at once (default: CPU count)
  -h, --help                this help

Exit status: 0 when every file was analysed, 1 when any file failed (failures are listed),
2 for bad options.
`;

export class UsageError extends Error {
  override name = 'UsageError';
}

function integers(text: string, what: string): number[] {
  return text.split(',').map((part) => {
    const n = Number(part.trim());
    if (part.trim() === '' || !Number.isInteger(n)) throw new UsageError(`${what}: "${part}" is not an integer`);
    return n;
  });
}

/** `x,y,w,h`, `x=..,y=..,width=..,height=..` or the legacy `xstart=..,xfinish=..,ystart=..,yfinish=..`. */
export function parseRoi(text: string, name = '--roi'): RoiRect | LegacyRoi {
  if (!text.includes('=')) {
    const v = integers(text, name);
    if (v.length !== 4) throw new UsageError(`${name} needs 4 numbers x,y,w,h, got ${v.length}`);
    return { x: v[0], y: v[1], width: v[2], height: v[3] };
  }
  const fields: Record<string, number> = {};
  for (const pair of text.split(',')) {
    const [key, value, ...rest] = pair.split('=');
    if (value === undefined || rest.length > 0) throw new UsageError(`${name}: "${pair}" is not key=value`);
    fields[key.trim()] = integers(value, `${name} ${key.trim()}`)[0];
  }
  const keys = Object.keys(fields).sort().join(',');
  if (keys === 'height,width,x,y') return fields as unknown as RoiRect;
  if (keys === 'xfinish,xstart,yfinish,ystart') return fields as unknown as LegacyRoi;
  throw new UsageError(`${name} needs x,y,width,height or xstart,xfinish,ystart,yfinish; got ${keys}`);
}

export function parseRawSize(text: string): RawSize {
  const m = /^(\d+)x(\d+)(?::(uint8|uint16))?$/.exec(text.trim());
  if (!m) throw new UsageError(`--raw-size must look like 300x300 or 300x300:uint16, got "${text}"`);
  return { width: Number(m[1]), height: Number(m[2]), dtype: (m[3] ?? 'uint16') as RawSize['dtype'] };
}

function oneOf<T extends string>(flag: string, value: string, choices: readonly T[]): T {
  if (!(choices as readonly string[]).includes(value)) throw new UsageError(`${flag} must be one of ${choices.join(', ')}, got "${value}"`);
  return value as T;
}

function number(flag: string, value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n)) throw new UsageError(`${flag} must be a number, got "${value}"`);
  return n;
}

/** The analysis options a flag can give; the server's IONCAM_ROI etc. parse them the same way. */
export const ANALYSIS_FLAGS = ['roi', 'radius', 'analysis', 'model', 'detector'] as const;
export type AnalysisFlag = (typeof ANALYSIS_FLAGS)[number];

/** One analysis option's text as `--roi`, `--radius`... give it; `name` (e.g. IONCAM_ROI) is used in messages. */
export function parseAnalysisOption<K extends AnalysisFlag>(key: K, text: string, name: string = `--${key}`): AnalyzeOptions[K] {
  const parsers: { [F in AnalysisFlag]: () => AnalyzeOptions[F] } = {
    roi: () => parseRoi(text, name),
    radius: () => number(name, text),
    analysis: () => Number(oneOf(name, text, ['0', '1', '2'])) as 0 | 1 | 2,
    model: () => oneOf(name, text, MODELS),
    detector: () => oneOf(name, text, DETECTORS),
  };
  return parsers[key]();
}

export function parseAnalyzeArgs(argv: string[]): AnalyzeArgs {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      strict: true,
      options: {
        roi: { type: 'string' },
        radius: { type: 'string' },
        analysis: { type: 'string' },
        model: { type: 'string' },
        detector: { type: 'string' },
        format: { type: 'string' },
        out: { type: 'string' },
        progress: { type: 'string' },
        'raw-size': { type: 'string' },
        jobs: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  const v = parsed.values;
  const options: AnalyzeOptions = {};
  for (const key of ANALYSIS_FLAGS) {
    const text = v[key];
    if (text !== undefined) Object.assign(options, { [key]: parseAnalysisOption(key, text) });
  }
  let jobs = availableParallelism();
  if (v.jobs !== undefined) {
    jobs = number('--jobs', v.jobs);
    if (!Number.isInteger(jobs) || jobs < 1 || jobs > 1024) throw new UsageError(`--jobs must be an integer in [1, 1024], got ${v.jobs}`);
  }
  const args: AnalyzeArgs = {
    paths: parsed.positionals,
    options,
    format: v.format === undefined ? 'ndjson' : oneOf('--format', v.format, FORMATS),
    out: v.out,
    jobs,
    raw: v['raw-size'] === undefined ? undefined : parseRawSize(v['raw-size']),
    progress: v.progress === undefined ? 'auto' : oneOf('--progress', v.progress, ['auto', 'bar', 'lines', 'none'] as const),
    help: v.help ?? false,
  };
  if (!args.help && args.paths.length === 0) throw new UsageError('no files or folders given (see ioncam analyze --help)');
  return args;
}
