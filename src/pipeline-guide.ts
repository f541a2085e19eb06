import { FileBase, IResolver, Project } from 'projen';
import { deployBuildspecPath } from './deploy-buildspec';
import { DeployStageModel } from './deploy-stages';
import { renderName, stageNameRules } from './naming';
import { renderMermaid } from './pipeline-diagram';
import { PLACEHOLDER_REPOSITORY, PipelineModel } from './pipeline-model';
import { formatOption } from './validation';
import { SecretVariables, secretArns } from './variables';
import { pinnedVersions } from './versions';

/** The guide's path in a consumer repository. */
export const GUIDE_PATH = 'PIPELINE.md';

/** The stack output with each deploy stage's role ARN, by stage (program/infra/index.ts). */
export const DEPLOY_ROLE_ARNS_OUTPUT = 'deployRoleArns';

export interface PipelineGuideOptions {
  readonly model: PipelineModel;
  readonly pulumiProject: string;
  /** The projenrc file the options live in, named in the guide. */
  readonly projenrc: string;
  readonly infraDir: string;
}

/**
 * `PIPELINE.md`: the guide to *this* configuration, rendered from the resolved
 * model on every synth (read-only, like every managed file), so that adding a
 * stage or turning `selfUpdate` on changes the diagram and the steps with it.
 * The team's README links to it and stays theirs.
 */
export class PipelineGuideFile extends FileBase {
  public constructor(project: Project, private readonly options: PipelineGuideOptions) {
    super(project, GUIDE_PATH);
  }

  protected synthesizeContent(_resolver: IResolver): string {
    return `<!-- ${this.marker} -->\n${renderGuide(this.options)}`;
  }
}

/** The guide's Markdown (without the marker). */
export function renderGuide(options: PipelineGuideOptions): string {
  const { model, projenrc } = options;
  return [
    `# The pipeline of ${model.repository}`,
    '',
    `Generated from \`${projenrc}\` by \`npx projen\`: change the options there, never this file. It shows this configuration ` +
    'only; every option is in the API reference of cicd-pipeline-type.',
    '',
    '```mermaid',
    renderMermaid(model),
    '```',
    '',
    ...firstDeploySection(options),
    ...stagesSection(model),
    ...secretsSection(model),
    ...repositorySecretsSection(model),
    ...notificationsSection(model),
    ...outputsSection(model),
  ].join('\n');
}

/** The region the connection (or the platform's shared key) lives in, when one is given: the stack must deploy there. */
function connectionRegion(model: PipelineModel): string | undefined {
  return model.connectionArn?.split(':')[3] ?? model.shared?.kmsKeyArn?.split(':')[3];
}

