/**
 * `sealhouse ca init-root|intermediate-key|sign-intermediate`: a CA whose root key never
 * touches the server. The root is made and used on a machine of the operator's choosing; the
 * server makes its intermediate key and hands over only the public half; the signed chain comes
 * back. The certificates have the profile the generated default has (src/ca/ca-chain.ts), which
 * the server checks at start (src/ca/ca-keys.ts) and Fulcio's clients require.
 */
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { generateRoot, signIntermediate } from '../../ca/ca-chain.js';
import { parsePrivateKey } from '../../ca/ca-keys.js';
import { parsePublicKey } from '../../ca/public-key.js';
import { rootIssuer } from '../../ca/root-issuer.js';
import { toPem } from '../../core/pem.js';
import { SealhouseError } from '../../errors.js';
import { checkKeyFileMode } from '../../private-files.js';
import { type Command, UsageError } from '../command.js';

const USAGE = `usage: sealhouse ca init-root          --dir DIR [--org NAME] [--years N]
       sealhouse ca intermediate-key   --dir DIR
       sealhouse ca sign-intermediate  --dir DIR --public-key FILE --out CHAIN [--org NAME] [--years N]

init-root          (offline machine) a new P-384 root: DIR/root-key.pem (0600, stays there) and DIR/root.pem
intermediate-key   (server) a new P-384 intermediate key: DIR/intermediate-key.pem (0600, stays there)
                   and DIR/intermediate-public.pem (carry it to the offline machine)
sign-intermediate  (offline machine) signs that public key with DIR's root into CHAIN (intermediate,
                   then root): give the server SEALHOUSE_CA_CHAIN=CHAIN SEALHOUSE_CA_KEY=intermediate-key.pem
--org     the certificates' organization (default sealhouse); --years their validity (default 10;
          an intermediate never outlives its root). Existing files are never overwritten.`;

/** Refuses before anything is generated, so a refusal never leaves half a pair behind. */
function refuseExisting(...paths: string[]): void {
  const existing = paths.filter((path) => existsSync(path));
  if (existing.length > 0) throw new SealhouseError('invalid_input', `${existing.join(' and ')} exists; refusing to overwrite it`);
}

const SECRET = { mode: 0o600, flag: 'wx' } as const;
const PUBLIC = { mode: 0o644, flag: 'wx' } as const;
const pkcs8 = (key: KeyObject): string => key.export({ type: 'pkcs8', format: 'pem' }) as string;

function writeNew(path: string, text: string, options: typeof SECRET | typeof PUBLIC): void {
  try {
    writeFileSync(path, text, options);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') throw new SealhouseError('invalid_input', `${path} exists; refusing to overwrite it`);
    throw err;
  }
}

function years(value: string | undefined): number {
  if (value === undefined) return 10;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 30) throw new UsageError(`--years must be a whole number from 1 to 30, got "${value}"`);
  return n;
}

export const caCommand: Command = {
  name: 'ca',
  usage: USAGE,
  async run(args: readonly string[]): Promise<number> {
    const { values, positionals } = parseArgs({
      args: [...args], allowPositionals: true, strict: true,
      options: { dir: { type: 'string' }, org: { type: 'string' }, years: { type: 'string' }, 'public-key': { type: 'string' }, out: { type: 'string' } },
    });
    const [action, ...rest] = positionals;
    if (rest.length > 0) throw new UsageError(`unexpected operands "${rest.join(' ')}"`);
    const dir = values.dir;
    if (!dir) throw new UsageError('--dir DIR is required');
    const options = { organization: values.org ?? 'sealhouse', validityYears: years(values.years) };
    switch (action) {
      case 'init-root': {
        refuseExisting(join(dir, 'root-key.pem'), join(dir, 'root.pem'));
        mkdirSync(dir, { recursive: true, mode: 0o700 });
        const root = generateRoot(options);
        writeNew(join(dir, 'root-key.pem'), pkcs8(root.key), SECRET);
        writeNew(join(dir, 'root.pem'), toPem(root.certificate), PUBLIC);
        process.stdout.write(`root certificate: ${join(dir, 'root.pem')}; root key: ${join(dir, 'root-key.pem')} (keep it on this machine)\n`);
        return 0;
      }
      case 'intermediate-key': {
        refuseExisting(join(dir, 'intermediate-key.pem'), join(dir, 'intermediate-public.pem'));
        mkdirSync(dir, { recursive: true, mode: 0o700 });
        const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-384' });
        writeNew(join(dir, 'intermediate-key.pem'), pkcs8(privateKey), SECRET);
        writeNew(join(dir, 'intermediate-public.pem'), publicKey.export({ type: 'spki', format: 'pem' }) as string, PUBLIC);
        process.stdout.write(`intermediate key: ${join(dir, 'intermediate-key.pem')} (stays here); public key to sign: ${join(dir, 'intermediate-public.pem')}\n`);
        return 0;
      }
      case 'sign-intermediate': {
        const publicKeyFile = values['public-key'];
        if (!publicKeyFile || !values.out) throw new UsageError('--public-key FILE and --out CHAIN are required');
        refuseExisting(values.out);
        const keyFile = join(dir, 'root-key.pem');
        if (!existsSync(keyFile) || !existsSync(join(dir, 'root.pem'))) {
          throw new SealhouseError('invalid_input', `no root in ${dir} (root.pem and root-key.pem): run \`sealhouse ca init-root --dir ${dir}\` on the offline machine, or name the directory that holds them`);
        }
        checkKeyFileMode(keyFile, 'the CA root key');
        const root = rootIssuer(readFileSync(join(dir, 'root.pem'), 'utf8'), parsePrivateKey(readFileSync(keyFile, 'utf8'), undefined, 'the CA root key'));
        // The same acceptance Fulcio's requests get: a weak or malformed key is refused here too.
        const { spki } = parsePublicKey(readFileSync(publicKeyFile, 'utf8'));
        const intermediate = signIntermediate(root, spki, options);
        writeNew(values.out, toPem(intermediate) + toPem(root.certificate), PUBLIC);
        process.stdout.write(`chain for SEALHOUSE_CA_CHAIN: ${values.out} (intermediate first, root last)\n`);
        return 0;
      }
      default:
        throw new UsageError(`expected "init-root", "intermediate-key" or "sign-intermediate", got "${action ?? ''}"`);
    }
  },
};
