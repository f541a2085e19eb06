import * as fs from 'fs';
import * as path from 'path';
import { PROMOTION_PROPS, REPO_ROOT, brokenCopy, settingsFor, tempDir } from './helpers';
import { alarmArnsFor } from '../program/infra/features/release-gates/release-gates';
import { GUARDRAILS, GuardrailRun, TYPES, asList, describeGuardrails, one, statementsOf } from '../program/infra/guardrails';
import { MOCK_ACCOUNT, MOCK_REGION, RegisteredResource, runUnderMocks } from '../program/infra/guardrails/mock-run';
import { CicdPipelineProject } from '../src';
import { GUIDE_PATH } from '../src/pipeline-guide';
import { resolvePipeline } from '../src/pipeline-model';
import { DeployStageProps, PipelineProps } from '../src/pipeline-props';
import { cronProblems, isIanaTimeZone } from '../src/release-gates';
import { PipelineConfigError } from '../src/validation';

/**
 * Issue 20: release gates (health-gated entry, bake with automatic rollback,
 * deployment windows, retry on failure) as CodePipeline V2 stage conditions.
 * On what the mocked engine registered for the README's example, on the
 * library's validation, and on the guardrails that consumers run.
 */

/** The README's "Release gates" example, evaluated exactly as written there. */
function readmeExample(): PipelineProps {
  const readme = fs.readFileSync(path.join(REPO_ROOT, 'README.md'), 'utf-8');
  const block = /<!-- release-gates-example[^>]*-->\n```ts\n([\s\S]*?)\n```/.exec(readme);
  if (!block) throw new Error('README.md has no release-gates-example block');
  return new Function(`return ({ ${block[1]} });`)().pipeline;
}

const EXAMPLE = readmeExample();
const WINDOW = { cron: '* * 9-15 ? * MON-THU', timezone: 'Europe/Berlin' };
const ALARMS = ['my-app-prod-5xx', 'my-app-prod-latency'];
const PIPELINE = 'my-app-prod';
const alarmArn = (name: string) => `arn:aws:cloudwatch:${MOCK_REGION}:${MOCK_ACCOUNT}:alarm:${name}`;
const ruleArn = (name: string) => `arn:aws:events:${MOCK_REGION}:${MOCK_ACCOUNT}:rule/${name}`;
const logical = (resources: RegisteredResource[]) => resources.map(r => r.urn.split('::').slice(2).join('::')).sort();
const stageNamed = (resources: RegisteredResource[], name: string) => one(resources, TYPES.pipeline).inputs.stages.find((s: any) => s.name === name);
const withStage = (props: PipelineProps, index: number, change: Partial<DeployStageProps> | Record<string, unknown>): PipelineProps => ({
  ...props, stages: props.stages!.map((stage, i) => (i === index ? { ...stage, ...change } as DeployStageProps : stage)),
});
const withGuard = (guard: unknown): PipelineProps => withStage(EXAMPLE, 1, { guard });
const rule = (provider: string, name: string, configuration: Record<string, string>) =>
  ({ name, ruleTypeId: { category: 'Rule', owner: 'AWS', provider, version: '1' }, configuration });

test('the README example is dev, then prod guarded by two alarms, a 30-minute bake and a weekday window in Berlin', () => {
  expect(EXAMPLE.stages!.map(stage => stage.name)).toEqual(['dev', 'prod']);
  expect(EXAMPLE.stages![1].guard).toEqual({ alarms: ALARMS, bakeMinutes: 30, window: WINDOW });
});