function firstDeploySection({ model, pulumiProject, infraDir, projenrc }: PipelineGuideOptions): string[] {
  const region = connectionRegion(model) ?? '<region>';
  const selfUpdate = model.selfUpdate;
  const steps: string[] = [];
  if (model.repository === PLACEHOLDER_REPOSITORY) {
    const option = formatOption('githubRepository', projenrc.endsWith('.py') ? 'python' : 'typescript');
    steps.push(`Name the GitHub repository in \`${projenrc}\` (\`${option}\`; ${PLACEHOLDER_REPOSITORY} is a placeholder the program refuses to deploy) and run \`npx projen\`.`);
  }
  steps.push(`Install the Pulumi CLI ${pinnedVersions().pulumi} (the version of the pinned SDK, which the pipeline's own stages run too) ` +
    'and have AWS credentials for the account the pipeline goes to. `npx projen doctor` checks both and says what is missing.');
  if (selfUpdate) {
    steps.push(`Log in to the backend that \`${infraDir}/Pulumi.yaml\` names, so people and the pipeline share one state: ` +
      `\`pulumi login ${selfUpdate.backend.url}\`` +
      (selfUpdate.backend.kind === 'cloud' ? ' (with your own access token; the pipeline reads its token from Secrets Manager).' : '.'));
  } else {
    steps.push('Log in to a state backend: `pulumi login` (Pulumi Cloud) or `pulumi login s3://<bucket>/<prefix>` (a bucket you own).');
  }
  const secretsProvider = selfUpdate?.secretsProvider ? ` --secrets-provider "${selfUpdate.secretsProvider.url}"` : '';
  const init = model.environments.map(env => `pulumi stack init ${env}${secretsProvider} && pulumi config set aws:region ${region}`);
  steps.push(`Create one stack per environment, named after it (\`${infraDir}/Pulumi.<env>.yaml\` already sets \`${pulumiProject}:environmentSuffix\`)` +
    (selfUpdate?.secretsProvider ? ', with the secrets provider the update stage uses, and commit the stack files (they record it)' : '') +
    ':\n\n   ```sh\n   cd ' + infraDir + '\n' + init.map(line => `   ${line}`).join('\n') + '\n   cd ..\n   ```');
  const shared = [
    ...(model.shared?.kmsKeyArn ? [`the platform's KMS key \`${model.shared.kmsKeyArn}\``] : []),
    ...(model.shared?.artifactBucket ? [`the platform's artifact bucket \`${model.shared.artifactBucket}\``] : []),
  ];
  if (shared.length > 0) {
    steps.push(`The pipeline uses ${shared.join(' and ')} instead of its own: they must exist in the stack's account and region, ` +
      'the key policy must hold the statements the README of cicd-pipeline-type lists ("Shared resources for a fleet"), and the bucket ' +
      'the settings it lists. The deploy checks the key and the bucket before it changes anything.');
  }
  steps.push('Select the stack (`pulumi stack select <env> --cwd ' + infraDir + '`) and run the first deploy: `npx projen deploy`' +
    (selfUpdate ? ', with your own credentials: it creates the permissions boundary, the update stage and the drift check, which the pipeline cannot create for itself.' : '.'));
  if (model.connectionArn) {
    steps.push(`The pipeline uses the existing connection \`${model.connectionArn}\`: it must be AVAILABLE ` +
      '(AWS console → Developer Tools → Settings → Connections). While it is PENDING, the deploy creates everything but the pipeline, and the `nextStep` output says so.');
  } else {
    steps.push('Authorize the GitHub connection the first deploy created: it starts PENDING, and the pipeline is created only once it is AVAILABLE. ' +
      'AWS console → Developer Tools → Settings → Connections → the connection in the `connectionArn` output → *Update pending connection*.');
  }
  steps.push('Deploy again (`npx projen deploy`): this creates the pipeline, which starts its first execution at once.');
  if (model.stages.some(stage => stage.assumeRoleArn)) {
    steps.push('Before a stage that assumes a role first runs, its target role must trust the stage\'s role (see "Deploy stages").');
  }
  return [
    '## From synth to a running pipeline',
    '',
    `These steps apply to this configuration (${selfUpdate ? `self-updating, state on ${selfUpdate.backend.url}` : 'deployed by a person with `npx projen deploy`'}; ` +
    `environments ${model.environments.map(env => `\`${env}\``).join(', ')}):`,
    '',
    ...steps.map((step, i) => `${i + 1}. ${step}`),
    '',
  ];
}

/** The ARN of a stage's role in one environment; the account is the pipeline's, known only to its stack. */
export function deployRoleArn(model: PipelineModel, stage: DeployStageModel, environment: string, partition = 'aws'): string {
  const roleName = renderName(stageNameRules(model.name, stage.name).deployRole.template, environment);
  return `arn:${partition}:iam::<pipeline-account-id>:role/${roleName}`;
}

/**
 * The statement a target role's trust policy needs. A role principal is named
 * by its ARN ("AWS JSON policy elements: Principal", IAM User Guide, role
 * principals: https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_principal.html#principal-roles);
 * IAM stores the role's unique id behind it, so recreating the role breaks the
 * trust until the statement is saved again.
 */
export function trustStatement(roleArns: readonly string[]): object {
  return { Effect: 'Allow', Principal: { AWS: roleArns.length === 1 ? roleArns[0] : roleArns }, Action: 'sts:AssumeRole' };
}

function stagesSection(model: PipelineModel): string[] {
  if (model.stages.length === 0) {
    return [
      '## Deploy stages',
      '',
      'None: the pipeline ends when the image is pushed. Add `stages` to the pipeline options to deploy it (each stage deploys the built image, never rebuilding it).',
      '',
    ];
  }
  const rows = model.stages.map(stage => `| \`${stage.name}\` | ${stage.manualApproval ? 'yes' : 'no'} | ` +
    `${stage.assumeRoleArn ? `\`${stage.assumeRoleArn}\`` : '—'} | ${stage.rollbackOnFailure ? 'yes' : 'no'} | \`${deployBuildspecPath(stage.name)}\` |`);
  const guarded = model.stages.filter(stage => stage.guard !== undefined);
  const dash = (value: string | undefined) => value ?? '—';
  const gates = guarded.length === 0 ? [] : [
    '### Release gates',
    '',
    '| stage | enters only while these alarms are not in ALARM | bake (an ALARM rolls back) | deployment window | retries failed actions once |',
    '| --- | --- | --- | --- | --- |',
    ...guarded.map(stage => {
      const guard = stage.guard!;
      return `| \`${stage.name}\` | ${dash(guard.alarms.length > 0 ? guard.alarms.map(alarm => `\`${alarm.name}\``).join(', ') : undefined)} | ` +
        `${dash(guard.bakeMinutes !== undefined ? `${guard.bakeMinutes} min` : undefined)} | ` +
        `${dash(guard.window ? `\`${guard.window.cron}\` ${guard.window.timezone}` : undefined)} | ${guard.retryOnFailure ? 'yes' : 'no'} |`;
    }),
    '',
    'These are CodePipeline V2 stage conditions. The notification topic says `BLOCKED or failed`, `WINDOW` or `ROLLBACK`; ' +
    'the stage\'s conditions in the CodePipeline console show which rule decided, and can be overridden there.',
    '',
  ];
  const rollback = model.stages.some(stage => stage.rollbackOnFailure || stage.guard?.bakeMinutes !== undefined) ? [
    'A stage rolls back only to its last successful execution started in the current pipeline structure version ' +
    '(CodePipeline, "Configure a stage for automatic rollback"): after any change of the pipeline\'s definition ' +
    '(a deploy, or a self-update that changes it) the first execution has nothing to roll back to.',
    '',
  ] : [];
  const trust = model.stages.filter(stage => stage.assumeRoleArn).flatMap(stage => {
    const partition = stage.assumeRoleArn!.split(':')[1];
    const arns = model.environments.map(env => deployRoleArn(model, stage, env, partition));
    return [
      `### Trust for \`${stage.name}\``,
      '',
      `The role \`${stage.assumeRoleArn}\` must trust the stage's role, one per environment (\`<pipeline-account-id>\` is the account the ` +
      `pipeline is deployed to; the \`${DEPLOY_ROLE_ARNS_OUTPUT}\` stack output gives the exact ARN). Add this statement to its trust policy:`,
      '',
      '```json',
      JSON.stringify(trustStatement(arns), undefined, 2),
      '```',
      '',
    ];
  });
  return [
    '## Deploy stages',
    '',
    'After Build, in this order; each deploys the image Build pushed (`IMAGE_URI`, `IMAGE_DIGEST`) in its own unprivileged CodeBuild project:',
    '',
    '| stage | manual approval | role assumed | rolls back on failure | buildspec |',
    '| --- | --- | --- | --- | --- |',
    ...rows,
    '',
    ...rollback,
    ...gates,
    ...trust,
  ];
}

