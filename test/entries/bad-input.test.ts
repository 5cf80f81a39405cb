/**
 * Bad input never escapes as a TypeError/RangeError: each case is a SealhouseError with the right
 * code and a message a person can act on; a structural fuzz over every field of valid entries of
 * every kind checks the same without relying on the registry's safety net.
 */
import assert from 'node:assert/strict';
import { constants, randomBytes, sign } from 'node:crypto';
import { before, describe, it } from 'node:test';
import { isSealhouseError } from '../../src/errors.js';
import { pae } from '../../src/entries/dsse-envelope.js';
import { canonicalizeProposedEntry, decodeCanonicalBody } from '../../src/entries/index.js';
import { b64, digestOf, signData, testKey, type TestKey } from './fixtures.js';

let key: TestKey;
let valid: Record<string, Record<string, unknown>> = {};

const clone = <T>(v: T): T => structuredClone(v);

before(async () => {
  key = await testKey('P-256');
  const rsa = await testKey('RSA-2048');
  const data = Buffer.from('artifact');
  const payload = Buffer.from('{"_type":"https://in-toto.io/Statement/v1","subject":[]}');
  const type = 'application/vnd.in-toto+json';
  const sig = b64(sign('sha256', pae(type, payload), key.privateKey));
  const rsaSig = b64(sign('sha256', pae(type, payload), { key: rsa.privateKey, padding: constants.RSA_PKCS1_PADDING }));
  const envelope = JSON.stringify({ payloadType: type, payload: b64(payload), signatures: [{ sig }, { sig: rsaSig }] });
  valid = {
    hashedrekord: {
      apiVersion: '0.0.1',
      kind: 'hashedrekord',
      spec: {
        data: { hash: { algorithm: 'sha256', value: digestOf('sha256', data).toString('hex') } },
        signature: { content: b64(signData(key, 'sha256', data)), publicKey: { content: b64(key.pem) } },
      },
    },
    dsse: { apiVersion: '0.0.1', kind: 'dsse', spec: { proposedContent: { envelope, verifiers: [b64(key.pem), b64(rsa.pem)] } } },
    intoto2: {
      apiVersion: '0.0.2',
      kind: 'intoto',
      spec: {
        content: {
          envelope: { payloadType: type, payload: b64(b64(payload)), signatures: [{ sig: b64(sig), publicKey: b64(key.pem) }] },
          hash: { algorithm: 'sha256', value: 'ab'.repeat(32) },
          payloadHash: { algorithm: 'sha256', value: digestOf('sha256', payload).toString('hex') },
        },
      },
    },
    intoto1: { apiVersion: '0.0.1', kind: 'intoto', spec: { content: { envelope }, publicKey: b64(key.pem) } },
  };
});

async function expectError(proposed: unknown, code: string, message: RegExp | string): Promise<void> {
  await assert.rejects(canonicalizeProposedEntry(proposed), (err: unknown) => {
    assert.ok(isSealhouseError(err), `not a SealhouseError: ${String(err)}`);
    assert.equal(err.code, code, err.message);
    if (typeof message === 'string') assert.equal(err.message, message);
    else assert.match(err.message, message);
    return true;
  });
}

/** A copy of valid[kind] with the value at `path` replaced (undefined deletes it). */
function withValue(kind: string, path: string, value: unknown): unknown {
  const root = clone(valid[kind]) as Record<string, unknown>;
  const parts = path.split('.');
  let obj = root;
  for (const p of parts.slice(0, -1)) obj = obj[p] as Record<string, unknown>;
  const last = parts[parts.length - 1] as string;
  if (value === undefined) delete obj[last];
  else obj[last] = value;
  return root;
}

describe('bad input: top level', () => {
  it('shapes, kinds and versions', async () => {
    await expectError(null, 'schema_violation', 'proposedEntry in body must be of type object: "null"');
    await expectError([], 'schema_violation', 'proposedEntry in body must be of type object: "array"');
    await expectError({ apiVersion: '0.0.1', spec: {} }, 'schema_violation', 'proposedEntry.kind in body is required');
    await expectError({ kind: 42 }, 'schema_violation', 'proposedEntry.kind in body must be of type string: "integer"');
    await expectError({ kind: 'x', apiVersion: '0.0.1', spec: {} }, 'schema_violation', 'invalid kind value: "x"');
    await expectError({ kind: 'rekord', apiVersion: '0.0.1', spec: {} }, 'invalid_input', /entry kind 'rekord' is not enabled for submission on this server/);
    await expectError(withValue('hashedrekord', 'apiVersion', '0.0.9'), 'schema_violation', 'invalid apiVersion value for kind "hashedrekord": "0.0.9" (supported: 0.0.1)');
    await expectError({ ...(valid.hashedrekord as object), extra: 1 }, 'schema_violation', 'proposedEntry.extra in body is a forbidden property');
    await expectError(withValue('hashedrekord', 'spec', 'text'), 'schema_violation', 'spec in body must be of type object: "string"');
    await expectError(withValue('hashedrekord', 'spec', undefined), 'schema_violation', 'spec in body is required');
  });
});

