/**
 * `sealhouse sign-bundle`: keyless signing into a sigstore bundle, with the arguments of the
 * sigstore-conformance client protocol (docs/cli_protocol.md):
 *
 *   sign-bundle [--staging] [--in-toto] --identity-token TOKEN --bundle FILE [--trusted-root FILE] [--signing-config FILE] FILE
 *
 * The flow (ephemeral key, Fulcio certificate with proof of possession, Rekor upload, RFC 3161
 * timestamps) is @sigstore/sign's, the well-kept library sigstore-js signs with; this command
 * only chooses the services from the signing config and, given a trusted root, refuses to write
 * a bundle that does not verify against it. Needs no configuration and no database.
 */
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import type { Witness } from '@sigstore/sign';
import { BundleVerificationError } from '../../core/bundle/errors.js';
import { verifyBundle, type ArtifactInput } from '../../core/bundle/verify-bundle.js';
import { hexToBytes } from '../../core/bytes.js';
import { SealhouseError } from '../../errors.js';
import { nodeCrypto } from '../../node-crypto.js';
import { type Command, UsageError } from '../command.js';
import { readInput, readJson, TRUSTED_ROOT_HELP, trustedRootPath } from '../read-inputs.js';
import { signingServices } from '../signing-services.js';

const IN_TOTO = 'application/vnd.in-toto+json';

const USAGE = `usage: sealhouse sign-bundle [--staging] [--in-toto] --identity-token TOKEN --bundle OUT
         [--trusted-root FILE] [--signing-config FILE] FILE

Signs FILE keylessly: an ephemeral key, a certificate for the token's identity from the Fulcio CA
of the signing config, the signature logged in its Rekor log (and timestamped by its TSAs, if it
names any), all written as a sigstore bundle to OUT. With --in-toto, FILE is an in-toto statement
and is signed as a DSSE envelope (payload type ${IN_TOTO}).

Signing config (v0.2; the Fulcio/Rekor/TSA services valid now are used): --signing-config FILE,
else the file named by SEALHOUSE_SIGNING_CONFIG (SEALHOUSE_STAGING_SIGNING_CONFIG with --staging).
A Sealhouse server publishes its own: GET /signing_config.json, or \`sealhouse signing-config\`.

With a trusted root, the new bundle is verified against it before it is written (chain, SCT,
log proof, signature); a bundle that does not verify is not written. ${TRUSTED_ROOT_HELP}

Exit status: 0 signed, 1 the services refused or the bundle did not verify, 2 usage mistake.`;

// sigstore-js's own defaults for a CLI: a slow service fails in seconds, not minutes.
const FETCH = { timeout: 20_000, retry: 2 } as const;

/** The identity a token is for, to say whose certificate was asked for (not verified here: Fulcio does). */
function tokenSubject(token: string): string {
  try {
    const claims = JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8')) as { email?: unknown; sub?: unknown; iss?: unknown };
    return `${String(claims.email ?? claims.sub)} (issuer ${String(claims.iss)})`;
  } catch {
    throw new SealhouseError('invalid_input', '--identity-token is not a JWT (header.payload.signature)');
  }
}

/**
 * A DSSE bundle is verified for a subject of its statement, not for the statement itself: the
 * first sha256 subject stands in for "the artifact" when the fresh bundle is checked.
 */
function statementSubject(data: Buffer, path: string): ArtifactInput {
  let statement: unknown;
  try {
    statement = JSON.parse(data.toString('utf8'));
  } catch {
    throw new SealhouseError('invalid_input', `--in-toto: ${path} is not JSON (an in-toto statement is)`);
  }
  const subjects = (statement as { subject?: unknown }).subject;
  const digest = Array.isArray(subjects) ? subjects.map((s: { digest?: { sha256?: unknown } }) => s?.digest?.sha256).find((d) => typeof d === 'string' && /^[0-9a-f]{64}$/.test(d)) : undefined;
  if (typeof digest !== 'string') throw new SealhouseError('invalid_input', `--in-toto: ${path} is not an in-toto statement with a sha256 subject`);
  return { digest: { algorithm: 'sha256', value: hexToBytes(digest) } };
}

