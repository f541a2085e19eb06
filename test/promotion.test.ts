import * as fs from 'fs';
import * as path from 'path';
import * as YAML from 'yaml';
import { PARAMETER_ARN, PROD_ROLE_ARN, PROMOTION_PROPS, SECRET_ARN, brokenCopy, editPolicy, settingsFor, tempDir } from './helpers';
import { GUARDRAILS, GuardrailRun, TYPES, asList, one, statementsOf } from '../program/infra/guardrails';
import { MOCK_ACCOUNT, MOCK_REGION, RegisteredResource, runUnderMocks } from '../program/infra/guardrails/mock-run';
import { PIPELINE_COMPONENT_TYPE } from '../program/infra/pipeline';
import { CicdPipelineProject } from '../src';
import { renderBuildspec } from '../src/buildspec';
import { renderDeployBuildspec } from '../src/deploy-buildspec';
import { deployRoleArn } from '../src/pipeline-guide';
import { resolvePipeline } from '../src/pipeline-model';
import { PipelineProps } from '../src/pipeline-props';

/**
 * Issue 12: build once, deploy through stages with manual approval, and build
 * secrets done right. On what the mocked engine registered for the issue's
 * configuration (`dev`, then `prod` with an approval, a role to assume and
 * rollback), and on the files the library renders.
 */

const DEFAULTS: PipelineProps = { repository: 'acme/web-app' };
const TOPIC_ARN = `arn:aws:sns:${MOCK_REGION}:${MOCK_ACCOUNT}:web-app-prod-notifications`;
const COMMIT = '#{SourceVariables.CommitId}';
const logical = (resources: RegisteredResource[]) => resources.map(r => r.urn.split('::').slice(2).join('::')).sort();
const pipelineOf = (resources: RegisteredResource[]) => one(resources, TYPES.pipeline).inputs;
const stageNamed = (resources: RegisteredResource[], name: string) => pipelineOf(resources).stages.find((s: any) => s.name === name);
const grants = (resources: RegisteredResource[], policy: string, action: string) => statementsOf(one(resources, TYPES.policy, policy))
  .filter(s => asList(s.Action).includes(action)).flatMap(s => asList(s.Resource));

