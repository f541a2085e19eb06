import * as fs from 'fs';
import * as path from 'path';
import { PROMOTION_PROPS, SELF_UPDATE_S3, settingsFor, tempDir } from './helpers';
import { STOPPED, UNREADABLE, main } from '../program/infra/features/self-update/self-update-check';
import { CLASSIFIED_TYPES, OWN_PREFIX, StopReason, classifyPreview, isEngineOnly, stopMessage } from '../program/infra/features/self-update/self-update-classifier';
import { MOCK_ACCOUNT, RegisteredResource, runUnderMocks } from '../program/infra/guardrails/mock-run';

/**
 * Issue 17, "never half-applied": the update stage previews the stack and
 * applies only what its role may make; anything else stops it before any
 * change. The fixtures in test/preview-fixtures/ have the shape of
 * `pulumi preview --json` (the preview digest of pulumi/pulumi
 * `pkg/backend/display/json.go`: `steps` with `op`, `urn`, `oldState` and
 * `newState` (`type`, `inputs`), `diffReasons`, `detailedDiff`; a root stack
 * step of op `same`; `changeSummary`), one per kind of change. They were built
 * to that shape, not captured from a live AWS account.
 */

const FIXTURES = path.join(__dirname, 'preview-fixtures');
const fixture = (name: string) => JSON.parse(fs.readFileSync(path.join(FIXTURES, `${name}.json`), 'utf-8'));
const stoppedOf = (name: string) => classifyPreview(fixture(name)).stopped.map(change => [change.reason, change.name, change.op]);