export const signBundleCommand: Command = {
  name: 'sign-bundle',
  usage: USAGE,
  async run(args: readonly string[]): Promise<number> {
    const { values, positionals } = parseArgs({
      args: [...args],
      options: {
        staging: { type: 'boolean' },
        'in-toto': { type: 'boolean' },
        'identity-token': { type: 'string' },
        bundle: { type: 'string' },
        'trusted-root': { type: 'string' },
        'signing-config': { type: 'string' },
      },
      allowPositionals: true,
      strict: true,
    });
    const token = values['identity-token'];
    if (!token) throw new UsageError('needs --identity-token TOKEN');
    if (!values.bundle) throw new UsageError('needs --bundle OUT (where to write the bundle)');
    if (positionals.length !== 1) throw new UsageError(positionals.length === 0 ? 'needs the FILE to sign' : `signs one file, got ${positionals.length}: ${positionals.join(' ')}`);
    const configName = values.staging ? 'SEALHOUSE_STAGING_SIGNING_CONFIG' : 'SEALHOUSE_SIGNING_CONFIG';
    const configPath = values['signing-config'] ?? process.env[configName];
    if (!configPath) throw new UsageError(`no signing config: pass --signing-config FILE or set ${configName}`);
    const root = trustedRootPath(values['trusted-root'], values.staging === true);

    const who = tokenSubject(token);
    const services = signingServices(readJson(configPath, 'signing config'));
    const trustedRoot = root ? readJson(root.path, 'trusted root') : undefined;
    const data = Buffer.from(readInput(positionals[0] ?? '', 'file to sign'));
    const artifact = values['in-toto'] ? statementSubject(data, positionals[0] ?? '') : { bytes: data };

    // Loaded here, not at start-up: every other command (verify-bundle in CI loops) would pay for it.
    const { bundleToJSON } = await import('@sigstore/bundle');
    const { DSSEBundleBuilder, FulcioSigner, MessageSignatureBundleBuilder, RekorWitness, TSAWitness } = await import('@sigstore/sign');
    const signer = new FulcioSigner({ fulcioBaseURL: services.ca.url, identityProvider: { getToken: () => Promise.resolve(token) }, ...FETCH });
    const witnesses: Witness[] = [
      ...services.tlogs.map((t) => new RekorWitness({ rekorBaseURL: t.url, majorApiVersion: t.majorApiVersion, ...FETCH })),
      ...services.tsas.map((t) => new TSAWitness({ tsaBaseURL: t.url, ...FETCH })),
    ];
    const builder = values['in-toto'] ? new DSSEBundleBuilder({ signer, witnesses }) : new MessageSignatureBundleBuilder({ signer, witnesses });
    let bundle;
    try {
      bundle = bundleToJSON(await builder.create(values['in-toto'] ? { data, type: IN_TOTO } : { data }));
    } catch (err) {
      // @sigstore/sign's InternalError names the step (CA_CREATE_SIGNING_CERTIFICATE_ERROR, …) and the service's answer.
      const e = err as { code?: string; message?: string; cause?: { message?: string } };
      const cause = e.cause?.message && e.cause.message !== e.message ? ` (${e.cause.message})` : '';
      console.error(`sealhouse sign-bundle: signing failed${e.code ? ` [${e.code}]` : ''}: ${e.message ?? String(err)}${cause}`);
      console.error(`  Fulcio ${services.ca.url}, Rekor ${services.tlogs.map((t) => `${t.url} (v${t.majorApiVersion})`).join(', ')}${services.tsas.length ? `, TSA ${services.tsas.map((t) => t.url).join(', ')}` : ''}`);
      return 1;
    }

    if (trustedRoot !== undefined && root) {
      try {
        // Whoever the certificate names: this check is that the services produced a bundle the root vouches for.
        verifyBundle(bundle, { crypto: nodeCrypto, trustedRoot, artifact, identity: { subjectRegExp: /^/, issuerRegExp: /^/ } });
      } catch (err) {
        if (!(err instanceof BundleVerificationError)) throw err;
        console.error(`sealhouse sign-bundle: the services' bundle does NOT verify against ${root.path} (${root.source}); not written: ${err.message}`);
        return 1;
      }
    }
    try {
      writeFileSync(values.bundle, `${JSON.stringify(bundle)}\n`);
    } catch (err) {
      throw new SealhouseError('invalid_input', `cannot write the bundle to ${values.bundle}: ${(err as Error).message}`);
    }
    // protojson omits a zero logIndex: the first entry of a log has none.
    const entry = bundle.verificationMaterial.tlogEntries[0];
    process.stdout.write(`signed ${positionals[0]} as ${who}: bundle ${values.bundle}${entry ? `, log index ${entry.logIndex ?? 0}` : ''}${trustedRoot !== undefined ? ', verified against the trusted root' : ''}\n`);
    return 0;
  },
};