describe('under the mocks, dev then prod (approval, target role, rollback) and build secrets', () => {
  let resources: RegisteredResource[];
  beforeAll(async () => {
    resources = await runUnderMocks(settingsFor(PROMOTION_PROPS), 'prod');
  });

  test('the deployRoleArns output gives each stage\'s registered role: the ARN PIPELINE.md tells a target role to trust', () => {
    const outputs = one(resources, PIPELINE_COMPONENT_TYPE).outputs;
    const arnOf = (stage: string) => `arn:aws:iam::${MOCK_ACCOUNT}:role/${one(resources, TYPES.role, `deploy-${stage}-role`).inputs.name}`;
    expect(outputs.deployRoleArns).toEqual({ dev: arnOf('dev'), prod: arnOf('prod') });
    const model = resolvePipeline(PROMOTION_PROPS);
    expect(deployRoleArn(model, model.stages[1], 'prod').replace('<pipeline-account-id>', MOCK_ACCOUNT)).toBe(outputs.deployRoleArns.prod);
  });

  test('the stages are Source → Build → dev → prod, executed QUEUED', () => {
    expect(pipelineOf(resources).stages.map((s: any) => s.name)).toEqual(['Source', 'Build', 'dev', 'prod']);
    expect(pipelineOf(resources).executionMode).toBe('QUEUED');
  });

  test('prod\'s approval runs before its deploy and notifies the pipeline topic, showing and linking the commit and the image digest', () => {
    const [approval, deploy] = stageNamed(resources, 'prod').actions;
    expect(approval).toMatchObject({ category: 'Approval', owner: 'AWS', provider: 'Manual', version: '1', runOrder: 1 });
    expect(deploy).toMatchObject({ name: 'Deploy', runOrder: 2 });
    expect(approval.configuration).toEqual({
      NotificationArn: TOPIC_ARN,
      CustomData: `Deploy acme/web-app commit ${COMMIT} to prod: image #{BuildVariables.IMAGE_URI}, digest #{BuildVariables.IMAGE_DIGEST}.`,
      ExternalEntityLink: `https://github.com/acme/web-app/commit/${COMMIT}`,
    });
    // The commit variable exists only because the source action now has a namespace.
    expect(pipelineOf(resources).stages[0].actions[0].namespace).toBe('SourceVariables');
    expect(stageNamed(resources, 'dev').actions.map((a: any) => a.category)).toEqual(['Build']);
  });

  test('both deploy actions read the Build stage\'s image variables and artifact, with the source as primary', () => {
    const [build] = stageNamed(resources, 'Build').actions;
    for (const name of ['dev', 'prod']) {
      const deploy = stageNamed(resources, name).actions.find((a: any) => a.name === 'Deploy');
      expect(deploy.inputArtifacts).toEqual(['source', build.outputArtifacts[0]]);
      expect(deploy.configuration.ProjectName).toBe(`web-app-prod-deploy-${name}`);
      expect(deploy.configuration.PrimarySource).toBe('source');
      expect(JSON.parse(deploy.configuration.EnvironmentVariables)).toEqual([
        { name: 'IMAGE_URI', value: '#{BuildVariables.IMAGE_URI}', type: 'PLAINTEXT' },
        { name: 'IMAGE_TAG', value: '#{BuildVariables.IMAGE_TAG}', type: 'PLAINTEXT' },
        { name: 'IMAGE_DIGEST', value: '#{BuildVariables.IMAGE_DIGEST}', type: 'PLAINTEXT' },
      ]);
    }
  });

  test('no deploy stage can run docker build: unprivileged projects, on their own buildspecs, without docker commands', () => {
    for (const name of ['dev', 'prod']) {
      const project = one(resources, TYPES.project, `deploy-${name}`).inputs;
      expect(project.environment.privilegedMode).toBe(false);
      expect(project.source.buildspec).toBe(`deploy/${name}.buildspec.yml`);
      expect(project.cache).toBeUndefined();
    }
    const model = resolvePipeline(PROMOTION_PROPS);
    for (const stage of model.stages) {
      expect(JSON.stringify(renderDeployBuildspec(stage))).not.toMatch(/docker/);
    }
  });

  test('each stage role\'s only sts:AssumeRole is its own target: prod assumes the configured role, dev and the others none', () => {
    expect(grants(resources, 'deploy-prod-policy', 'sts:AssumeRole')).toEqual([PROD_ROLE_ARN]);
    for (const policy of ['deploy-dev-policy', 'build-policy', 'pipeline-policy']) expect(grants(resources, policy, 'sts:AssumeRole')).toEqual([]);
  });

  test('secrets appear only as ARNs, each granted exactly once, to the roles whose buildspecs read them', () => {
    expect(grants(resources, 'build-policy', 'secretsmanager:GetSecretValue')).toEqual([SECRET_ARN]);
    expect(grants(resources, 'build-policy', 'ssm:GetParameters')).toEqual([]);
    expect(grants(resources, 'deploy-prod-policy', 'secretsmanager:GetSecretValue')).toEqual([SECRET_ARN]);
    expect(grants(resources, 'deploy-prod-policy', 'ssm:GetParameters')).toEqual([PARAMETER_ARN]);
    for (const action of ['secretsmanager:GetSecretValue', 'ssm:GetParameters']) {
      expect(grants(resources, 'deploy-dev-policy', action)).toEqual([]);
      expect(grants(resources, 'pipeline-policy', action)).toEqual([]);
    }
    const decrypt = statementsOf(one(resources, TYPES.policy, 'deploy-prod-policy')).find(s => s.Sid === 'DecryptParameters')!;
    expect(decrypt).toEqual({
      Sid: 'DecryptParameters',
      Effect: 'Allow',
      Action: 'kms:Decrypt',
      Resource: ['arn:aws:kms:eu-west-1:111122223333:key/*'],
      Condition: { StringEquals: { 'kms:ViaService': ['ssm.eu-west-1.amazonaws.com'], 'kms:EncryptionContext:PARAMETER_ARN': [PARAMETER_ARN] } },
    });
  });

  test('prod rolls back on failure (V2 onFailure), dev does not', () => {
    expect(stageNamed(resources, 'prod').onFailure).toEqual({ result: 'ROLLBACK' });
    expect(stageNamed(resources, 'dev')).not.toHaveProperty('onFailure');
  });

  test('the pipeline role may start the deploy projects and publish approval requests to its own topic', () => {
    const statements = statementsOf(one(resources, TYPES.policy, 'pipeline-policy'));
    expect(statements.find(s => s.Sid === 'RunTheDeploys')!.Resource).toEqual([
      `arn:aws:codebuild:${MOCK_REGION}:${MOCK_ACCOUNT}:project/web-app-prod-deploy-dev`,
      `arn:aws:codebuild:${MOCK_REGION}:${MOCK_ACCOUNT}:project/web-app-prod-deploy-prod`,
    ]);
    expect(grants(resources, 'pipeline-policy', 'sns:Publish')).toEqual([TOPIC_ARN]);
  });

  test('approval e-mails are subscribed to the topic, except one notifications already has (compared ignoring case)', () => {
    const emails = resources.filter(r => r.type === TYPES.subscription).map(r => r.inputs.endpoint);
    expect(emails.sort()).toEqual(['release@acme.example', 'team@acme.example']);
  });

  test('the pipeline key lets CloudWatch Logs encrypt the build\'s and each stage\'s log group', () => {
    const logs = JSON.parse(one(resources, TYPES.key).inputs.policy).Statement.find((s: any) => s.Sid === 'CloudWatchLogsEncryptsBuildLogs');
    expect(logs.Condition.ArnEquals['kms:EncryptionContext:aws:logs:arn']).toEqual(['build', 'deploy-dev', 'deploy-prod'].map(suffix =>
      `arn:aws:logs:${MOCK_REGION}:${MOCK_ACCOUNT}:log-group:/aws/codebuild/web-app-prod-${suffix}`));
  });

  test('each stage adds its project, log group and role (logical names after the stage), and nothing else changes', async () => {
    const without = await runUnderMocks(settingsFor({ ...PROMOTION_PROPS, stages: undefined }), 'prod');
    const added = logical(resources).filter(urn => !logical(without).includes(urn));
    const component = 'cicd-pipeline-type:index:CicdPipeline$';
    expect(added).toEqual([
      ...['dev', 'prod'].flatMap(stage => [
        `${component}aws:cloudwatch/logGroup:LogGroup::deploy-${stage}-logs`,
        `${component}aws:codebuild/project:Project::deploy-${stage}`,
        `${component}aws:iam/policy:Policy::deploy-${stage}-policy`,
        `${component}aws:iam/role:Role::deploy-${stage}-role`,
        `${component}aws:iam/rolePolicyAttachment:RolePolicyAttachment::deploy-${stage}-policy-attachment`,
      ]),
      `${component}aws:sns/topicSubscription:TopicSubscription::notify-release@acme.example`,
    ].sort());
    expect(logical(without).filter(urn => !logical(resources).includes(urn))).toEqual([]);
  });
});