describe('bad input: hashedrekord', () => {
  const e = (reason: string): string => `error processing entry: ${reason}`;
  it('fields, hashes, encodings', async () => {
    await expectError(withValue('hashedrekord', 'spec.signature', undefined), 'schema_violation', 'spec.signature in body is required');
    await expectError(withValue('hashedrekord', 'spec.signature.content', 7), 'schema_violation', 'spec.signature.content in body must be of type string: "integer"');
    await expectError(withValue('hashedrekord', 'spec.data.hash.algorithm', 'md5'), 'schema_violation', 'spec.data.hash.algorithm in body should be one of [sha256 sha384 sha512]');
    await expectError(withValue('hashedrekord', 'spec.data.hash.value', 'a'.repeat(63)), 'invalid_input', e('invalid value for hash: sha256 digest must be 64 hex characters, got 63'));
    await expectError(withValue('hashedrekord', 'spec.data.hash.value', 'g'.repeat(64)), 'invalid_input', /invalid value for hash: sha256 digest is not valid hex: illegal character "g" at offset 0/);
    await expectError(withValue('hashedrekord', 'spec.signature.content', 'MEUC!!'), 'invalid_input', /spec.signature.content is not valid base64: illegal character "!" at offset 4/);
    await expectError(withValue('hashedrekord', 'spec.signature.content', 'MEUCIQ'), 'invalid_input', /length 6 is not a multiple of 4 \(missing padding\?\)/);
    await expectError(withValue('hashedrekord', 'spec.signature.content', ''), 'invalid_input', e('missing signature: spec.signature.content is empty'));
    await expectError(withValue('hashedrekord', 'spec.signature.content', b64('nope')), 'invalid_input', e('verifying signature: the ECDSA P-256 signature does not verify over the given sha256 digest'));
  });

  it('keys and PEM', async () => {
    const pk = (text: string | Buffer): unknown => withValue('hashedrekord', 'spec.signature.publicKey.content', b64(text));
    await expectError(pk('hello'), 'invalid_input', /public key: no PEM block found \(expected PUBLIC KEY or CERTIFICATE\)/);
    await expectError(pk('-----BEGIN PUBLIC KEY-----\n%%%\n-----END PUBLIC KEY-----\n'), 'invalid_input', /PEM block "PUBLIC KEY" does not contain valid base64/);
    await expectError(pk('-----BEGIN PUBLIC KEY-----\nAAAA\n'), 'invalid_input', /has no matching END line/);
    await expectError(pk(`-----BEGIN PUBLIC KEY-----\n${b64(randomBytes(40))}\n-----END PUBLIC KEY-----\n`), 'malformed_key', /PUBLIC KEY is not well-formed DER/);
    await expectError(pk(`-----BEGIN PUBLIC KEY-----\n${b64(Buffer.from('3003020101', 'hex'))}\n-----END PUBLIC KEY-----\n`), 'malformed_key', /PUBLIC KEY could not be parsed/);
    await expectError(pk(`-----BEGIN CERTIFICATE-----\n${b64(randomBytes(64))}\n-----END CERTIFICATE-----\n`), 'invalid_input', /invalid certificate: not a single well-formed DER structure/);
    await expectError(pk(`-----BEGIN CERTIFICATE-----\n${b64(Buffer.from('3003020101', 'hex'))}\n-----END CERTIFICATE-----\n`), 'invalid_input', /invalid certificate: tbsCertificate: /);
    await expectError(pk(key.pem.replace(/PUBLIC KEY/g, 'PRIVATE KEY')), 'invalid_input', /cannot handle PEM type "PRIVATE KEY" \(expected PUBLIC KEY or CERTIFICATE\)/);
    await expectError(pk(`${key.pem}trailing`), 'invalid_input', /unexpected data after the last PEM block/);
    await expectError(pk(key.pem + key.pem), 'invalid_input', /cannot handle PEM type "PUBLIC KEY" \(expected only CERTIFICATE blocks in a chain\)/);
    await expectError(pk(key.pem.replace('-----\n', '-----\nProc-Type: 4,ENCRYPTED\n\n')), 'invalid_input', /PEM headers/);
  });
});

