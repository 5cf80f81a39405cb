/**
 * Claims → SAN and extensions for CI issuers (reference §2.3): the deprecated fixed types
 * github-workflow, gitlab-pipeline, buildkite-job and codefresh-workflow (Fulcio
 * pkg/identity/{github,gitlabcom,buildkite,codefresh}/principal.go), and the generic
 * `ci-provider`, whose SAN and extensions come from CIIssuerMetadata templates
 * (pkg/identity/ciprovider/principal.go, https://github.com/sigstore/fulcio/tree/main/pkg/identity/ciprovider).
 */
import { type SealhouseError } from '../errors.js';
import { AuthenticationError } from './auth-error.js';
import { type Claims, optionalString, requiredString, stringifyClaims } from './claims.js';
import type { CiIssuerMetadata } from './config.js';
import type { ExtensionField, FulcioExtensions } from './fulcio-extensions.js';
import type { Mapped, TokenFacts } from './identity-types.js';
import type { CompiledTemplate } from './template.js';
import { checkSanUri } from './san-values.js';
import { joinUrlPath } from './url-path.js';

const reject = (why: string): SealhouseError => new AuthenticationError('claims', why);

function requireAll(claims: Claims, names: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of names) out[name] = requiredString(claims, name);
  return out;
}

const GITHUB_CLAIMS = [
  'job_workflow_ref', 'sha', 'event_name', 'repository', 'workflow', 'ref', 'job_workflow_sha', 'runner_environment',
  'repository_id', 'repository_owner', 'repository_owner_id', 'repository_visibility', 'workflow_ref', 'workflow_sha', 'run_id', 'run_attempt',
] as const;

export function mapGithubWorkflow(t: TokenFacts): Mapped {
  const c = requireAll(t.claims, GITHUB_CLAIMS);
  const gh = (...p: string[]): string => joinUrlPath('https://github.com/', ...p);
  const signer = checkSanUri(gh(c.job_workflow_ref as string), 'job_workflow_ref URI');
  return {
    san: { type: 'uri', value: signer },
    name: t.sub,
    extensions: {
      Issuer: t.iss,
      Subject: t.sub,
      GithubWorkflowTrigger: c.event_name,
      GithubWorkflowSHA: c.sha,
      GithubWorkflowName: c.workflow,
      GithubWorkflowRepository: c.repository,
      GithubWorkflowRef: c.ref,
      BuildSignerURI: signer,
      BuildSignerDigest: c.job_workflow_sha,
      RunnerEnvironment: c.runner_environment,
      SourceRepositoryURI: gh(c.repository as string),
      SourceRepositoryDigest: c.sha,
      SourceRepositoryRef: c.ref,
      SourceRepositoryIdentifier: c.repository_id,
      SourceRepositoryOwnerURI: gh(c.repository_owner as string),
      SourceRepositoryOwnerIdentifier: c.repository_owner_id,
      BuildConfigURI: gh(c.workflow_ref as string),
      BuildConfigDigest: c.workflow_sha,
      BuildTrigger: c.event_name,
      RunInvocationURI: gh(c.repository as string, 'actions/runs', c.run_id as string, 'attempts', c.run_attempt as string),
      SourceRepositoryVisibilityAtSigning: c.repository_visibility,
    },
  };
}

const GITLAB_CLAIMS = ['project_path', 'pipeline_source', 'pipeline_id', 'ci_config_ref_uri', 'job_id', 'ref', 'ref_type', 'namespace_path', 'namespace_id', 'project_id', 'sha', 'runner_environment'] as const;