describe('without stages and secrets, the pipeline is today\'s', () => {
  let resources: RegisteredResource[];
  beforeAll(async () => {
    resources = await runUnderMocks(settingsFor(DEFAULTS), 'dev');
  });

  test('SUPERSEDED (CodePipeline\'s default, now explicit), no source namespace, Source → Build', () => {
    const pipeline = pipelineOf(resources);
    expect(pipeline.executionMode).toBe('SUPERSEDED');
    expect(pipeline.stages.map((s: any) => s.name)).toEqual(['Source', 'Build']);
    expect(pipeline.stages[0].actions[0]).not.toHaveProperty('namespace');
  });

  test('the roles\' policies gain nothing: no secrets, deploys, approvals or role to assume', () => {
    const pipelineSids = statementsOf(one(resources, TYPES.policy, 'pipeline-policy')).map(s => s.Sid);
    expect(pipelineSids).toEqual(['ReadWriteArtifacts', 'InspectArtifactBucket', 'RunTheBuild', 'UseTheConnection', 'UseTheKey']);
    const buildSids = statementsOf(one(resources, TYPES.policy, 'build-policy')).map(s => s.Sid);
    expect(buildSids).toEqual(['WriteBuildLogs', 'LogInToEcr', 'PushImages', 'ReadSourceWriteArtifacts', 'InspectArtifactBucket', 'UseTheKey']);
  });

  test('the key\'s log statement names the build\'s log group alone, as a string (the policy document is unchanged)', () => {
    const logs = JSON.parse(one(resources, TYPES.key).inputs.policy).Statement.find((s: any) => s.Sid === 'CloudWatchLogsEncryptsBuildLogs');
    expect(logs.Condition.ArnEquals['kms:EncryptionContext:aws:logs:arn']).toBe(`arn:aws:logs:${MOCK_REGION}:${MOCK_ACCOUNT}:log-group:/aws/codebuild/web-app-dev-build`);
  });

  test('buildspec.yml has no secret section', () => {
    const env = renderBuildspec(resolvePipeline(DEFAULTS)).env;
    expect(Object.keys(env)).toEqual(['shell', 'variables', 'exported-variables']);
  });
});

