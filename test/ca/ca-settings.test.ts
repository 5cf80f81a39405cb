/**
 * The CA's settings in src/config.ts: defaults, paths resolved, flags parsed strictly, and the
 * combinations that cannot work refused at start with a message naming the variable.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { resolve } from 'node:path';
import { loadConfig } from '../../src/config.js';

describe('CA settings', () => {
  it('defaults: no issuers file, dev issuer off, generated CA and CT key, CT API at /ct/v1', () => {
    const c = loadConfig({});
    assert.deepEqual(
      [c.oidcConfigPath, c.oidcSubChallenge, c.oidcUrl, c.devOidc, c.caChainPath, c.caKeyPath, c.caKeyPassphrase, c.ctKeyPath, c.ctPrefix],
      [undefined, false, undefined, false, undefined, undefined, undefined, undefined, ''],
    );
  });

  it('reads every variable', () => {
    const c = loadConfig({
      SEALHOUSE_OIDC_CONFIG: 'issuers.yaml',
      SEALHOUSE_OIDC_SUB_CHALLENGE: 'true',
      SEALHOUSE_OIDC_URL: 'https://idp.example.test',
      SEALHOUSE_DEV_OIDC: '1',
      SEALHOUSE_CA_CHAIN: 'chain.pem',
      SEALHOUSE_CA_KEY: 'key.pem',
      SEALHOUSE_CA_KEY_PASSPHRASE: 'secret',
      SEALHOUSE_CT_KEY: 'ct.pem',
      SEALHOUSE_CT_PREFIX: '/test/',
    });
    assert.equal(c.oidcConfigPath, resolve('issuers.yaml'));
    assert.equal(c.oidcSubChallenge, true);
    assert.equal(c.oidcUrl?.href, 'https://idp.example.test/');
    assert.equal(c.devOidc, true);
    assert.deepEqual([c.caChainPath, c.caKeyPath, c.ctKeyPath], [resolve('chain.pem'), resolve('key.pem'), resolve('ct.pem')]);
    assert.equal(c.caKeyPassphrase, 'secret');
    assert.equal(c.ctPrefix, '/test');
  });

  it('refuses half a CA, unclear flags and odd prefixes, naming the variable', () => {
    assert.throws(() => loadConfig({ SEALHOUSE_CA_CHAIN: 'chain.pem' }), /set both SEALHOUSE_CA_CHAIN and SEALHOUSE_CA_KEY/);
    assert.throws(() => loadConfig({ SEALHOUSE_CA_KEY: 'key.pem' }), /set both SEALHOUSE_CA_CHAIN and SEALHOUSE_CA_KEY/);
    assert.throws(() => loadConfig({ SEALHOUSE_DEV_OIDC: 'yes' }), /SEALHOUSE_DEV_OIDC must be 1\/true or 0\/false/);
    assert.throws(() => loadConfig({ SEALHOUSE_CT_PREFIX: 'ct' }), /SEALHOUSE_CT_PREFIX must be a URL path/);
    assert.throws(() => loadConfig({ SEALHOUSE_CT_PREFIX: '/c t' }), /SEALHOUSE_CT_PREFIX/);
    assert.throws(() => loadConfig({ SEALHOUSE_OIDC_URL: 'ftp://idp' }), /SEALHOUSE_OIDC_URL must be an http\(s\) URL/);
    assert.equal(loadConfig({ SEALHOUSE_DEV_OIDC: '0' }).devOidc, false);
  });
});