describe('each recorded preview is applied or stopped for the right reason', () => {
  test.each<[string, Array<[StopReason, string, string]>]>([
    ['no-change', []],
    ['update-allowed', []],
    // A new stage's role comes with a new policy: CreatePolicy is not the update role's either.
    ['new-role', [['new-role', 'deploy-prod-role', 'create'], ['not-allowed', 'deploy-prod-policy', 'create']]],
    ['key-policy', [['resource-policy', 'key', 'update']]],
    ['bucket-policy', [['resource-policy', 'artifacts-tls-only', 'update']]],
    ['topic-policy', [['resource-policy', 'notifications-policy', 'update']]],
    ['boundary', [['boundary', 'boundary', 'update'], ['boundary', 'build-role', 'update']]],
    ['trust-policy', [['trust-policy', 'build-role', 'update']]],
    ['delete-bucket', [['stateful-data', 'artifacts', 'delete'], ['not-allowed', 'artifacts-versioning', 'delete']]],
    // One replacement shows as three steps; it is reported once.
    ['replace-key', [['stateful-data', 'key', 'create-replacement']]],
    // Removing a deploy stage deletes its project, log group, role and policy: none of them is the update role's to delete.
    ['remove-stage', [['not-allowed', 'deploy-staging', 'delete'], ['stateful-data', 'deploy-staging-logs', 'delete'],
      ['not-allowed', 'deploy-staging-policy-attachment', 'delete'], ['not-allowed', 'deploy-staging-policy', 'delete'],
      ['not-allowed', 'deploy-staging-role', 'delete']]],
    ['own-policy', [['own-permissions', 'self-update-pipeline-policy', 'update']]],
    // The pipeline's definition is the update role's to change, but not to drop an approval from.
    ['approval-removed', [['approval-removed', 'pipeline', 'update']]],
    // Finding 5: a role's tags can satisfy aws:PrincipalTag conditions elsewhere.
    ['role-tag-key', [['role-tag-key', 'build-role', 'update']]],
  ])('%s', (name, expected) => {
    expect(stoppedOf(name)).toEqual(expected);
  });

  test('an allowed preview lists every change it applies, and none of the unchanged resources', () => {
    const { allowed } = classifyPreview(fixture('update-allowed'));
    expect(allowed.map(change => change.urn.split('::').pop())).toEqual(['build', 'build-policy', 'build-logs', 'pipeline', 'notify-ops@acme.example', 'key']);
  });

  test('a change hidden among allowed ones still stops the whole update', () => {
    const mixed = fixture('update-allowed');
    mixed.steps.push(...fixture('trust-policy').steps.filter((step: any) => step.op !== 'same'));
    expect(classifyPreview(mixed).stopped.map(change => change.reason)).toEqual(['trust-policy']);
  });

  test('a property the role may not change on an otherwise allowed resource stops it (the key\'s deletion window)', () => {
    const preview = fixture('key-policy');
    preview.steps[1].diffReasons = ['deletionWindowInDays'];
    preview.steps[1].detailedDiff = { deletionWindowInDays: { kind: 'update', inputDiff: false } };
    expect(classifyPreview(preview).stopped.map(change => [change.reason, change.properties])).toEqual([['not-allowed', ['deletionWindowInDays']]]);
  });

  test('a shorter log retention or a new image lifecycle policy stops it (both delete data by rule)', () => {
    const preview = fixture('update-allowed');
    const logs = preview.steps.find((step: any) => step.urn.endsWith('::build-logs'));
    logs.diffReasons = ['retentionInDays'];
    logs.detailedDiff = { retentionInDays: { kind: 'update', inputDiff: true } };
    expect(classifyPreview(preview).stopped.map(change => [change.reason, change.name])).toEqual([['stateful-data', 'build-logs']]);
    const lifecycle = fixture('update-allowed');
    const asLifecyclePolicy = JSON.stringify(lifecycle.steps[1])
      .split('aws:codebuild/project:Project::build"').join('aws:ecr/lifecyclePolicy:LifecyclePolicy::registry-lifecycle"')
      .split('aws:codebuild/project:Project').join('aws:ecr/lifecyclePolicy:LifecyclePolicy');
    lifecycle.steps = [lifecycle.steps[0], { ...JSON.parse(asLifecyclePolicy), diffReasons: ['policy'], detailedDiff: { policy: { kind: 'update', inputDiff: true } } }];
    expect(classifyPreview(lifecycle).stopped.map(change => [change.reason, change.name])).toEqual([['stateful-data', 'registry-lifecycle']]);
  });

  test('a project moved to another service role stops it (UpdateProject is granted only with the project\'s own role)', () => {
    const preview = fixture('update-allowed');
    const project = preview.steps.find((step: any) => step.urn.endsWith('::build'));
    project.diffReasons = ['serviceRole'];
    project.detailedDiff = { serviceRole: { kind: 'update', inputDiff: true } };
    expect(classifyPreview(preview).stopped.map(change => [change.reason, change.name])).toEqual([['not-allowed', 'build']]);
  });

  test('adding an approval, or changing stages that keep every approval, is applied', () => {
    const removed = fixture('approval-removed');
    const [before, after] = [removed.steps[1].oldState, removed.steps[1].newState];
    const added = { ...removed, steps: [{ ...removed.steps[1], oldState: after, newState: before }] };
    expect(classifyPreview(added).stopped).toEqual([]);
    const renamed = JSON.parse(JSON.stringify(added));
    renamed.steps[0].newState.inputs.stages[1].actions[0].name = 'BuildImage';
    expect(classifyPreview(renamed).stopped).toEqual([]);
  });

  test('a new value of a tag key a role carries already is applied (settings change tag values)', () => {
    const preview = fixture('role-tag-key');
    preview.steps[1].newState.inputs.tags = { ...preview.steps[1].oldState.inputs.tags, Environment: 'development' };
    expect(classifyPreview(preview).stopped).toEqual([]);
  });

  test('an unknown resource type or operation stops the update (fail closed)', () => {
    const urn = 'urn:pulumi:dev::web-app::cicd-pipeline-type:index:CicdPipeline$aws:lambda/function:Function::hook';
    expect(classifyPreview({ steps: [{ op: 'create', urn }] }).stopped.map(change => change.reason)).toEqual(['not-allowed']);
    const role = 'urn:pulumi:dev::web-app::cicd-pipeline-type:index:CicdPipeline$aws:iam/role:Role::build-role';
    expect(classifyPreview({ steps: [{ op: 'import', urn: role }] }).stopped.map(change => change.reason)).toEqual(['not-allowed']);
  });

  test('what is not a preview digest is refused, never read as "no changes"', () => {
    expect(() => classifyPreview({ diagnostics: [] })).toThrow(/not the output of pulumi preview --json/);
    expect(() => classifyPreview(null)).toThrow(/not the output/);
    expect(() => classifyPreview({ steps: [{ urn: 'x' }] })).toThrow(/without "op" and "urn"/);
  });
});

describe('the message names each resource and says what a person runs', () => {
  test('grouped by reason, with the stack, the pipeline and npx projen deploy', () => {
    const preview = fixture('new-role');
    preview.steps.push(...fixture('key-policy').steps.slice(1));
    const message = stopMessage(classifyPreview(preview).stopped, { stack: 'organization/web-app/dev', pipeline: 'web-app-dev' });
    expect(message).toMatch(/^The self-update of organization\/web-app\/dev \(pipeline web-app-dev\) stopped before changing anything/);
    expect(message).toContain('a new role (a role\'s trust policy decides who may use it):\n  - aws:iam/role:Role "deploy-prod-role" (create)');
    expect(message).toMatch(/a resource policy .*:\n {2}- aws:kms\/key:Key "key" \(update of policy\)/);
    expect(message).toContain('Run `npx projen deploy` as a person');
    expect(message).toContain('pulumi stack select dev');
  });
});