describe('bad input: dsse and intoto', () => {
  it('dsse', async () => {
    await expectError(withValue('dsse', 'spec.proposedContent', undefined), 'schema_violation', 'spec.proposedContent in body is required');
    await expectError(withValue('dsse', 'spec.proposedContent.envelope', {}), 'schema_violation', 'spec.proposedContent.envelope in body must be of type string: "object"');
    await expectError(withValue('dsse', 'spec.proposedContent.envelope', '{'), 'invalid_input', /DSSE envelope is not valid JSON/);
    await expectError(withValue('dsse', 'spec.proposedContent.envelope', '[]'), 'invalid_input', /DSSE envelope must be a JSON object/);
    await expectError(withValue('dsse', 'spec.proposedContent.envelope', '{"payload":"@@"}'), 'invalid_input', /DSSE envelope: payload is not valid base64/);
    await expectError(withValue('dsse', 'spec.proposedContent.verifiers', []), 'schema_violation', 'spec.proposedContent.verifiers in body should have at least 1 items');
    await expectError(withValue('dsse', 'spec.proposedContent.verifiers', [5]), 'schema_violation', /verifiers\[0\] in body must be of type string/);
    await expectError(withValue('dsse', 'spec.proposedContent.verifiers', [b64(key.pem)]), 'invalid_input', /signature 2 of 2 does not verify over the DSSE PAE with the verifier/);
  });

  it('intoto', async () => {
    await expectError(withValue('intoto2', 'spec.content.envelope.signatures', []), 'schema_violation', 'spec.content.envelope.signatures in body should have at least 1 items');
    await expectError(withValue('intoto2', 'spec.content.envelope.signatures', [{ publicKey: b64(key.pem) }]), 'schema_violation', 'spec.content.envelope.signatures[0].sig in body is required');
    await expectError(withValue('intoto2', 'spec.content.envelope.payload', 'AA'), 'invalid_input', /spec.content.envelope.payload is not valid base64/);
    await expectError(withValue('intoto2', 'spec.content.hash', undefined), 'invalid_input', /missing envelope digest/);
    await expectError(withValue('intoto2', 'spec.content.hash.value', 'xyz'), 'invalid_input', /invalid value for spec.content.hash: sha256 digest must be 64 hex characters, got 3/);
    await expectError(withValue('intoto1', 'spec.publicKey', undefined), 'schema_violation', 'spec.publicKey in body is required');
    await expectError(withValue('intoto1', 'spec.content.envelope', 'null'), 'invalid_input', /DSSE envelope must be a JSON object/);
  });

  it('decodeCanonicalBody rejects non-entries', () => {
    assert.throws(() => decodeCanonicalBody(Buffer.from('{')), (e: unknown) => isSealhouseError(e, 'invalid_input'));
    assert.throws(() => decodeCanonicalBody(Buffer.from('{"kind":1}')), (e: unknown) => isSealhouseError(e, 'invalid_input'));
  });
});

describe('structural fuzz', () => {
  const replacements: unknown[] = [undefined, null, 0, -1.5, true, '', 'x', '====', [], [null], {}, { a: 1 }, 'A'.repeat(10_000)];

  function paths(value: unknown, prefix: string): string[] {
    if (value === null || typeof value !== 'object' || Array.isArray(value)) return [];
    return Object.entries(value as Record<string, unknown>).flatMap(([k, v]) => {
      const p = prefix === '' ? k : `${prefix}.${k}`;
      return [p, ...paths(v, p)];
    });
  }

  it('every field of every kind replaced by every JSON type, and random bytes', async () => {
    let cases = 0;
    for (const kind of Object.keys(valid)) {
      for (const path of paths(valid[kind], '')) {
        for (const r of [...replacements, b64(randomBytes(33)), b64(randomBytes(64))]) {
          cases++;
          try {
            await canonicalizeProposedEntry(withValue(kind, path, r));
          } catch (err) {
            assert.ok(isSealhouseError(err), `${kind} ${path}=${JSON.stringify(r)?.slice(0, 40)}: ${String(err)}`);
            assert.doesNotMatch(err.message, /unexpected (TypeError|RangeError|Error)/, `${kind} ${path}: safety net used: ${err.message}`);
          }
        }
      }
    }
    assert.ok(cases > 500);
  });
});