export function mapGitlabPipeline(t: TokenFacts): Mapped {
  const c = requireAll(t.claims, GITLAB_CLAIMS);
  const runnerId = t.claims.runner_id;
  if (typeof runnerId !== 'number' || !Number.isInteger(runnerId) || runnerId === 0) throw reject('missing runner_id claim in ID token');
  const ref = c.ref_type === 'branch' ? `refs/heads/${c.ref}` : c.ref_type === 'tag' ? `refs/tags/${c.ref}` : undefined;
  if (!ref) throw reject(`unexpected ref_type: ${c.ref_type}`);
  // ci_config_ref_uri has no scheme (gitlab.com/group/project//.gitlab-ci.yml@refs/heads/main); Fulcio forces https.
  const configUri = checkSanUri(`https://${(c.ci_config_ref_uri as string).replace(/^[A-Za-z][A-Za-z0-9+.-]*:\/\//, '')}`, 'ci_config_ref_uri');
  const configSha = optionalString(t.claims, 'ci_config_sha');
  const gl = (...p: string[]): string => joinUrlPath('https://gitlab.com/', ...p);
  return {
    san: { type: 'uri', value: configUri },
    name: t.sub,
    extensions: {
      Issuer: t.iss,
      Subject: t.sub,
      BuildConfigURI: configUri,
      BuildConfigDigest: configSha,
      BuildSignerURI: configUri,
      BuildSignerDigest: configSha,
      RunnerEnvironment: c.runner_environment,
      SourceRepositoryURI: gl(c.project_path as string),
      SourceRepositoryDigest: c.sha,
      SourceRepositoryRef: ref,
      SourceRepositoryIdentifier: c.project_id,
      SourceRepositoryOwnerURI: gl(c.namespace_path as string),
      SourceRepositoryOwnerIdentifier: c.namespace_id,
      BuildTrigger: c.pipeline_source,
      RunInvocationURI: gl(c.project_path as string, '/-/jobs/', c.job_id as string),
      SourceRepositoryVisibilityAtSigning: optionalString(t.claims, 'project_visibility'),
    },
  };
}

export function mapBuildkiteJob(t: TokenFacts): Mapped {
  const c = requireAll(t.claims, ['organization_slug', 'pipeline_slug']);
  const san = checkSanUri(`https://buildkite.com/${c.organization_slug}/${c.pipeline_slug}`, 'buildkite pipeline URI');
  return { san: { type: 'uri', value: san }, name: t.sub, extensions: { Issuer: t.iss, Subject: t.sub } };
}

export function mapCodefreshWorkflow(t: TokenFacts): Mapped {
  const c = requireAll(t.claims, ['account_id', 'pipeline_id', 'workflow_id']);
  const platform = optionalString(t.claims, 'platform_url') || 'https://g.codefresh.io';
  const s = (name: string): string => optionalString(t.claims, name);
  const cf = (...p: string[]): string => joinUrlPath(platform, ...p);
  return {
    san: { type: 'uri', value: checkSanUri(cf(s('account_name'), `${s('pipeline_name')}:${c.account_id}/${c.pipeline_id}`), 'codefresh pipeline URI') },
    name: t.sub,
    extensions: {
      Issuer: t.iss,
      Subject: t.sub,
      BuildSignerURI: cf('build', c.workflow_id as string),
      RunnerEnvironment: s('runner_environment'),
      SourceRepositoryURI: s('scm_repo_url'),
      SourceRepositoryRef: s('scm_ref'),
      BuildConfigURI: cf('api', 'pipelines', c.pipeline_id as string),
      RunInvocationURI: cf('build', c.workflow_id as string),
    },
  };
}

/** Fulcio applyTemplateOrReplace: render a template, or look a bare claim name up (claims over defaults). */
function apply(value: CompiledTemplate | string, data: Readonly<Record<string, string>>, what: string, iss: string): string {
  if (typeof value !== 'string') {
    try {
      return value.render(data);
    } catch (err) {
      throw reject(`${what} for issuer ${iss}: ${(err as Error).message}`);
    }
  }
  if (!Object.hasOwn(data, value)) throw reject(`value <${value}> not present in either claims or defaults (${what}, issuer ${iss})`);
  return data[value] as string;
}

export function mapCiProvider(t: TokenFacts, metadata: CiIssuerMetadata | undefined): Mapped {
  if (!metadata) throw reject(`metadata not found for ci provider ${t.issuer.ciProvider ?? ''}, issuer: ${t.iss}`);
  const data = { ...metadata.defaultTemplateValues, ...stringifyClaims(t.claims) };
  const san = apply(metadata.subjectAlternativeNameTemplate, data, 'SubjectAlternativeName', t.iss);
  if (san === '') throw reject(`SubjectAlternativeName for issuer ${t.iss} rendered to an unusable URI`);
  checkSanUri(san, `SubjectAlternativeName for issuer ${t.iss}`);
  const extensions: FulcioExtensions = { Issuer: t.iss, Subject: t.sub };
  for (const [name, template] of metadata.extensionTemplates) {
    extensions[name as ExtensionField] = apply(template, data, name, t.iss);
  }
  return { san: { type: 'uri', value: san }, name: t.sub, extensions };
}
