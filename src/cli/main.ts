/**
 * The `sealhouse` command: finds the subcommand in commands/index.ts and runs it. Usage mistakes
 * (unknown command, unknown or malformed flag) print the usage and exit 2; configuration, key and
 * input problems print one line and exit 1.
 */
import { readFileSync } from 'node:fs';
import { COMMANDS } from './commands/index.js';
import { UsageError, wantsHelp } from './command.js';
import { reportFailure } from './report-failure.js';

function usage(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length)) + 2;
  const lines = COMMANDS.map((c) => `  ${c.name.padEnd(width)}${c.summary}`);
  return `usage: sealhouse <command> [flags]   (sealhouse --version prints the version)\n\ncommands:\n${lines.join('\n')}\n\nsealhouse <command> --help shows a command's flags; configuration is read from the environment (README.md).`;
}

/** The version in package.json, which sits two levels above both src/cli and dist/src/cli. */
function packageVersion(): string {
  for (const up of ['../../', '../../../']) {
    try {
      const pkg = JSON.parse(readFileSync(new URL(`${up}package.json`, import.meta.url), 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'sealhouse' && pkg.version) return pkg.version;
    } catch {
      // not at this level; try the next
    }
  }
  return 'unknown';
}

const isParseArgsError = (err: unknown): err is Error => err instanceof TypeError && ((err as { code?: string }).code?.startsWith('ERR_PARSE_ARGS') ?? false);

async function main(argv: readonly string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined) {
    // No command is a question, not a request to start a server (`sealhouse serve` does that).
    console.error(usage());
    return 2;
  }
  if (name === '--version' || name === '-v') {
    console.log(`sealhouse ${packageVersion()}`);
    return 0;
  }
  if (name === 'help' || name === '--help' || name === '-h') {
    console.log(usage());
    return 0;
  }
  const entry = COMMANDS.find((c) => c.name === name);
  if (!entry) {
    console.error(`sealhouse: unknown command "${name}"\n\n${usage()}`);
    return 2;
  }
  const command = await entry.load();
  if (wantsHelp(rest)) {
    console.log(command.usage);
    return 0;
  }
  try {
    return await command.run(rest);
  } catch (err) {
    if (err instanceof UsageError || isParseArgsError(err)) {
      console.error(`sealhouse ${command.name}: ${err.message}\n\n${command.usage}`);
      return 2;
    }
    throw err;
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    if (code >= 0) process.exit(code);
  },
  // config.js is loaded only here, so `sealhouse --version` and --help stay quick.
  async (err: unknown) => process.exit(reportFailure(err, (await import('../config.js')).stackTracesWanted())),
);
