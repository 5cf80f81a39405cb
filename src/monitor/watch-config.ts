/**
 * The identities to watch for, in sigstore/rekor-monitor's YAML format (its README,
 * "Configuration file format"), under `monitoredValues`:
 *
 *   certIdentities:   [{certSubject: <regexp>, issuers: [<regexp>, …]}]   SAN, and OIDC issuer
 *   subjects:         [<regexp>]        any SAN value, issuer not checked
 *   fingerprints:     [<hex>]           SHA-256 of the DER SPKI, or of the DER certificate
 *   fulcioExtensions: {<fulcio yaml name>: [<exact value>, …]}   e.g. build-config-uri
 *   customExtensions: [{objectIdentifier: <OID>, extensionValues: <value> | [<value>, …]}]
 *
 * Regular expressions match anywhere in the value unless anchored, as Go's MatchString does in
 * rekor-monitor: a monitor errs towards reporting. rekor-monitor's other keys (startIndex,
 * endIndex, outputIdentities, logInfoFile, identityMetadataFile) are accepted and ignored; the
 * state file and stdout take their place.
 */
import { readFileSync } from 'node:fs';
import { load as loadYaml } from 'js-yaml';
import { FULCIO_ARC } from '../core/oids.js';

/** Fulcio's certificate.Extensions yaml names → OID arcs (fulcio pkg/certificate/extensions.go). */
export const FULCIO_EXTENSION_NAMES: Readonly<Record<string, readonly number[]>> = {
  issuer: [8, 1],
  'github-workflow-trigger': [2],
  'github-workflow-sha': [3],
  'github-workflow-name': [4],
  'github-workflow-repository': [5],
  'github-workflow-ref': [6],
  'build-signer-uri': [9],
  'build-signer-digest': [10],
  'runner-environment': [11],
  'source-repository-uri': [12],
  'source-repository-digest': [13],
  'source-repository-ref': [14],
  'source-repository-identifier': [15],
  'source-repository-owner-uri': [16],
  'source-repository-owner-identifier': [17],
  'build-config-uri': [18],
  'build-config-digest': [19],
  'build-trigger': [20],
  'run-invocation-uri': [21],
  'source-repository-visibility-at-signing': [22],
  'deployment-environment': [23],
  subject: [24],
};

export interface CertIdentity {
  readonly certSubject: RegExp;
  /** Empty: any issuer. */
  readonly issuers: readonly RegExp[];
}

export interface ExtensionWatch {
  /** What the config called it (the Fulcio name or the OID). */
  readonly name: string;
  readonly oids: readonly string[];
  readonly values: readonly string[];
}

export interface WatchConfig {
  readonly certIdentities: readonly CertIdentity[];
  readonly subjects: readonly RegExp[];
  /** Lower-case hex. */
  readonly fingerprints: readonly string[];
  readonly extensions: readonly ExtensionWatch[];
}

export const EMPTY_WATCH: WatchConfig = { certIdentities: [], subjects: [], fingerprints: [], extensions: [] };

export class WatchConfigError extends Error {}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function regexp(v: unknown, where: string): RegExp {
  if (typeof v !== 'string' || v === '') throw new WatchConfigError(`${where} must be a non-empty regular expression string`);
  try {
    return new RegExp(v, 'u');
  } catch (err) {
    throw new WatchConfigError(`${where} is not a valid regular expression: ${(err as Error).message}`);
  }
}

function list(v: unknown, where: string): unknown[] {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) throw new WatchConfigError(`${where} must be a list`);
  return v;
}

function strings(v: unknown, where: string): string[] {
  const items = typeof v === 'string' ? [v] : list(v, where);
  return items.map((s, i) => {
    // YAML reads unquoted digits as a number, losing leading zeros: say how to write it.
    if (typeof s === 'number') throw new WatchConfigError(`${where}[${i}] was read by YAML as the number ${s}: quote it ("...")`);
    if (typeof s !== 'string' || s === '') throw new WatchConfigError(`${where}[${i}] must be a non-empty string`);
    return s;
  });
}