describe('execution mode', () => {
  test.each<[string, PipelineProps, string]>([
    ['no stages: SUPERSEDED', DEFAULTS, 'SUPERSEDED'],
    ['stages: QUEUED', { ...DEFAULTS, stages: [{ name: 'dev', commands: ['x'] }] }, 'QUEUED'],
    ['stages, SUPERSEDED chosen', { ...DEFAULTS, stages: [{ name: 'dev', commands: ['x'] }], executionMode: 'SUPERSEDED' as any }, 'SUPERSEDED'],
    ['no stages, PARALLEL chosen', { ...DEFAULTS, executionMode: 'PARALLEL' as any }, 'PARALLEL'],
  ])('%s', async (_title, props, mode) => {
    expect(resolvePipeline(props).executionMode).toBe(mode);
    expect(pipelineOf(await runUnderMocks(settingsFor(props), 'dev')).executionMode).toBe(mode);
  });
});

describe('the rendered files', () => {
  const model = resolvePipeline(PROMOTION_PROPS);

  test('buildspec.yml references the build secret by ARN under env.secrets-manager, never a value', () => {
    expect(renderBuildspec(model).env['secrets-manager']).toEqual({ NPM_TOKEN: SECRET_ARN });
    expect(renderBuildspec(model).env).not.toHaveProperty('parameter-store');
  });

  test('prod\'s buildspec: its variables, secrets by ARN, the target role assumed before the commands, which check the image first', () => {
    const prod = renderDeployBuildspec(model.stages[1]);
    expect(prod.env).toEqual({
      'shell': 'bash',
      'variables': { TARGET: 'prod', DEPLOY_STAGE: 'prod', ASSUME_ROLE_ARN: PROD_ROLE_ARN },
      'parameter-store': { DB_PASSWORD: PARAMETER_ARN },
      'secrets-manager': { NPM_TOKEN: SECRET_ARN },
    });
    expect(prod.phases.pre_build!.commands).toEqual([expect.stringContaining('aws sts assume-role --role-arn "${ASSUME_ROLE_ARN}"')]);
    expect(prod.phases.build.commands).toEqual([
      expect.stringMatching(/IMAGE_URI:\?.*IMAGE_TAG:\?.*IMAGE_DIGEST:\?/),
      './scripts/deploy.sh prod',
      'echo "deployed ${IMAGE_DIGEST}"',
    ]);
    const dev = renderDeployBuildspec(model.stages[0]);
    expect(dev.phases).not.toHaveProperty('pre_build');
    expect(dev.env).toEqual({ shell: 'bash', variables: { TARGET: 'dev', DEPLOY_STAGE: 'dev' } });
  });

  test('a synthesized repository has one managed deploy buildspec per stage, readable by any YAML reader, and a settings file without values', () => {
    const outdir = tempDir('promotion');
    process.env.PROJEN_DISABLE_POST = 'true';
    new CicdPipelineProject({ name: 'web-app', defaultReleaseBranch: 'main', outdir, pipeline: PROMOTION_PROPS }).synth();
    expect(fs.readdirSync(path.join(outdir, 'deploy')).sort()).toEqual(['dev.buildspec.yml', 'prod.buildspec.yml']);
    const files = JSON.parse(fs.readFileSync(path.join(outdir, '.projen', 'files.json'), 'utf-8')).files;
    expect(files).toEqual(expect.arrayContaining(['deploy/dev.buildspec.yml', 'deploy/prod.buildspec.yml']));
    for (const stage of model.stages) {
      const text = fs.readFileSync(path.join(outdir, 'deploy', `${stage.name}.buildspec.yml`), 'utf-8');
      for (const version of ['1.1', '1.2'] as const) expect(YAML.parse(text, { version })).toEqual(renderDeployBuildspec(stage));
    }
    expect(fs.readFileSync(path.join(outdir, 'PIPELINE.md'), 'utf-8')).toContain('deploy_1["deploy: prod (assumes its target role), rolls back on failure"]');
    const settings = fs.readFileSync(path.join(outdir, 'infra', 'pipeline-settings.json'), 'utf-8');
    expect(JSON.parse(settings).stages.map((s: any) => [s.name, s.buildspec, s.secrets])).toEqual([
      ['dev', 'deploy/dev.buildspec.yml', []],
      ['prod', 'deploy/prod.buildspec.yml', [SECRET_ARN, PARAMETER_ARN]],
    ]);
    fs.rmSync(outdir, { recursive: true, force: true });
  });
});

