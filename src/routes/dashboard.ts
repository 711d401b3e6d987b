// Serves the dashboard (dist/web: web/ plus the vendored uPlot, copied by `npm run build`) at `/`.
import { existsSync } from 'node:fs';
import { join } from 'node:path';

import fastifyStatic from '@fastify/static';
import type { FastifyInstance } from 'fastify';

import { packageRoot } from '../analysis/native.js';

export const DASHBOARD_DIR = join(packageRoot, 'dist', 'web');

export interface DashboardOptions {
  /** Folder with index.html, app.js and vendor/. Default: dist/web of this package. */
  root?: string;
}

/** Registered without fastify-plugin so its reply decorator stays private to this scope. */
export async function dashboardRoutes(app: FastifyInstance, opts: DashboardOptions): Promise<void> {
  const root = opts.root ?? DASHBOARD_DIR;
  if (!existsSync(join(root, 'index.html'))) {
    app.log.warn(`dashboard not built: ${root}/index.html is missing (run \`npm run build\`)`);
  }
  await app.register(fastifyStatic, {
    root,
    prefix: '/',
    index: 'index.html',
    // The page changes with each build: revalidate by ETag rather than cache blindly.
    cacheControl: true,
    maxAge: 0,
  });
}