describe('the gate (self-update-check.ts) as the buildspec runs it', () => {
  const dir = tempDir('self-update-check');
  const run = (preview: string | object) => {
    const file = path.join(dir, 'preview.json');
    fs.writeFileSync(file, typeof preview === 'string' ? preview : JSON.stringify(preview));
    const messageFile = path.join(dir, `stopped-${Math.random()}.txt`);
    const status = main([file, messageFile], { PULUMI_STACK: 'organization/web-app/dev', PIPELINE_NAME: 'web-app-dev' });
    return { status, message: fs.existsSync(messageFile) ? fs.readFileSync(messageFile, 'utf-8') : undefined };
  };
  let errors: jest.SpyInstance;
  let logs: jest.SpyInstance;
  beforeEach(() => {
    errors = jest.spyOn(console, 'error').mockImplementation(() => undefined);
    logs = jest.spyOn(console, 'log').mockImplementation(() => undefined);
  });
  afterEach(() => jest.restoreAllMocks());

  test('an allowed preview exits 0 and writes no message', () => {
    expect(run(fixture('update-allowed'))).toEqual({ status: 0, message: undefined });
    expect(logs).toHaveBeenCalledWith(expect.stringMatching(/may make every change of this preview \(6\)/));
  });

  test('a stopped preview exits STOPPED and writes the message it also logs', () => {
    const { status, message } = run(fixture('bucket-policy'));
    expect(status).toBe(STOPPED);
    expect(message).toMatch(/aws:s3\/bucketPolicy:BucketPolicy "artifacts-tls-only" \(update of policy\)/);
    expect(errors).toHaveBeenCalledWith(message!.trimEnd());
  });

  test('a preview that is not JSON stops the stage too', () => {
    expect(run('error: preview failed').status).toBe(UNREADABLE);
    expect(errors).toHaveBeenCalledWith(expect.stringMatching(/could not be read .*Nothing was applied/));
  });
});

describe('the classifier knows the program it guards (selfUpdate, two stages, secrets, assumeRoleArn)', () => {
  let resources: RegisteredResource[];
  beforeAll(async () => {
    resources = await runUnderMocks(settingsFor({ ...PROMOTION_PROPS, selfUpdate: SELF_UPDATE_S3 }), 'dev');
  });

  test('every resource type the program registers has a rule (none stops only for being unknown)', () => {
    const types = [...new Set(resources.map(r => r.type))].filter(type => !isEngineOnly(type));
    expect(types.filter(type => !CLASSIFIED_TYPES.includes(type))).toEqual([]);
  });

  test('the update role\'s own policies and attachments are the ones its prefix names', () => {
    const updateRole = resources.find(r => r.type === 'aws:iam/role:Role' && r.name === `${OWN_PREFIX}role`)!;
    const attachments = resources.filter(r => r.type === 'aws:iam/rolePolicyAttachment:RolePolicyAttachment' && r.inputs.role === updateRole.inputs.name);
    expect(attachments.length).toBeGreaterThan(0);
    for (const attachment of attachments) {
      expect(attachment.name.startsWith(OWN_PREFIX)).toBe(true);
      const policyName = attachment.inputs.policyArn.split('/').pop();
      const policy = resources.find(r => r.type === 'aws:iam/policy:Policy' && r.inputs.name === policyName)!;
      const step = { op: 'update', urn: policy.urn, diffReasons: ['policy'] };
      expect(classifyPreview({ steps: [step] }).stopped.map(change => change.reason)).toEqual(['own-permissions']);
    }
  });

  test('every policy a role carries as its boundary is classified as a boundary', () => {
    const boundaries = new Set(resources.filter(r => r.type === 'aws:iam/role:Role').map(r => r.inputs.permissionsBoundary).filter(Boolean));
    expect(boundaries.size).toBeGreaterThan(0);
    for (const arn of boundaries) {
      const policy = resources.find(r => r.type === 'aws:iam/policy:Policy' && `arn:aws:iam::${MOCK_ACCOUNT}:policy/${r.inputs.name}` === arn)!;
      expect({ arn, found: policy !== undefined }).toEqual({ arn, found: true });
      const step = { op: 'update', urn: policy.urn, diffReasons: ['policy'] };
      expect(classifyPreview({ steps: [step] }).stopped.map(change => change.reason)).toEqual(['boundary']);
    }
  });

  test('deploying the whole program from nothing is a person\'s deploy (it creates roles)', () => {
    const steps = resources.map(r => ({ op: 'create', urn: r.urn, newState: { type: r.type, inputs: {} } }));
    expect(classifyPreview({ steps }).stopped.filter(change => change.reason === 'new-role').length).toBeGreaterThan(3);
  });
});