function secretsSection(model: PipelineModel): string[] {
  const rows = [
    ...secretRows('Build (its role)', model.build.secrets),
    ...model.stages.flatMap(stage => secretRows(`stage \`${stage.name}\` (its role)`, stage.secrets)),
  ];
  return [
    '## Secrets the pipeline reads',
    '',
    ...(rows.length === 0
      ? ['None. Give secrets by ARN in `codeBuild.secrets` or a stage\'s `secrets`; the buildspecs reference them, never their values.']
      : ['Each role may read exactly these (by ARN); their values never appear in a generated file.', '',
        '| read by | variable | ARN |', '| --- | --- | --- |', ...rows]),
    ...(model.selfUpdate?.accessTokenSecretArn
      ? ['', `The update stage and the drift check read the Pulumi access token from \`${model.selfUpdate.accessTokenSecretArn}\`.`]
      : []),
    '',
  ];
}

function secretRows(reader: string, secrets: SecretVariables): string[] {
  const byArn = { ...secrets['secrets-manager'], ...secrets['parameter-store'] };
  return secretArns(secrets).flatMap(arn => Object.entries(byArn).filter(([, value]) => value === arn)
    .map(([name]) => `| ${reader} | \`${name}\` | \`${arn}\` |`));
}

function repositorySecretsSection(_model: PipelineModel): string[] {
  return [
    '## Repository secrets (GitHub)',
    '',
    '- `PROJEN_GITHUB_TOKEN`: the upgrade workflow (`upgrade.yml`) opens its pull request with it, and the build workflow\'s ' +
    'self-mutation job pushes regenerated files back with it. A pull request opened with the default `GITHUB_TOKEN` would start no ' +
    'workflow, and upgrades change workflow files: use a token (or a GitHub App) that may write contents, pull requests and workflows ' +
    'of this repository (projen `GithubCredentials.fromPersonalAccessToken`).',
    '- Nothing else: the pipeline runs in AWS and reads its secrets there; GitHub holds no AWS credentials.',
    '',
  ];
}