export function parseWatchConfig(text: string, source = 'the watch config'): WatchConfig {
  let doc: unknown;
  try {
    doc = loadYaml(text);
  } catch (err) {
    throw new WatchConfigError(`${source} is not YAML: ${(err as Error).message.split('\n')[0]}`);
  }
  if (doc === undefined || doc === null) return EMPTY_WATCH;
  if (!isObject(doc)) throw new WatchConfigError(`${source} must be a YAML mapping with "monitoredValues"`);
  const mv = doc.monitoredValues ?? {};
  if (!isObject(mv)) throw new WatchConfigError(`${source}: monitoredValues must be a mapping`);
  const known = new Set(['certIdentities', 'subjects', 'fingerprints', 'fulcioExtensions', 'customExtensions']);
  const unknown = Object.keys(mv).filter((k) => !known.has(k));
  // A misspelt key would silently watch nothing: refuse it.
  if (unknown.length > 0) throw new WatchConfigError(`${source}: unknown key(s) under monitoredValues: ${unknown.join(', ')} (known: ${[...known].join(', ')})`);

  const certIdentities = list(mv.certIdentities, 'certIdentities').map((c, i): CertIdentity => {
    const where = `certIdentities[${i}]`;
    if (!isObject(c)) throw new WatchConfigError(`${where} must be a mapping with certSubject`);
    return { certSubject: regexp(c.certSubject, `${where}.certSubject`), issuers: list(c.issuers, `${where}.issuers`).map((r, j) => regexp(r, `${where}.issuers[${j}]`)) };
  });
  const subjects = list(mv.subjects, 'subjects').map((r, i) => regexp(r, `subjects[${i}]`));
  const fingerprints = strings(mv.fingerprints, 'fingerprints').map((f, i) => {
    const hex = f.replace(/:/g, '').toLowerCase();
    if (!/^[0-9a-f]+$/.test(hex)) throw new WatchConfigError(`fingerprints[${i}] "${f}" is not hex (SSH and PGP fingerprints are not supported: this log holds X.509 keys only)`);
    return hex;
  });
  const extensions: ExtensionWatch[] = [];
  const fulcio = mv.fulcioExtensions ?? {};
  if (!isObject(fulcio)) throw new WatchConfigError('fulcioExtensions must be a mapping of extension name to values');
  for (const [name, values] of Object.entries(fulcio)) {
    const arcs = FULCIO_EXTENSION_NAMES[name];
    if (!arcs) throw new WatchConfigError(`fulcioExtensions: unknown extension "${name}" (known: ${Object.keys(FULCIO_EXTENSION_NAMES).join(', ')})`);
    extensions.push({ name, oids: arcs.map((a) => `${FULCIO_ARC}${a}`), values: strings(values, `fulcioExtensions.${name}`) });
  }
  list(mv.customExtensions, 'customExtensions').forEach((c, i) => {
    const where = `customExtensions[${i}]`;
    if (!isObject(c) || typeof c.objectIdentifier !== 'string' || !/^[0-9]+(\.[0-9]+)+$/.test(c.objectIdentifier)) {
      throw new WatchConfigError(`${where} needs objectIdentifier as a dotted OID`);
    }
    extensions.push({ name: c.objectIdentifier, oids: [c.objectIdentifier], values: strings(c.extensionValues, `${where}.extensionValues`) });
  });
  return { certIdentities, subjects, fingerprints, extensions };
}

export function loadWatchConfig(path: string): WatchConfig {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new WatchConfigError(`cannot read the watch config ${path}: ${(err as Error).message}`);
  }
  return parseWatchConfig(text, path);
}

export const watchesAnything = (c: WatchConfig): boolean =>
  c.certIdentities.length + c.subjects.length + c.fingerprints.length + c.extensions.length > 0;
