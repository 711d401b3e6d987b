#!/usr/bin/env node
// The `ioncam` command: `ioncam serve [flags]` (and other areas' subcommands).

const USAGE = `usage: ioncam <command> [flags]

commands:
  serve      run the HTTP/WebSocket server (default)
  analyze    analyse frame files offline
  bench      run a benchmark script (bench/<name>.mjs)

run "ioncam <command> --help" for its flags`;

async function main(argv: string[]): Promise<number> {
  const [command = 'serve', ...rest] = argv;
  if (command === 'serve') return (await import('./serve.js')).serve(rest);
  if (command === '--help' || command === '-h' || command === 'help') {
    console.log(USAGE);
    return 0;
  }
  if (command === 'analyze') return (await import('./analyze.js')).analyzeCommand(rest);
  if (command === 'bench') return (await import('./bench.js')).benchCommand(rest);
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
