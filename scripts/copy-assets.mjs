// Copies the dashboard's static files (and the vendored chart library) into dist/web,
// so the server serves them from local files with no CDN.
import { cpSync, existsSync, mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const out = join(root, 'dist', 'web');
mkdirSync(out, { recursive: true });
if (existsSync(join(root, 'web'))) cpSync(join(root, 'web'), out, { recursive: true });
const require = createRequire(import.meta.url);
const uplotDir = dirname(require.resolve('uplot/package.json'));
mkdirSync(join(out, 'vendor'), { recursive: true });
cpSync(join(uplotDir, 'dist', 'uPlot.iife.min.js'), join(out, 'vendor', 'uPlot.iife.min.js'));
cpSync(join(uplotDir, 'dist', 'uPlot.min.css'), join(out, 'vendor', 'uPlot.min.css'));
