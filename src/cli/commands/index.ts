/**
 * Every `sealhouse` subcommand, in the order `sealhouse --help` lists them. A new command is a
 * file in this directory and one line here.
 */
import type { Command } from '../command.js';
import { devTokenCommand } from './dev-token.js';
import { fsckCommand } from './fsck.js';
import { migrateCommand } from './migrate.js';
import { monitorCommand } from './monitor.js';
import { serveCommand } from './serve.js';
import { signBundleCommand } from './sign-bundle.js';
import { publicKeyCommand, signingConfigCommand, trustRootCommand } from './trust-documents.js';
import { verifyBundleCommand } from './verify-bundle.js';
import { verifyEntryCommand } from './verify-entry.js';

export const COMMANDS: readonly Command[] = [
  serveCommand,
  migrateCommand,
  publicKeyCommand,
  trustRootCommand,
  signingConfigCommand,
  devTokenCommand,
  verifyBundleCommand,
  signBundleCommand,
  verifyEntryCommand,
  monitorCommand,
  fsckCommand,
];
