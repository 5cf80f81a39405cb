/**
 * Claims and CI metadata for the OIDC tests. The templates restate the GitHub and GitLab entries
 * of Fulcio's public-good config/identity/config.yaml (JSON spelling), so the ci-provider path is
 * exercised with the same values a migrated Fulcio deployment would carry.
 */

export const githubClaims = {
  sub: 'repo:octo/repo:ref:refs/heads/main',
  job_workflow_ref: 'octo/repo/.github/workflows/release.yml@refs/heads/main',
  job_workflow_sha: 'b'.repeat(40),
  sha: 'a'.repeat(40),
  event_name: 'push',
  repository: 'octo/repo',
  workflow: 'release',
  ref: 'refs/heads/main',
  runner_environment: 'github-hosted',
  repository_id: '1001',
  repository_owner: 'octo',
  repository_owner_id: '2002',
  repository_visibility: 'public',
  workflow_ref: 'octo/repo/.github/workflows/release.yml@refs/heads/main',
  workflow_sha: 'c'.repeat(40),
  run_id: '42',
  run_attempt: '1',
};

export const gitlabClaims = {
  sub: 'project_path:group/project:ref_type:branch:ref:main',
  project_path: 'group/project',
  project_id: '77',
  pipeline_source: 'push',
  pipeline_id: '555',
  ci_config_ref_uri: 'gitlab.com/group/project//.gitlab-ci.yml@refs/heads/main',
  ci_config_sha: 'd'.repeat(40),
  namespace_path: 'group',
  namespace_id: '66',
  job_id: '9001',
  ref: 'main',
  ref_type: 'branch',
  sha: 'e'.repeat(40),
  runner_environment: 'gitlab-hosted',
  runner_id: 12345,
  project_visibility: 'private',
};

export const ciMetadataJson = {
  'github-workflow': {
    DefaultTemplateValues: { url: 'https://github.com', environment: '' },
    ExtensionTemplates: {
      GithubWorkflowTrigger: 'event_name',
      GithubWorkflowSHA: 'sha',
      GithubWorkflowName: 'workflow',
      GithubWorkflowRepository: 'repository',
      GithubWorkflowRef: 'ref',
      BuildSignerURI: '{{ .url }}/{{ .job_workflow_ref }}',
      BuildSignerDigest: 'job_workflow_sha',
      RunnerEnvironment: 'runner_environment',
      SourceRepositoryURI: '{{ .url }}/{{ .repository }}',
      SourceRepositoryDigest: 'sha',
      SourceRepositoryRef: 'ref',
      SourceRepositoryIdentifier: 'repository_id',
      SourceRepositoryOwnerURI: '{{ .url }}/{{ .repository_owner }}',
      SourceRepositoryOwnerIdentifier: 'repository_owner_id',
      BuildConfigURI: '{{ .url }}/{{ .workflow_ref }}',
      BuildConfigDigest: 'workflow_sha',
      BuildTrigger: 'event_name',
      RunInvocationURI: '{{ .url }}/{{ .repository }}/actions/runs/{{ .run_id }}/attempts/{{ .run_attempt }}',
      SourceRepositoryVisibilityAtSigning: 'repository_visibility',
      DeploymentEnvironment: 'environment',
    },
    SubjectAlternativeNameTemplate: '{{ .url }}/{{ .job_workflow_ref }}',
  },
  'gitlab-pipeline': {
    DefaultTemplateValues: { url: 'https://gitlab.com', environment: '' },
    ExtensionTemplates: {
      BuildSignerURI: 'https://{{ .ci_config_ref_uri }}',
      BuildSignerDigest: 'ci_config_sha',
      RunnerEnvironment: 'runner_environment',
      SourceRepositoryURI: '{{ .url }}/{{ .project_path }}',
      SourceRepositoryDigest: 'sha',
      SourceRepositoryRef: 'refs/{{if eq .ref_type "branch"}}heads/{{ else }}tags/{{end}}{{ .ref }}',
      SourceRepositoryIdentifier: 'project_id',
      SourceRepositoryOwnerURI: '{{ .url }}/{{ .namespace_path }}',
      SourceRepositoryOwnerIdentifier: 'namespace_id',
      BuildConfigURI: 'https://{{ .ci_config_ref_uri }}',
      BuildConfigDigest: 'ci_config_sha',
      BuildTrigger: 'pipeline_source',
      RunInvocationURI: '{{ .url }}/{{ .project_path }}/-/jobs/{{ .job_id }}',
      SourceRepositoryVisibilityAtSigning: 'project_visibility',
      DeploymentEnvironment: 'environment',
    },
    SubjectAlternativeNameTemplate: 'https://{{ .ci_config_ref_uri }}',
  },
};
