/** SEALHOUSE_WITNESSES: "<vkey> <submission URL>" entries, and every way one can be wrong. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { loadConfig } from '../../src/config.js';
import { formatCosignerVkey } from '../../src/witness/cosignature.js';
import { addCheckpointUrl, parseWitnesses } from '../../src/witness/witness-config.js';
import { throwsCode } from '../note/assert-error.js';

const vkey = (name: string): string =>
  formatCosignerVkey(name, Buffer.from(generateKeyPairSync('ed25519').publicKey.export({ format: 'jwk' }).x ?? '', 'base64url'));

describe('parseWitnesses', () => {
  it('is empty when unset or blank', () => {
    assert.deepEqual(parseWitnesses(undefined), []);
    assert.deepEqual(parseWitnesses('  \n '), []);
  });

  it('reads comma- and newline-separated entries, and builds add-checkpoint under each prefix', () => {
    const [a, b, c] = [vkey('w1.example'), vkey('w2.example/x'), vkey('w3')];
    const ws = parseWitnesses(`${a} https://w1.example/,\n  ${b}\thttps://w2.example/api/witness\n${c} http://10.0.0.3:8080`);
    assert.deepEqual(
      ws.map((w) => [w.key.name, addCheckpointUrl(w).href]),
      [
        ['w1.example', 'https://w1.example/add-checkpoint'],
        ['w2.example/x', 'https://w2.example/api/witness/add-checkpoint'],
        ['w3', 'http://10.0.0.3:8080/add-checkpoint'],
      ],
    );
  });

  it('refuses a malformed entry with the variable, the entry number and the reason', () => {
    const a = vkey('w1.example');
    throwsCode(() => parseWitnesses(a), 'invalid_input', 'SEALHOUSE_WITNESSES: entry 1 has 1 field(s)');
    throwsCode(() => parseWitnesses(`${a} https://x/ extra`), 'invalid_input', 'entry 1 has 3 field(s)');
    throwsCode(() => parseWitnesses(`${a} https://x/, w+00000000+AAAA https://y/`), 'invalid_input', 'entry 2: witness vkey');
    throwsCode(() => parseWitnesses(`${a} not-a-url`), 'invalid_input', 'entry 1 (w1.example): "not-a-url" is not a URL');
    throwsCode(() => parseWitnesses(`${a} ftp://x/`), 'invalid_input', 'must be http(s)');
    throwsCode(() => parseWitnesses(`${a} https://x/?q=1`), 'invalid_input', 'takes no query');
    throwsCode(() => parseWitnesses(`${a} https://x/, ${a} https://y/`), 'invalid_input', 'witness w1.example is listed twice');
    throwsCode(() => parseWitnesses(`${vkey('w[1')} https://x/`), 'invalid_input', 'not a valid regular expression');
  });
});

describe('Config.witnesses (SEALHOUSE_WITNESSES)', () => {
  it('is empty by default and read from the variable otherwise', () => {
    assert.deepEqual(loadConfig({}).witnesses, []);
    const entry = `${vkey('w.example')} https://w.example/`;
    assert.deepEqual(loadConfig({ SEALHOUSE_WITNESSES: entry }).witnesses.map((w) => w.key.name), ['w.example']);
  });

  it('stops the start with the variable named when an entry is bad, or when the v2 log is off', () => {
    throwsCode(() => loadConfig({ SEALHOUSE_WITNESSES: 'nonsense' }), 'invalid_input', 'SEALHOUSE_WITNESSES: entry 1');
    throwsCode(() => loadConfig({ SEALHOUSE_WITNESSES: `${vkey('w.example')} https://w.example/`, SEALHOUSE_REKOR_V2: '0' }), 'invalid_input', 'SEALHOUSE_REKOR_V2=0');
    assert.deepEqual(loadConfig({ SEALHOUSE_REKOR_V2: '0' }).witnesses, []);
  });
});