describe('under the mocks, the README example', () => {
  let resources: RegisteredResource[];
  let without: RegisteredResource[];
  beforeAll(async () => {
    resources = await runUnderMocks(settingsFor(EXAMPLE), 'prod');
    without = await runUnderMocks(settingsFor(withStage(EXAMPLE, 1, { guard: undefined })), 'prod');
  });

  test('prod enters only inside its window and while neither alarm is in ALARM: one entry condition, result FAIL, window first', () => {
    expect(stageNamed(resources, 'prod').beforeEntry).toEqual({
      condition: {
        result: 'FAIL',
        rules: [
          rule('DeploymentWindow', 'prod-DeploymentWindow', { Cron: WINDOW.cron, TimeZone: WINDOW.timezone }),
          rule('CloudWatchAlarm', 'prod-Health-1', { AlarmName: ALARMS[0], AlarmStates: 'ALARM' }),
          rule('CloudWatchAlarm', 'prod-Health-2', { AlarmName: ALARMS[1], AlarmStates: 'ALARM' }),
        ],
      },
    });
  });

  test('after its deploy succeeds, prod watches both alarms for 30 minutes and rolls back on ALARM (on success, ROLLBACK)', () => {
    expect(stageNamed(resources, 'prod').onSuccess).toEqual({
      condition: {
        result: 'ROLLBACK',
        rules: ALARMS.map((alarm, i) => rule('CloudWatchAlarm', `prod-Bake-${i + 1}`, { AlarmName: alarm, AlarmStates: 'ALARM', WaitTime: '30' })),
      },
    });
    expect(stageNamed(resources, 'prod')).not.toHaveProperty('onFailure');
  });

  test('only the guarded stage changes: dev is declared as before, prod gains exactly its two conditions', () => {
    expect(stageNamed(resources, 'dev')).toEqual(stageNamed(without, 'dev'));
    const { beforeEntry: _entry, onSuccess: _success, ...prod } = stageNamed(resources, 'prod');
    expect(prod).toEqual(stageNamed(without, 'prod'));
    expect(Object.keys(stageNamed(without, 'prod')).sort()).toEqual(['actions', 'name']);
  });

  test('the pipeline role may cloudwatch:DescribeAlarms exactly the two alarms, and the role without a guard may not', () => {
    const cloudwatch = (list: RegisteredResource[]) => statementsOf(one(list, TYPES.policy, 'pipeline-policy'))
      .filter(st => asList(st.Action).some((a: string) => a.startsWith('cloudwatch:')));
    expect(cloudwatch(resources)).toEqual([{ Sid: 'ReadGateAlarms', Effect: 'Allow', Action: 'cloudwatch:DescribeAlarms', Resource: ALARMS.map(alarmArn) }]);
    expect(cloudwatch(without)).toEqual([]);
  });

  test('a blocked entry, a window wait and a rollback each reach the topic with a message of their own', () => {
    const topic = `arn:aws:sns:${MOCK_REGION}:${MOCK_ACCOUNT}:${PIPELINE}-notifications`;
    const patterns = Object.fromEntries(['gate-blocked', 'gate-window', 'gate-rollback'].map(name =>
      [name, JSON.parse(one(resources, TYPES.rule, name).inputs.eventPattern)]));
    expect(patterns['gate-blocked']).toEqual({
      'source': ['aws.codepipeline'],
      'detail-type': ['CodePipeline Stage Execution State Change'],
      'detail': { pipeline: [PIPELINE], stage: ['prod'], state: ['FAILED'] },
    });
    expect(patterns['gate-window']).toEqual({
      'source': ['aws.codepipeline'],
      'detail-type': ['CodePipeline Stage Execution State Change'],
      'detail': { pipeline: [PIPELINE], stage: ['prod'], state: ['STARTED'] },
    });
    expect(patterns['gate-rollback']).toEqual({
      'source': ['aws.codepipeline'],
      'detail-type': ['CodePipeline Pipeline Execution State Change'],
      'detail': { 'pipeline': [PIPELINE], 'state': ['STARTED'], 'execution-trigger': { 'trigger-type': ['AutomatedRollback'] } },
    });
    const messages = ['gate-blocked', 'gate-window', 'gate-rollback'].map(name => {
      const target = one(resources, TYPES.target, `${name}-to-topic`);
      expect(target.inputs.arn).toBe(topic);
      expect(target.dependencies).toContain(one(resources, TYPES.topicPolicy).urn);
      return JSON.parse(target.inputs.inputTransformer.inputTemplate) as string;
    });
    expect(messages.map(message => message.split(':')[0])).toEqual(['BLOCKED or failed', 'WINDOW', 'ROLLBACK']);
    for (const message of messages) expect(message).toContain('/executions/<execution>/visualization');
    const [publish] = statementsOf(one(resources, TYPES.topicPolicy));
    expect(publish.Condition.ArnEquals['aws:SourceArn']).toEqual(
      [`${PIPELINE}-executions`, `${PIPELINE}-gate-blocked`, `${PIPELINE}-gate-window`, `${PIPELINE}-gate-rollback`].map(ruleArn));
  });

  test('the guard adds the three notification rules and their targets and nothing else; without it the URNs are today\'s', () => {
    const component = 'cicd-pipeline-type:index:CicdPipeline$';
    expect(logical(resources).filter(urn => !logical(without).includes(urn))).toEqual(['gate-blocked', 'gate-rollback', 'gate-window'].flatMap(name => [
      `${component}aws:cloudwatch/eventRule:EventRule::${name}`,
      `${component}aws:cloudwatch/eventTarget:EventTarget::${name}-to-topic`,
    ]).sort());
    expect(logical(without).filter(urn => !logical(resources).includes(urn))).toEqual([]);
  });
});

