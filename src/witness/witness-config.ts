/**
 * SEALHOUSE_WITNESSES: the C2SP tlog-witnesses the Rekor v2 log submits its checkpoints to.
 *
 *   SEALHOUSE_WITNESSES="<vkey> <submission URL>[, <vkey> <submission URL>…]"
 *
 * one witness per entry, entries separated by commas or newlines; within an entry the witness's
 * cosignature/v1 vkey (`<name>+<hex key ID>+base64(0x04 ‖ Ed25519 key)`, as the witness operator
 * publishes it) and its submission prefix (the URL before `/add-checkpoint`), separated by
 * white space. Neither a vkey nor a URL contains white space, so the split is unambiguous.
 */
import { SealhouseError } from '../errors.js';
import { parseCosignerVkey, type CosignerKey } from './cosignature.js';

export interface WitnessConfig {
  readonly key: CosignerKey;
  /** The submission prefix; add-checkpoint is `${prefix}/add-checkpoint`. */
  readonly url: URL;
}

const bad = (message: string): SealhouseError => new SealhouseError('invalid_input', `SEALHOUSE_WITNESSES: ${message}`);

export function parseWitnesses(raw: string | undefined): readonly WitnessConfig[] {
  if (raw === undefined || raw.trim() === '') return Object.freeze([]);
  const witnesses: WitnessConfig[] = [];
  const entries = raw.split(/[,\n]/).map((e) => e.trim()).filter((e) => e !== '');
  entries.forEach((entry, i) => {
    const fields = entry.split(/\s+/);
    if (fields.length !== 2) throw bad(`entry ${i + 1} has ${fields.length} field(s); each witness is "<vkey> <submission URL>"`);
    const [vkey, href] = fields as [string, string];
    let key: CosignerKey;
    try {
      key = parseCosignerVkey(vkey);
    } catch (err) {
      throw bad(`entry ${i + 1}: ${(err as Error).message}`);
    }
    // sigstore-js matches every signature line's name against the log's baseURL as a RegExp
    // (@sigstore/verify tlog/checkpoint.js); a name that does not compile would throw there.
    try {
      new RegExp(key.name);
    } catch {
      throw bad(`entry ${i + 1}: witness name ${JSON.stringify(key.name)} is not a valid regular expression, and sigstore-js reads signer names as one; its line would break their checkpoint check`);
    }
    let url: URL;
    try {
      url = new URL(href);
    } catch {
      throw bad(`entry ${i + 1} (${key.name}): ${JSON.stringify(href)} is not a URL`);
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw bad(`entry ${i + 1} (${key.name}): the submission URL must be http(s), got ${url.protocol}`);
    if (url.search !== '' || url.hash !== '') throw bad(`entry ${i + 1} (${key.name}): the submission URL is a prefix; it takes no query or fragment`);
    if (witnesses.some((w) => w.key.name === key.name && w.key.keyId.equals(key.keyId))) throw bad(`witness ${key.name} is listed twice`);
    witnesses.push(Object.freeze({ key, url }));
  });
  return Object.freeze(witnesses);
}

/** `${prefix}/add-checkpoint`, whether or not the configured prefix ends in a slash. */
export function addCheckpointUrl(witness: WitnessConfig): URL {
  const url = new URL(witness.url.href);
  url.pathname = `${url.pathname.replace(/\/+$/, '')}/add-checkpoint`;
  return url;
}