function notificationsSection(model: PipelineModel): string[] {
  const emails = model.notifications.emails;
  const approvalEmails = [...new Set(model.stages.flatMap(stage => stage.manualApproval?.emails ?? []))];
  const lines = [
    `- Executions that end ${model.notifications.states.join(', ')} are published by an EventBridge rule to the SNS topic ` +
    `\`${model.name}-<env>-notifications\` (\`notificationTopicArn\` output), ` +
    (emails.length > 0 ? `which e-mails ${emails.join(', ')} (each address confirms its subscription once).` : 'which has no e-mail subscriber: subscribe to it, or set `notifications.emails`.'),
  ];
  if (model.stages.some(stage => stage.manualApproval)) {
    lines.push('- Approval requests go to the same topic' + (approvalEmails.length > 0 ? ` and to ${approvalEmails.join(', ')}` : '') +
      ': the message shows the commit and the image digest and links to the commit. Approve or reject in the CodePipeline console; ' +
      'a request nobody answers is rejected after seven days.');
  }
  if (model.selfUpdate) {
    lines.push(`- The drift check (\`${model.name}-<env>-drift\`, ${model.selfUpdate.driftScheduled ? `on the schedule \`${model.selfUpdate.driftSchedule}\`` : 'on demand only'}) ` +
      'runs `pulumi preview --refresh --expect-no-changes`; when the stack drifted, or the check could not run, the topic sends ' +
      '"Drift check FAILED for stack ..." with a link to the build log.');
  }
  return ['## Notifications and drift', '', ...lines, ''];
}

function outputsSection(model: PipelineModel): string[] {
  const outputs: Array<[string, string]> = [
    ['pipelineName, pipelineConsoleUrl', 'the pipeline (once the connection is AVAILABLE)'],
    ['connectionArn, connectionStatus', 'the GitHub connection and whether it is authorized'],
    ['nextStep', 'the manual step the pipeline waits for, while there is one'],
    ['repositoryUrl, artifactBucket, notificationTopicArn', 'the registry, the artifact bucket and the topic'],
  ];
  if (model.stages.length > 0) outputs.push([DEPLOY_ROLE_ARNS_OUTPUT, 'each deploy stage\'s role ARN, by stage: what a target role trusts']);
  if (model.selfUpdate) outputs.push(['selfUpdateProject, driftCheckProject', 'the update stage\'s and the drift check\'s CodeBuild projects']);
  return [
    '## Stack outputs',
    '',
    '`pulumi stack output` in `infra/` after a deploy:',
    '',
    ...outputs.map(([name, what]) => `- \`${name}\`: ${what}`),
    '',
  ];
}
