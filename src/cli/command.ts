/**
 * One `sealhouse` subcommand: its name, its own usage text (printed by `sealhouse <name> --help`
 * and after a usage error), and what it does. Each command lives in its own file under
 * commands/ and is listed, with the line `sealhouse --help` shows for it, in commands/index.ts.
 *
 * `run` returns the exit code, or -1 when the command keeps the process alive (serve).
 */
export interface Command {
  readonly name: string;
  readonly usage: string;
  run(args: readonly string[]): Promise<number>;
}

/**
 * A command as `sealhouse --help` lists it, loaded only when run: the server, the database
 * drivers and the signing library stay unloaded for the commands that do not need them.
 */
export interface CommandEntry {
  readonly name: string;
  readonly summary: string;
  load(): Promise<Command>;
}

/** A usage mistake: printed with the command's usage, exit 2 (as POSIX tools do). */
export class UsageError extends Error {}

/** `--help`/`-h` anywhere among the arguments. */
export const wantsHelp = (args: readonly string[]): boolean => args.includes('--help') || args.includes('-h');

/** For commands that take no flags or operands: anything given is a mistake worth saying. */
export function noArguments(args: readonly string[]): void {
  if (args.length > 0) throw new UsageError(`takes no arguments, got "${args.join(' ')}"`);
}
