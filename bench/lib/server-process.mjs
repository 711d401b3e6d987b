// The real CLI server (bin/ioncam.cjs serve, built dist/) as a child process, for benches and
// tests that need it in a process of its own: started, waited for until it logs its HTTP
// address, and stopped with SIGTERM.
import { spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const bin = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'bin', 'ioncam.cjs');

/**
 * Spawns `ioncam serve <flags>` and resolves once it logs "listening at http://127.0.0.1:<port>"
 * and `ready(log)` holds (for listeners that log later, e.g. TCP ingest). Rejects if the server
 * exits first or does not get there within `timeoutMs`.
 */
export async function startServer(flags, { ready = () => true, timeoutMs = 30_000 } = {}) {
  const child = spawn(process.execPath, [bin, 'serve', ...flags], { stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  const exited = new Promise((resolve) => child.on('exit', (code) => resolve(code)));
  const url = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start:\n${log}`)), timeoutMs);
    const onData = (d) => {
      log += d.toString();
      const m = /listening at (http:\/\/127\.0\.0\.1:\d+)/.exec(log);
      if (m && ready(log)) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`server exited with ${code}:\n${log}`));
    });
  });
  return {
    url,
    child,
    pid: child.pid,
    /** Everything the server has written to stdout and stderr so far. */
    log: () => log,
    /** The exit code, once the process has exited. */
    exited,
    async stop() {
      child.kill('SIGTERM');
      return exited;
    },
  };
}
