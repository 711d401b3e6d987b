#!/usr/bin/env node
// The `ioncam` command. CommonJS on purpose: libuv sizes its thread pool (decodes, native analyses,
// file writes) from UV_THREADPOOL_SIZE when the pool first starts, and an ES-module entry point
// starts it while loading, before any of its code could set the variable. Here nothing has used
// the pool yet, so the setting takes effect; then the real CLI is loaded.
'use strict';
const { availableParallelism } = require('node:os');
const { join } = require('node:path');
const { pathToFileURL } = require('node:url');

if (process.env.UV_THREADPOOL_SIZE === undefined) {
  process.env.UV_THREADPOOL_SIZE = String(Math.max(4, availableParallelism() + 2));
}
import(pathToFileURL(join(__dirname, '..', 'dist', 'cli', 'main.js')).href).catch((e) => {
  console.error(e instanceof Error ? e.message : e);
  process.exitCode = 1;
});