describe('the guardrails catch a broken promise', () => {
  let resources: RegisteredResource[];
  const run = (list: RegisteredResource[]): GuardrailRun => ({ settings: settingsFor(PROMOTION_PROPS), environment: 'prod', resources: list, beforeAuthorization: [] });
  const broken = (change: (copy: RegisteredResource[]) => void) => brokenCopy(resources, change);
  beforeAll(async () => {
    resources = await runUnderMocks(settingsFor(PROMOTION_PROPS), 'prod');
  });

  test.each<[string, string, (copy: RegisteredResource[]) => void]>([
    ['a privileged deploy project', 'no deploy stage can build an image: its project is not privileged, runs its own buildspec, and its role cannot push to ECR',
      copy => { one(copy, TYPES.project, 'deploy-dev').inputs.environment.privilegedMode = true; }],
    ['a deploy role that may push images', 'no deploy stage can build an image: its project is not privileged, runs its own buildspec, and its role cannot push to ECR',
      copy => editPolicy(copy, 'deploy-dev-policy', st => st.push({ Effect: 'Allow', Action: 'ecr:PutImage', Resource: '*' }))],
    ['a second role to assume', 'each deploy role may assume only its stage\'s target role, and no other role may assume any',
      copy => editPolicy(copy, 'deploy-prod-policy', st => st.push({ Effect: 'Allow', Action: 'sts:AssumeRole', Resource: 'arn:aws:iam::999999999999:role/admin' }))],
    ['the approval after the deploy', 'a stage that asks for approval waits for it before it deploys, and the request goes to the pipeline\'s topic',
      copy => { one(copy, TYPES.pipeline).inputs.stages[3].actions[0].runOrder = 3; }],
    ['an approval without the digest', 'every approval request shows the commit and the image digest, and links to the commit',
      copy => { one(copy, TYPES.pipeline).inputs.stages[3].actions[0].configuration.CustomData = 'Approve?'; }],
    ['a deploy action that rebuilds from source only', 'every deploy action receives the image the Build stage exported, and the Build stage\'s artifact',
      copy => { one(copy, TYPES.pipeline).inputs.stages[2].actions[0].inputArtifacts = ['source']; }],
    ['a secret granted twice', 'every secret is granted exactly once, to the role whose buildspec reads it, and to no other',
      copy => editPolicy(copy, 'build-policy', st => st.push({ Effect: 'Allow', Action: 'secretsmanager:GetSecretValue', Resource: SECRET_ARN }))],
    ['a secret granted to the wrong role', 'every secret is granted exactly once, to the role whose buildspec reads it, and to no other',
      copy => editPolicy(copy, 'deploy-dev-policy', st => st.push({ Effect: 'Allow', Action: 'ssm:GetParameters', Resource: PARAMETER_ARN }))],
    ['kms:Decrypt on any key without kms:ViaService', 'kms:Decrypt for secrets works only through Secrets Manager or Parameter Store, and only for the secrets granted',
      copy => editPolicy(copy, 'deploy-prod-policy', st => { delete st.find(s => s.Sid === 'DecryptSecrets').Condition.StringEquals['kms:ViaService']; })],
    ['no rollback on prod', 'a stage rolls back on failure exactly when configured (V2 onFailure ROLLBACK)',
      copy => { delete one(copy, TYPES.pipeline).inputs.stages[3].onFailure; }],
    ['SUPERSEDED despite the configured QUEUED', 'the execution mode is the configured one (QUEUED unless set, when there are deploy stages)',
      copy => { one(copy, TYPES.pipeline).inputs.executionMode = 'SUPERSEDED'; }],
  ])('%s', (_title, promise, change) => {
    const check = GUARDRAILS[promise];
    expect(check).toBeDefined();
    expect(() => check(run(resources))).not.toThrow();
    expect(() => check(run(broken(change)))).toThrow();
  });
});