describe('without a guard nothing changes', () => {
  test('the rendered settings of issue 12\'s stages carry no guard, and their declarations no entry or success condition', async () => {
    const settings = settingsFor(PROMOTION_PROPS);
    expect(settings.stages.map(stage => Object.keys(stage).includes('guard'))).toEqual([false, false]);
    const resources = await runUnderMocks(settings, 'prod');
    expect(stageNamed(resources, 'dev')).not.toHaveProperty('beforeEntry');
    expect(stageNamed(resources, 'prod')).not.toHaveProperty('onSuccess');
    expect(stageNamed(resources, 'prod').onFailure).toEqual({ result: 'ROLLBACK' });
    expect(resources.filter(r => r.type === TYPES.rule).map(r => r.name)).toEqual(['executions']);
  });
});

describe('retry on failure, a window alone, an alarm by ARN', () => {
  const props = withStage(withStage(EXAMPLE, 1, {
    guard: { alarms: [alarmArn('my-app-prod-5xx')], retryOnFailure: true },
  }), 0, { guard: { window: { cron: '* 0/30 8-17 ? * MON-FRI', timezone: 'UTC' } } });
  let resources: RegisteredResource[];
  beforeAll(async () => {
    resources = await runUnderMocks(settingsFor(props), 'prod');
  });

  test('prod retries its failed actions once (on failure RETRY, FAILED_ACTIONS), reads its alarm by name, and has no bake', () => {
    const prod = stageNamed(resources, 'prod');
    expect(prod.onFailure).toEqual({ result: 'RETRY', retryConfiguration: { retryMode: 'FAILED_ACTIONS' } });
    expect(prod.beforeEntry.condition.rules).toEqual([rule('CloudWatchAlarm', 'prod-Health-1', { AlarmName: 'my-app-prod-5xx', AlarmStates: 'ALARM' })]);
    expect(prod).not.toHaveProperty('onSuccess');
    expect(resources.filter(r => r.type === TYPES.rule).map(r => r.name).sort()).toEqual(['executions', 'gate-blocked', 'gate-window']);
  });

  test('dev enters only inside its window, with no alarm rule and no alarm read for it', () => {
    expect(stageNamed(resources, 'dev').beforeEntry).toEqual({
      condition: {
        result: 'FAIL',
        rules: [
          rule('DeploymentWindow', 'dev-DeploymentWindow', { Cron: '* 0/30 8-17 ? * MON-FRI', TimeZone: 'UTC' }),
        ],
      },
    });
    const read = statementsOf(one(resources, TYPES.policy, 'pipeline-policy')).find(st => st.Sid === 'ReadGateAlarms');
    expect(read!.Resource).toEqual([alarmArn('my-app-prod-5xx')]);
  });

  test('an alarm ARN of another account or region than the stack\'s stops the deploy, naming the stage', () => {
    const foreign = settingsFor(withGuard({ alarms: ['arn:aws:cloudwatch:eu-west-1:999999999999:alarm:theirs'] }));
    expect(() => alarmArnsFor(foreign, 'aws', MOCK_REGION, MOCK_ACCOUNT))
      .toThrow(/^Stage prod: the alarm arn:aws:cloudwatch:eu-west-1:999999999999:alarm:theirs is not in this stack's account 123456789012/);
    const otherRegion = settingsFor(withGuard({ alarms: ['arn:aws:cloudwatch:us-east-1:123456789012:alarm:x'] }));
    expect(() => alarmArnsFor(otherRegion, 'aws', MOCK_REGION, MOCK_ACCOUNT)).toThrow(/region eu-west-1/);
    const own = settingsFor(withGuard({ alarms: [alarmArn('mine'), 'other'] }));
    expect(alarmArnsFor(own, 'aws', MOCK_REGION, MOCK_ACCOUNT)).toEqual([alarmArn('mine'), alarmArn('other')]);
  });
});

// The promises consumers check, on the configurations above.
describeGuardrails('the README\'s release-gates example', () => settingsFor(EXAMPLE), { environment: 'prod' });
describeGuardrails('a window-only stage and a retrying stage gated on an alarm ARN', () => settingsFor(
  withStage(withStage(EXAMPLE, 1, { guard: { alarms: [alarmArn('a')], retryOnFailure: true } }), 0, { guard: { window: WINDOW } }),
), { environment: 'prod' });
// With self-update only the gate that needs no permission or resource (the others are rejected with it, see below).
describeGuardrails('a self-updating pipeline with a retrying stage', () => settingsFor({
  ...withGuard({ retryOnFailure: true }),
  selfUpdate: { backendUrl: 's3://acme-pulumi-state/pipelines', secretsProvider: 'awskms://alias/pulumi-state' },
}), { environment: 'prod' });

describe('the guardrails catch a broken gate', () => {
  let resources: RegisteredResource[];
  const run = (list: RegisteredResource[]): GuardrailRun => ({ settings: settingsFor(EXAMPLE), environment: 'prod', resources: list, beforeAuthorization: [] });
  const broken = (change: (copy: RegisteredResource[]) => void) => brokenCopy(resources, change);
  const prodOf = (list: RegisteredResource[]) => one(list, TYPES.pipeline).inputs.stages.find((s: any) => s.name === 'prod');
  beforeAll(async () => {
    resources = await runUnderMocks(settingsFor(EXAMPLE), 'prod');
  });

  test.each<[string, string, (copy: RegisteredResource[]) => void]>([
    ['an alarm dropped from the entry', 'a guarded stage does not start while one of its alarms is in ALARM (entry condition FAIL, one CloudWatchAlarm rule per alarm)',
      copy => { prodOf(copy).beforeEntry.condition.rules.pop(); }],
    ['entry SKIP instead of FAIL', 'a guarded stage does not start while one of its alarms is in ALARM (entry condition FAIL, one CloudWatchAlarm rule per alarm)',
      copy => { prodOf(copy).beforeEntry.condition.result = 'SKIP'; }],
    ['the window after the alarms', 'a stage with a window enters only inside it (DeploymentWindow rule with the configured Cron and TimeZone, checked before its alarms)',
      copy => { prodOf(copy).beforeEntry.condition.rules.reverse(); }],
    ['another time zone', 'a stage with a window enters only inside it (DeploymentWindow rule with the configured Cron and TimeZone, checked before its alarms)',
      copy => { prodOf(copy).beforeEntry.condition.rules[0].configuration.TimeZone = 'UTC'; }],
    ['a bake of 5 minutes', 'a stage with a bake watches its alarms for the bake time after it succeeds and rolls back if one goes into ALARM',
      copy => { prodOf(copy).onSuccess.condition.rules[0].configuration.WaitTime = '5'; }],
    ['a bake that fails instead of rolling back', 'a stage with a bake watches its alarms for the bake time after it succeeds and rolls back if one goes into ALARM',
      copy => { prodOf(copy).onSuccess.condition.result = 'FAIL'; }],
    ['a retry nobody asked for', 'a stage retries its failed actions once on failure exactly when configured (onFailure RETRY, FAILED_ACTIONS), never beside a rollback',
      copy => { prodOf(copy).onFailure = { result: 'RETRY' }; }],
    ['alarm reads on every alarm', 'the pipeline role may read exactly the gates\' alarms (cloudwatch:DescribeAlarms on their ARNs), and nothing else of CloudWatch',
      copy => {
        const policy = one(copy, TYPES.policy, 'pipeline-policy');
        const doc = JSON.parse(policy.inputs.policy);
        doc.Statement.find((st: any) => st.Sid === 'ReadGateAlarms').Resource = `arn:aws:cloudwatch:${MOCK_REGION}:${MOCK_ACCOUNT}:alarm:*`;
        policy.inputs.policy = JSON.stringify(doc);
      }],
    ['a rollback message that says nothing', 'blocked entries, window waits and automatic rollbacks reach the topic, each with its own message',
      copy => { one(copy, TYPES.target, 'gate-rollback-to-topic').inputs.inputTransformer.inputTemplate = JSON.stringify('Pipeline event'); }],
  ])('%s', (_title, promise, change) => {
    const check = GUARDRAILS[promise];
    expect(check).toBeDefined();
    expect(() => check(run(resources))).not.toThrow();
    expect(() => check(run(broken(change)))).toThrow();
  });
});

describe('bad input is rejected with the option named', () => {
  const problemsOf = (props: PipelineProps, style: 'typescript' | 'python' = 'typescript'): readonly string[] => {
    try {
      resolvePipeline(props, { style });
    } catch (error) {
      if (error instanceof PipelineConfigError) return error.problems;
      throw error;
    }
    throw new Error('accepted');
  };
  const at = (option: string, fragment: string) => expect.arrayContaining([expect.stringMatching(
    new RegExp(`^${option.replace(/[.[\]]/g, '\\$&')}: .*${fragment.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`))]);
  const guard = 'pipeline.stages[1].guard';

  test.each<[string, unknown, string, string]>([
    ['an empty guard', {}, guard, 'has no gate'],
    ['an unknown gate', { alarm: ['x'] }, `${guard}.alarm`, 'is not an option'],
    ['an alarm name with a control character', { alarms: ['bad\nname'] }, `${guard}.alarms[0]`, 'control characters'],
    ['an alarm name of 256 characters', { alarms: ['a'.repeat(256)] }, `${guard}.alarms[0]`, '1 to 255 characters'],
    ['an alarm name with a wildcard', { alarms: ['prod-*'] }, `${guard}.alarms[0]`, 'IAM reads as wildcards'],
    ['an alarm name with an IAM policy variable', { alarms: ['prod-${aws:username}'] }, `${guard}.alarms[0]`, 'policy variable'],
    ['a malformed alarm ARN', { alarms: ['arn:aws:cloudwatch:eu-west-1:123:alarm:x'] }, `${guard}.alarms[0]`, 'is not a CloudWatch alarm ARN'],
    ['an alarm ARN of the wrong partition', { alarms: ['arn:aws:cloudwatch:cn-north-1:111122223333:alarm:x'] }, `${guard}.alarms[0]`, 'belongs to partition aws-cn'],
    ['alarm ARNs in two regions', { alarms: [alarmArn('a'), 'arn:aws:cloudwatch:us-east-1:111122223333:alarm:b'] }, `${guard}.alarms`, 'in the pipeline\'s own region only'],
    ['an alarm listed twice', { alarms: ['a', 'a'] }, `${guard}.alarms[1]`, 'listed twice'],
    ['six alarms', { alarms: ['a', 'b', 'c', 'd', 'e', 'f'] }, `${guard}.alarms`, 'at most 5 entries'],
    ['five alarms and a window', { alarms: ['a', 'b', 'c', 'd', 'e'], window: WINDOW }, `${guard}.alarms`, 'the window is one of them'],
    ['a bake of 0 minutes', { alarms: ['a'], bakeMinutes: 0 }, `${guard}.bakeMinutes`, 'must be from 1 to 180'],
    ['a bake of 181 minutes', { alarms: ['a'], bakeMinutes: 181 }, `${guard}.bakeMinutes`, 'must be from 1 to 180'],
    ['a bake without alarms', { bakeMinutes: 30 }, `${guard}.bakeMinutes`, 'list them in pipeline.stages[1].guard.alarms'],
    ['a cron with a wrapper', { window: { cron: 'cron(* * 9-15 ? * MON-THU)', timezone: 'UTC' } }, `${guard}.window.cron`, 'without a "cron(...)" wrapper'],
    ['a five-field cron', { window: { cron: '* 9-15 ? * MON-THU', timezone: 'UTC' } }, `${guard}.window.cron`, 'must have 6 fields'],
    ['seconds other than *', { window: { cron: '0 * 9-15 ? * MON-THU', timezone: 'UTC' } }, `${guard}.window.cron`, 'seconds must be "*"'],
    ['hour 24', { window: { cron: '* * 9-24 ? * MON-THU', timezone: 'UTC' } }, `${guard}.window.cron`, 'hours: "9-24"'],
    ['a reversed range', { window: { cron: '* * 15-9 ? * MON-THU', timezone: 'UTC' } }, `${guard}.window.cron`, 'write it from the lower value'],
    ['neither day field ?', { window: { cron: '* * 9-15 * * MON-THU', timezone: 'UTC' } }, `${guard}.window.cron`, 'exactly one of day-of-month and day-of-week'],
    ['a window on 30 February', { window: { cron: '* * * 30 FEB ?', timezone: 'UTC' } }, `${guard}.window.cron`, 'never opens'],
    ['a window in 2020 only', { window: { cron: '* * * ? * * 2020', timezone: 'UTC' } }, `${guard}.window.cron`, 'never opens'],
    ['an unknown time zone', { window: { cron: WINDOW.cron, timezone: 'Europe/Atlantis' } }, `${guard}.window.timezone`, 'is not an IANA time zone'],
    ['an offset for a time zone', { window: { cron: WINDOW.cron, timezone: '+01:00' } }, `${guard}.window.timezone`, 'is not an IANA time zone'],
    ['a window without a time zone', { window: { cron: WINDOW.cron } }, `${guard}.window.timezone`, 'is required'],
    ['retry that is not a boolean', { retryOnFailure: 'yes' }, `${guard}.retryOnFailure`, 'must be true or false'],
  ])('%s', (_title, value, option, fragment) => {
    expect(problemsOf(withGuard(value))).toEqual(at(option, fragment));
  });

  test('retry beside rollback on failure, and a bake in PARALLEL mode, are rejected (a failed stage retries or rolls back; PARALLEL has no rollback)', () => {
    const props = { ...withStage(EXAMPLE, 1, { rollbackOnFailure: true, guard: { alarms: ['a'], bakeMinutes: 30, retryOnFailure: true } }), executionMode: 'PARALLEL' as any };
    const problems = problemsOf(props);
    expect(problems).toEqual(at(`${guard}.retryOnFailure`, 'either retries or rolls back: unset pipeline.stages[1].rollbackOnFailure'));
    expect(problems).toEqual(at(`${guard}.bakeMinutes`, 'not available with pipeline.executionMode PARALLEL'));
  });

  test('health gates, windows and retries go together with selfUpdate (each role\'s ceiling covers them)', () => {
    const selfUpdate = { backendUrl: 's3://acme-pulumi-state/pipelines', secretsProvider: 'awskms://alias/pulumi-state' };
    expect(resolvePipeline({ ...EXAMPLE, selfUpdate }).stages[1].guard?.alarms.map(alarm => alarm.name)).toEqual(ALARMS);
    expect(resolvePipeline({ ...withGuard({ retryOnFailure: true }), selfUpdate }).stages[1].guard).toEqual({ alarms: [], retryOnFailure: true });
  });

  test('every problem at once, in Python spelling for .projenrc.py', () => {
    const problems = problemsOf(withGuard({ bakeMinutes: 500, window: { cron: '* * 25 ? * *', timezone: 'Nowhere' }, retry_on_failure: true }), 'python');
    expect(problems).toEqual([
      'pipeline.stages[1].guard.retry_on_failure: is not an option (known: alarms, bake_minutes, window, retry_on_failure)',
      expect.stringMatching(/^pipeline\.stages\[1\]\.guard\.window\.cron: hours: "25"/),
      'pipeline.stages[1].guard.window.timezone: "Nowhere" is not an IANA time zone (e.g. "Europe/Berlin", "America/New_York", "UTC")',
      'pipeline.stages[1].guard.bake_minutes: must be from 1 to 180 (got 500)',
      'pipeline.stages[1].guard.bake_minutes: a bake watches the stage\'s alarms for rollback: list them in pipeline.stages[1].guard.alarms',
    ]);
  });

  test('a project with a bad guard writes nothing', () => {
    const outdir = tempDir('bad-guard');
    process.env.PROJEN_DISABLE_POST = 'true';
    expect(() => new CicdPipelineProject({ name: 'my-app', defaultReleaseBranch: 'main', outdir, pipeline: withGuard({ bakeMinutes: 30 }) }).synth())
      .toThrow(/stages\[1\]\.guard\.bakeMinutes: a bake watches/);
    expect(fs.readdirSync(outdir)).toEqual([]);
    fs.rmSync(outdir, { recursive: true, force: true });
  });
});

describe('the DeploymentWindow cron and the time zone', () => {
  const now = new Date('2026-12-02T00:00:00Z');
  test.each([
    '* * 9-15 ? * MON-THU', '* * 9-15 ? * 2-5 2027', '* 0/15 * ? * *', '* */10 8-17 ? JAN-DEC MON-FRI *', '* * * L * ?', '* * * L-3 * ?',
    '* * * 15W * ?', '* * * ? * 6#3', '* * * ? * FRIL', '* * * 29 FEB ?', '* 0,30 22-23 ? * SAT,SUN', '* * * 31 JAN,APR ?',
  ])('%s opens', cron => {
    expect(cronProblems(cron, now)).toEqual([]);
  });

  test.each<[string, string]>([
    ['* * * 31 APR,JUN,SEP,NOV ?', 'never opens: no selected month has day 31'],
    ['* * * 30-31 2 ?', 'never opens'],
    ['* * * ? * * 1999-2025', 'every selected year (1999'],
    ['* * * ? * 6#6', 'week of the month other than 1 to 5'],
    ['* * * ? * MON-FUN', 'day-of-week: "MON-FUN"'],
    ['* * * ? 13 *', 'month: "13"'],
    ['* * * ? * * 2200', 'year: "2200"'],
    ['* 0/0 * ? * *', 'increment of 0'],
    ['* * * ? * ?', 'exactly one of day-of-month and day-of-week'],
    ['* ? * ? * *', '"?" is allowed only in day-of-month and day-of-week'],
  ])('%s is rejected', (cron, fragment) => {
    expect(cronProblems(cron, now).join('\n')).toContain(fragment);
  });

  test('IANA names (canonical or a link Node resolves) are time zones; offsets, abbreviations of nothing and unknown names are not', () => {
    for (const zone of ['Europe/Berlin', 'UTC', 'Etc/UTC', 'America/Argentina/Buenos_Aires', 'Europe/Kiev']) expect({ zone, ok: isIanaTimeZone(zone) }).toEqual({ zone, ok: true });
    for (const zone of ['+01:00', 'Europe/Atlantis', 'berlin time', '', 'Mars/Olympus_Mons']) expect({ zone, ok: isIanaTimeZone(zone) }).toEqual({ zone, ok: false });
  });
});

describe('the guide (PIPELINE.md) shows the gates', () => {
  const guideOf = (pipeline: PipelineProps) => {
    const outdir = tempDir('release-gates-guide');
    process.env.PROJEN_DISABLE_POST = 'true';
    new CicdPipelineProject({ name: 'my-app', defaultReleaseBranch: 'main', outdir, pipeline }).synth();
    const guide = fs.readFileSync(path.join(outdir, GUIDE_PATH), 'utf-8');
    fs.rmSync(outdir, { recursive: true, force: true });
    return guide;
  };

  test('the diagram puts prod\'s entry gate before its deploy and its bake after, and a table lists the gates', () => {
    const guide = guideOf(EXAMPLE);
    expect(guide).toContain(`gate_1{{"enter prod: inside window ${WINDOW.cron} ${WINDOW.timezone}, no alarm of 2 in ALARM"}}`);
    expect(guide).toContain('bake_1(["bake prod 30 min: an alarm in ALARM rolls back"])');
    expect(guide).toMatch(/deploy_0 --> gate_1\n[\s\S]*gate_1 --> deploy_1\n[\s\S]*deploy_1 --> bake_1/);
    expect(guide).toContain(`| \`prod\` | \`${ALARMS[0]}\`, \`${ALARMS[1]}\` | 30 min | \`${WINDOW.cron}\` Europe/Berlin | no |`);
  });

  test('without gates neither the diagram nor a gates table shows one', () => {
    expect(guideOf(PROMOTION_PROPS)).not.toMatch(/gate_\d|bake_\d|### Release gates/);
  });

  test('a synthesized repository from the README example has the gates in its settings', () => {
    const outdir = tempDir('release-gates');
    process.env.PROJEN_DISABLE_POST = 'true';
    new CicdPipelineProject({ name: 'my-app', defaultReleaseBranch: 'main', outdir, pipeline: EXAMPLE }).synth();
    const settings = JSON.parse(fs.readFileSync(path.join(outdir, 'infra', 'pipeline-settings.json'), 'utf-8'));
    expect(settings.stages[1].guard).toEqual({ alarms: ALARMS.map(name => ({ name })), bakeMinutes: 30, window: WINDOW, retryOnFailure: false });
    expect(settings.stages[0]).not.toHaveProperty('guard');
    fs.rmSync(outdir, { recursive: true, force: true });
  });
});
