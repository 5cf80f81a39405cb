/**
 * `sealhouse verify-bundle`: a sigstore bundle checked offline against a trusted root, with
 * exactly the arguments of the sigstore-conformance client protocol (docs/cli_protocol.md of
 * github.com/sigstore/sigstore-conformance), so that suite can drive Sealhouse as a client:
 *
 *   verify-bundle [--staging] --bundle FILE --certificate-identity IDENTITY --certificate-oidc-issuer URL [--trusted-root FILE] FILE_OR_DIGEST
 *   verify-bundle [--staging] --bundle FILE --key PATH_TO_KEY [--trusted-root FILE] FILE_OR_DIGEST
 *
 * Exit 0 when the bundle verifies, 1 when it does not (or an input cannot be read), 2 for a
 * usage mistake. Never reads configuration or opens a database: an auditor runs it anywhere.
 */
import { existsSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { BundleVerificationError } from '../../core/bundle/errors.js';
import { verifyBundle, type ArtifactInput, type BundleVerification, type IdentityPolicy } from '../../core/bundle/verify-bundle.js';
import { hexToBytes } from '../../core/bytes.js';
import { nodeCrypto } from '../../node-crypto.js';
import { type Command, UsageError } from '../command.js';
import { readInput, readJson, readPublicKey, TRUSTED_ROOT_HELP, trustedRootPath } from '../read-inputs.js';

const USAGE = `usage: sealhouse verify-bundle [--staging] --bundle FILE
         (--certificate-identity ID | --certificate-identity-regexp RE)
         (--certificate-oidc-issuer URL | --certificate-oidc-issuer-regexp RE)
         [--trusted-root FILE] FILE|sha256:DIGEST
       sealhouse verify-bundle [--staging] --bundle FILE --key PUBLIC_KEY.pem [--trusted-root FILE] FILE|sha256:DIGEST

Verifies a sigstore bundle (media types v0.1-v0.3) offline: the certificate chains to a CA of the
trusted root at the signing time, its SCT verifies against the root's CT logs, the transparency
log entry is proven (SET or RFC 3161 timestamp; inclusion proof to a signed checkpoint), the
logged body matches the bundle, and the signature covers the artifact. With --key the bundle
must be signed by that key (PEM SubjectPublicKeyInfo) instead of a certificate.

The artifact is a file, or sha256:<64 hex digits> naming its digest (when no file of that name
exists). For a DSSE (in-toto) bundle it is a subject of the statement.

${TRUSTED_ROOT_HELP}

--staging only switches the environment variable the default trusted root is read from.
Exit status: 0 verified, 1 not verified or an input could not be read, 2 usage mistake.`;

/** sha256:<hex> names a digest only if it is well-formed and not a file on disk (the protocol's rule). */
export function artifactInput(operand: string): { input: ArtifactInput; label: string } {
  const m = /^sha256:([0-9a-fA-F]{64})$/.exec(operand);
  if (m?.[1] && !existsSync(operand)) return { input: { digest: { algorithm: 'sha256', value: hexToBytes(m[1].toLowerCase()) } }, label: `digest ${operand.toLowerCase()}` };
  return { input: { bytes: readInput(operand, 'artifact') }, label: operand };
}

function regexp(source: string, flag: string): RegExp {
  try {
    return new RegExp(source);
  } catch (err) {
    throw new UsageError(`${flag} is not a regular expression: ${(err as Error).message}`);
  }
}

function report(result: BundleVerification, label: string): string {
  const who = result.signer.kind === 'certificate' ? `certificate for ${result.signer.subject} (issuer ${result.signer.issuer ?? 'none'})` : 'the given public key';
  const lines = [`OK: ${label} was signed by ${who}`];
  for (const t of result.timestamps) lines.push(`  time: ${t.time.toISOString()} (${t.kind}, ${t.by})`);
  for (const e of result.tlogEntries) lines.push(`  log entry: index ${e.logIndex} of log ${e.logIdHex}`);
  for (const c of result.checks) lines.push(`  ✓ ${c}`);
  return `${lines.join('\n')}\n`;
}

export const verifyBundleCommand: Command = {
  name: 'verify-bundle',
  usage: USAGE,
  run(args: readonly string[]): Promise<number> {
    const { values, positionals } = parseArgs({
      args: [...args],
      options: {
        staging: { type: 'boolean' },
        bundle: { type: 'string' },
        'certificate-identity': { type: 'string' },
        'certificate-identity-regexp': { type: 'string' },
        'certificate-oidc-issuer': { type: 'string' },
        'certificate-oidc-issuer-regexp': { type: 'string' },
        key: { type: 'string' },
        'trusted-root': { type: 'string' },
      },
      allowPositionals: true,
      strict: true,
    });
    if (!values.bundle) throw new UsageError('needs --bundle FILE');
    if (positionals.length !== 1) throw new UsageError(positionals.length === 0 ? 'needs the artifact: FILE or sha256:DIGEST' : `takes one artifact, got ${positionals.length}: ${positionals.join(' ')}`);
    const subject = values['certificate-identity'];
    const subjectRe = values['certificate-identity-regexp'];
    const issuer = values['certificate-oidc-issuer'];
    const issuerRe = values['certificate-oidc-issuer-regexp'];
    const byIdentity = [subject, subjectRe, issuer, issuerRe].some((v) => v !== undefined);
    if (values.key !== undefined && byIdentity) throw new UsageError('--key and --certificate-* are alternatives: a bundle is signed by a key or by a certificate');
    if (values.key === undefined) {
      if (subject === undefined && subjectRe === undefined) throw new UsageError('needs --certificate-identity (or --certificate-identity-regexp), or --key');
      if (issuer === undefined && issuerRe === undefined) throw new UsageError('needs --certificate-oidc-issuer (or --certificate-oidc-issuer-regexp)');
      if (subject !== undefined && subjectRe !== undefined) throw new UsageError('give --certificate-identity or --certificate-identity-regexp, not both');
      if (issuer !== undefined && issuerRe !== undefined) throw new UsageError('give --certificate-oidc-issuer or --certificate-oidc-issuer-regexp, not both');
    }
    const root = trustedRootPath(values['trusted-root'], values.staging === true);
    if (!root) throw new UsageError(`no trusted root: pass --trusted-root FILE or set ${values.staging ? 'SEALHOUSE_STAGING_TRUSTED_ROOT' : 'SEALHOUSE_TRUSTED_ROOT'}`);

    const identity: IdentityPolicy = {
      ...(subject !== undefined ? { subject } : {}),
      ...(subjectRe !== undefined ? { subjectRegExp: regexp(subjectRe, '--certificate-identity-regexp') } : {}),
      ...(issuer !== undefined ? { issuer } : {}),
      ...(issuerRe !== undefined ? { issuerRegExp: regexp(issuerRe, '--certificate-oidc-issuer-regexp') } : {}),
    };
    const publicKey = values.key !== undefined ? readPublicKey(values.key) : undefined;
    const trustedRoot = readJson(root.path, 'trusted root');
    const bundle = readJson(values.bundle, 'bundle');
    const { input, label } = artifactInput(positionals[0] ?? '');

    try {
      const result = verifyBundle(bundle, { crypto: nodeCrypto, trustedRoot, artifact: input, ...(publicKey ? { publicKey } : { identity }) });
      process.stdout.write(report(result, label));
      process.stdout.write(`  trusted root: ${root.path} (from ${root.source})\n`);
      return Promise.resolve(0);
    } catch (err) {
      if (!(err instanceof BundleVerificationError)) throw err;
      // The message already starts with the failed step's code.
      console.error(`sealhouse verify-bundle: NOT verified: ${err.message}`);
      console.error(`  bundle ${values.bundle}, artifact ${label}, trusted root ${root.path} (from ${root.source})`);
      return Promise.resolve(1);
    }
  },
};
