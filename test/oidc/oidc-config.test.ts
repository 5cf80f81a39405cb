/** Fulcio config files carry over: JSON and YAML spellings, anchors, meta-issuers, and validation. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { findIssuer, loadFulcioConfig, metaIssuerRegex, parseFulcioConfig } from '../../src/oidc/config.js';
import { isSealhouseError } from '../../src/errors.js';
import { tempDir } from '../ca/fixtures.js';

/** Shaped like sigstore/fulcio config/identity/config.yaml (anchors, kebab-case, extra fields). */
const YAML = `
define:
  - &github-type "github-workflow"
  - &circleci-type "circleci-job"
oidc-issuers:
  https://accounts.google.com:
    issuer-url: https://accounts.google.com
    client-id: sigstore
    type: email
    contact: tac@sigstore.dev
    description: "Google OIDC auth"
  https://oauth2.sigstore.dev/auth:
    issuer-url: https://oauth2.sigstore.dev/auth
    client-id: sigstore
    type: email
    issuer-claim: $.federated_claims.connector_id
  https://token.actions.githubusercontent.com:
    issuer-url: https://token.actions.githubusercontent.com
    client-id: sigstore
    type: ci-provider
    ci-provider: *github-type
  https://issuer.enforce.dev:
    issuer-url: https://issuer.enforce.dev
    client-id: sigstore
    type: chainguard-identity
meta-issuers:
  https://oidc.eks.*.amazonaws.com/id/*:
    client-id: sigstore
    type: kubernetes
  https://oidc.circleci.com/org/*:
    client-id: sigstore
    type: ci-provider
    ci-provider: *circleci-type
ci-issuer-metadata:
  *github-type:
    default-template-values:
      url: "https://github.com"
      environment: ""
    extension-templates:
      github-workflow-trigger: "event_name"
      build-signer-uri: "{{ .url }}/{{ .job_workflow_ref }}"
      run-invocation-uri: "{{ .url }}/{{ .repository }}/actions/runs/{{ .run_id }}/attempts/{{ .run_attempt }}"
      deployment-environment: "environment"
    subject-alternative-name-template: "{{ .url }}/{{ .job_workflow_ref }}"
  *circleci-type:
    default-template-values:
      api_url: "https://circleci.com/api/v2"
    extension-templates:
      build-config-uri: '{{.api_url}}/pipeline/{{(index . "oidc.circleci.com/pipeline-id")}}/config'
      runner-environment: '{{if eq (index . "oidc.circleci.com/ssh-rerun") "true"}}ssh-rerun{{ else }}""{{end}}'
    subject-alternative-name-template: '{{.api_url}}/projects/{{(index . "oidc.circleci.com/project-id")}}'
`;

const invalid = async (doc: unknown, pattern: RegExp): Promise<void> => {
  await assert.rejects(parseFulcioConfig(JSON.stringify(doc)), (err: unknown) => {
    assert.ok(isSealhouseError(err, 'invalid_input'), String(err));
    assert.match(err.message, pattern);
    return true;
  });
};

