/** The Go text/template subset and the Go-compatible claim helpers behind ci-provider issuers. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { claimAtPath, goString, isEmail, parseSpiffeId, stringifyClaims } from '../../src/oidc/claims.js';
import { compileTemplate } from '../../src/oidc/template.js';
import { joinUrlPath } from '../../src/oidc/url-path.js';
import { isSealhouseError } from '../../src/errors.js';

const data = { url: 'https://github.com', repository: 'octo/repo', ref_type: 'tag', ref: 'v1', 'oidc.circleci.com/ssh-rerun': 'false', empty: '' };
const render = (t: string): string => compileTemplate(t).render(data);

describe('Go template subset', () => {
  it('renders fields, literals and text', () => {
    assert.equal(render('{{ .url }}/{{ .repository }}'), 'https://github.com/octo/repo');
    assert.equal(render('{{.url}}'), 'https://github.com');
    assert.equal(render('plain text'), 'plain text');
    assert.equal(render('{{ "quoted \\"x\\"" }}|{{ `raw` }}|{{ 42 }}|{{ true }}'), 'quoted "x"|raw|42|true');
  });

  it('supports if / else if / else, eq, ne, not, and, or, len, index and parentheses', () => {
    assert.equal(render('refs/{{if eq .ref_type "branch"}}heads/{{ else }}tags/{{end}}{{ .ref }}'), 'refs/tags/v1');
    assert.equal(render('{{if eq .ref_type "branch"}}B{{else if eq .ref_type "tag"}}T{{else}}N{{end}}'), 'T');
    assert.equal(render('{{if eq .ref_type "x" "tag"}}any{{end}}'), 'any');
    assert.equal(render('{{if ne .ref "v1"}}x{{else}}y{{end}}'), 'y');
    assert.equal(render('{{if not .empty}}empty{{end}}'), 'empty');
    assert.equal(render('{{ and .url .ref }}|{{ or .empty .ref }}|{{ len .ref }}'), 'v1|v1|2');
    assert.equal(render('{{if eq (index . "oidc.circleci.com/ssh-rerun") "true"}}ssh-rerun{{ else }}""{{end}}'), '""');
    assert.equal(render('{{ index . "absent" }}|'), '|', 'index on a missing key yields "" like Go maps');
  });

  it('trims whitespace around {{- and -}} and skips comments', () => {
    assert.equal(render('a  {{- .ref -}}  b'), 'av1b');
    assert.equal(render('a{{/* note */}}b'), 'ab');
  });

  it('errors on missing keys (missingkey=error) at render time', () => {
    assert.throws(() => render('{{ .nope }}'), /map has no entry for key "nope"/);
    assert.throws(() => render('{{ .url.x }}'), /can't evaluate field/);
    assert.throws(() => render('{{ . }}'), /cannot print a map/);
  });

  it('rejects unsupported or malformed templates at compile time', () => {
    for (const t of ['{{ range .x }}{{ end }}', '{{ $x := 1 }}', '{{ .url | printf "%s" }}', '{{ if .url }}', '{{ end }}', '{{ .url', '{{ foo }}', '{{ .a .b }}', '{{ (eq .a }}']) {
      assert.throws(() => compileTemplate(t), (e: unknown) => isSealhouseError(e, 'invalid_input'), t);
    }
  });
});

describe('claims as Go sees them', () => {
  it('stringifies like fmt %v, whole floats without decimals', () => {
    assert.deepEqual(stringifyClaims({ a: 'x', run_id: 12345678901, f: 1.5, big: 1e21, tiny: 1.5e-7, b: true, n: null, arr: [1, 'a'], obj: { z: 1, a: 'b' } }), {
      a: 'x',
      run_id: '12345678901',
      f: '1.5',
      big: '1000000000000000000000',
      tiny: '0.00000015',
      b: 'true',
      n: '<nil>',
      arr: '[1 a]',
      obj: 'map[a:b z:1]',
    });
    assert.equal(goString(-3), '-3');
  });

  it('reads JSONPath issuer claims', () => {
    const claims = { federated_claims: { connector_id: 'https://github.com/login/oauth', 'odd-key': 7 }, list: ['a', 'b'] };
    assert.equal(claimAtPath(claims, '$.federated_claims.connector_id'), 'https://github.com/login/oauth');
    assert.equal(claimAtPath(claims, "$.federated_claims['odd-key']"), '7');
    assert.equal(claimAtPath(claims, '$.list[1]'), 'b');
    for (const p of ['$.missing', '$.list[5]', 'federated_claims', '$..x']) assert.throws(() => claimAtPath(claims, p), (e: unknown) => isSealhouseError(e, 'unauthenticated'), p);
  });

  it('recognises emails and SPIFFE IDs', () => {
    assert.ok(isEmail('alice@example.com'));
    assert.ok(isEmail("o'brien+tag@sub.example.co.uk"));
    for (const s of ['alice', 'alice@', '@x.com', 'a b@x.com', 'https://x.example/a@b', 'jürgen@example.com']) assert.ok(!isEmail(s), s);
    assert.deepEqual(parseSpiffeId('spiffe://example.org/ns/a'), { trustDomain: 'example.org', path: '/ns/a' });
    for (const s of ['spiffe://Example.org/a', 'spiffe://example.org/a/', 'spiffe://example.org//a', 'spiffe://example.org/./a', 'spiffe://ex:8080/a', 'http://example.org/a']) {
      assert.equal(parseSpiffeId(s), undefined, s);
    }
  });

  it('joins URL paths like Go url.JoinPath', () => {
    assert.equal(joinUrlPath('https://github.com/', 'octo/repo/.github/workflows/x.yml@refs/heads/main'), 'https://github.com/octo/repo/.github/workflows/x.yml@refs/heads/main');
    assert.equal(joinUrlPath('https://gitlab.com/', 'group/project', '/-/jobs/', '9'), 'https://gitlab.com/group/project/-/jobs/9');
    assert.equal(joinUrlPath('https://x.example/base', 'a/../b', 'c d'), 'https://x.example/base/b/c%20d');
    assert.equal(joinUrlPath('https://issuer.example', 'sub'), 'https://issuer.example/sub');
  });
});
