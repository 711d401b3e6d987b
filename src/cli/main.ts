#!/usr/bin/env node
// The `ioncam` command: `ioncam serve [flags]` (and other areas' subcommands).
import './threadpool.js';

const USAGE = `usage: ioncam <command> [flags]

commands:
  serve      run the HTTP/WebSocket server (default)
  analyze    analyse frame files offline

run "ioncam <command> --help" for its flags`;

async function main(argv: string[]): Promise<number> {
  const [command = 'serve', ...rest] = argv;
  if (command === 'serve') return (await import('./serve.js')).serve(rest);
  if (command === '--help' || command === '-h' || command === 'help') {
    console.log(USAGE);
    return 0;
  }
  if (command === 'analyze') {
    // The offline CLI lives in ./analyze.js (ingest area).
    const mod = (await import(new URL('./analyze.js', import.meta.url).href).catch(() => null)) as
      | { analyzeCommand?: (argv: string[]) => Promise<number> }
      | null;
    if (mod?.analyzeCommand) return mod.analyzeCommand(rest);
    console.error('ioncam analyze is not available in this build');
    return 2;
  }
  console.error(`unknown command "${command}"\n\n${USAGE}`);
  return 2;
}

main(process.argv.slice(2)).then(
  (code) => {
    if (code !== 0) process.exitCode = code;
  },
  (e: unknown) => {
    console.error(e instanceof Error ? e.message : e);
    process.exitCode = 1;
  },
);