describe('parsing Fulcio configs', () => {
  it('reads the YAML form with anchors and kebab-case fields', async () => {
    const dir = tempDir();
    try {
      writeFileSync(join(dir.path, 'config.yaml'), YAML);
      const cfg = await loadFulcioConfig(join(dir.path, 'config.yaml'));
      assert.equal(cfg.oidcIssuers.size, 4);
      assert.deepEqual(cfg.oidcIssuers.get('https://oauth2.sigstore.dev/auth'), {
        issuerUrl: 'https://oauth2.sigstore.dev/auth',
        clientId: 'sigstore',
        type: 'email',
        ciProvider: undefined,
        issuerClaim: '$.federated_claims.connector_id',
        subjectDomain: undefined,
        spiffeTrustDomain: undefined,
        challengeClaim: undefined,
        skipEmailVerification: false,
        caCert: undefined,
      });
      assert.equal(cfg.oidcIssuers.get('https://token.actions.githubusercontent.com')?.ciProvider, 'github-workflow');
      const gh = cfg.ciIssuerMetadata.get('github-workflow');
      assert.deepEqual([...(gh?.extensionTemplates.keys() ?? [])], ['GithubWorkflowTrigger', 'BuildSignerURI', 'RunInvocationURI', 'DeploymentEnvironment']);
      const circle = cfg.ciIssuerMetadata.get('circleci-job');
      const template = circle?.extensionTemplates.get('BuildConfigURI');
      assert.ok(template && typeof template !== 'string');
      assert.equal(template.render({ api_url: 'https://circleci.com/api/v2', 'oidc.circleci.com/pipeline-id': 'p-1' }), 'https://circleci.com/api/v2/pipeline/p-1/config');
      assert.equal(findIssuer(cfg, 'https://oidc.eks.us-west-2.amazonaws.com/id/B02C93B6A2D30341AD01E1B6D48164CB')?.type, 'kubernetes');
      assert.equal(findIssuer(cfg, 'https://oidc.eks.us-west-2.amazonaws.com/id/B02C/extra'), undefined);
    } finally {
      dir.cleanup();
    }
  });

  it('reads the JSON form, matching field names case-insensitively like Go', async () => {
    const cfg = await parseFulcioConfig(
      JSON.stringify({
        oidcissuers: { 'https://idp.example.test': { issuerurl: 'https://idp.example.test', TYPE: 'email', SkipEmailVerification: true } },
        MetaIssuers: { 'https://k8s.example.test/*': { ClientID: 'custom', Type: 'kubernetes' } },
      }),
    );
    const idp = cfg.oidcIssuers.get('https://idp.example.test');
    assert.equal(idp?.clientId, 'sigstore', 'ClientID defaults to sigstore');
    assert.equal(idp?.skipEmailVerification, true);
    assert.deepEqual(findIssuer(cfg, 'https://k8s.example.test/cluster-1'), { ...cfg.metaIssuers.get('https://k8s.example.test/*')?.issuer, issuerUrl: 'https://k8s.example.test/cluster-1' });
  });

  it('validates like Fulcio', async () => {
    const one = (issuer: Record<string, unknown>, url = 'https://accounts.example.com') => ({ OIDCIssuers: { [url]: { IssuerURL: url, ...issuer } } });
    await invalid(one({ Type: 'nonsense' }), /Type "nonsense" is not one of/);
    await invalid(one({ Type: 'uri', IssuerClaim: '$.x', SubjectDomain: 'https://example.com' }), /only email issuers can use issuer claim mapping/);
    await invalid(one({ Type: 'uri' }), /SubjectDomain/);
    await invalid(one({ Type: 'uri', SubjectDomain: 'http://example.com' }), /schemes do not match/);
    await invalid(one({ Type: 'uri', SubjectDomain: 'https://example.org' }), /domains do not match/);
    await invalid(one({ Type: 'username', SubjectDomain: 'https://example.com' }), /should not contain scheme/);
    await invalid(one({ Type: 'username', SubjectDomain: 'other.org' }), /domains do not match/);
    await invalid(one({ Type: 'spiffe' }), /SPIFFETrustDomain/);
    await invalid(one({ Type: 'spiffe', SPIFFETrustDomain: 'Bad Domain' }), /trust domain is invalid/);
    await invalid({ MetaIssuers: { 'https://*.example.com': { Type: 'spiffe', SPIFFETrustDomain: 'example.com' } } }, /SPIFFE meta issuers not supported/);
    await invalid(one({ Type: 'ci-provider' }), /must have CIProvider set/);
    await invalid({ CIIssuerMetadata: { x: { SubjectAlternativeNameTemplate: '{{ range .x }}' } } }, /unsupported action/);
    await invalid({ CIIssuerMetadata: { x: { ExtensionTemplates: { BuildSignerURI: 'x' } } } }, /SubjectAlternativeNameTemplate should not be empty/);
    await invalid(one({ Type: 'email', SkipEmailVerification: 'yes' }), /must be a boolean/);
    await assert.rejects(parseFulcioConfig('key: [unclosed\n  - x: {'), (e: unknown) => isSealhouseError(e, 'invalid_input'));
    await assert.rejects(parseFulcioConfig('[1, 2]'), /must be a map/);
    // Loads as in Fulcio; the missing metadata is reported per token instead.
    await parseFulcioConfig(JSON.stringify(one({ Type: 'ci-provider', CIProvider: 'missing' })));
    // Valid: subject domain shares the top two labels with the issuer host.
    await parseFulcioConfig(JSON.stringify(one({ Type: 'username', SubjectDomain: 'users.example.com' })));
    await parseFulcioConfig(JSON.stringify(one({ Type: 'uri', SubjectDomain: 'https://example.com' })));
  });
});

describe('meta-issuer patterns', () => {
  const re = metaIssuerRegex('https://container.googleapis.com/v1/projects/*/locations/*/clusters/*');

  it('match one [-_a-zA-Z0-9]+ segment per *, anchored', () => {
    assert.ok(re.test('https://container.googleapis.com/v1/projects/my-proj_1/locations/us-west1-b/clusters/tenant-cluster'));
    assert.ok(!re.test('https://container.googleapis.com/v1/projects/a.b/locations/x/clusters/y'));
    assert.ok(!re.test('https://container.googleapis.com/v1/projects/a/b/locations/x/clusters/y'));
    assert.ok(!re.test('https://container.googleapis.com/v1/projects//locations/x/clusters/y'));
    assert.ok(!re.test('http://localhost:3000?https://container.googleapis.com/v1/projects/a/locations/x/clusters/y'));
    assert.ok(!re.test('https://container.googleapis.com/v1/projects/a/locations/x/clusters/y/extra'));
  });

  it('quote regex metacharacters in the literal parts', () => {
    assert.ok(!metaIssuerRegex('https://oidc.eks.*.amazonaws.com/id/*').test('https://oidcXeks.us-west-2.amazonaws.com/id/abc'));
    assert.ok(metaIssuerRegex('https://x.example/(a)+/*').test('https://x.example/(a)+/b'));
  });
});
