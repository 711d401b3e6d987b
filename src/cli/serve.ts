// `ioncam serve`: resolve the config, build the app, listen, and on SIGTERM/SIGINT stop taking
// frames, finish every accepted one, flush the writer, then exit.
import { buildApp } from '../app.js';
import { resolveConfig, settingsHelp } from '../config.js';

export async function serve(argv: string[]): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    console.log(`usage: ioncam serve [flags]\n\nEvery flag can also be set by its environment variable.\n\n${settingsHelp()}`);
    return 0;
  }
  const config = resolveConfig(argv, process.env);
  const app = await buildApp({ ...config, logger: true });
  await app.listen({ host: config.host, port: config.port });

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    app.log.info(`${signal}: draining ${app.pipeline.depth} queued frames and flushing results`);
    app.close().then(
      () => {
        app.log.info('stopped cleanly');
        process.exit(0);
      },
      (e: unknown) => {
        app.log.error({ err: e }, 'error while stopping');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
  return 0;
}
