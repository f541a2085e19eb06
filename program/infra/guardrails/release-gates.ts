import { Check, GuardrailPart, TYPES, asList, one, statementsOf } from './kit';
import { MOCK_ACCOUNT, MOCK_REGION, RegisteredResource } from './mock-run';
import { bakeRuleName, healthRuleName, windowRuleName } from '../features/release-gates/release-gates';
import { DeployStageSettings } from '../settings';

/** The alarm ARN the pipeline role must be granted: in the stack's account and region under the mocks. */
const alarmArn = (name: string) => `arn:aws:cloudwatch:${MOCK_REGION}:${MOCK_ACCOUNT}:alarm:${name}`;
const alarmNames = (stage: DeployStageSettings) => stage.guard?.alarms.map(alarm => alarm.name) ?? [];
const cloudWatchAlarmRule = (name: string, alarm: string, waitTime?: number) => ({
  name,
  ruleTypeId: { category: 'Rule', owner: 'AWS', provider: 'CloudWatchAlarm', version: '1' },
  configuration: { AlarmName: alarm, AlarmStates: 'ALARM', ...(waitTime !== undefined ? { WaitTime: String(waitTime) } : {}) },
});

/** The release gates' promises (stage conditions, their alarm reads, their notifications), one check each. */
function releaseGateChecks(): Record<string, Check> {
  const stageOf = (resources: RegisteredResource[], name: string): any =>
    one(resources, TYPES.pipeline).inputs.stages.find((s: any) => s.name === name);
  const entryRules = (resources: RegisteredResource[], stage: DeployStageSettings): any[] => {
    const entry = stageOf(resources, stage.name)?.beforeEntry;
    if (entry !== undefined) expect({ stage: stage.name, result: entry.condition.result }).toEqual({ stage: stage.name, result: 'FAIL' });
    return entry?.condition.rules ?? [];
  };
  const gateTargets = (resources: RegisteredResource[]) => resources.filter(r => r.type === TYPES.target &&
    ['gate-blocked-to-topic', 'gate-window-to-topic', 'gate-rollback-to-topic'].includes(r.name));

  return {
    'a guarded stage does not start while one of its alarms is in ALARM (entry condition FAIL, one CloudWatchAlarm rule per alarm)': ({ resources, settings }) => {
      for (const stage of settings.stages) {
        const rules = entryRules(resources, stage).filter(rule => rule.ruleTypeId.provider === 'CloudWatchAlarm');
        const expected = alarmNames(stage).map((alarm, i) => cloudWatchAlarmRule(healthRuleName(stage.name, i), alarm));
        expect({ stage: stage.name, rules }).toEqual({ stage: stage.name, rules: expected });
      }
    },
    'a stage with a window enters only inside it (DeploymentWindow rule with the configured Cron and TimeZone, checked before its alarms)': ({ resources, settings }) => {
      for (const stage of settings.stages) {
        const rules = entryRules(resources, stage);
        const window = stage.guard?.window;
        expect({ stage: stage.name, first: window ? rules[0] : rules.find(rule => rule.ruleTypeId.provider === 'DeploymentWindow') }).toEqual({
          stage: stage.name,
          first: window ? {
            name: windowRuleName(stage.name),
            ruleTypeId: { category: 'Rule', owner: 'AWS', provider: 'DeploymentWindow', version: '1' },
            configuration: { Cron: window.cron, TimeZone: window.timezone },
          } : undefined,
        });
      }
    },
    'an entry condition holds at most 5 rules, and a stage without gates has none': ({ resources, settings }) => {
      for (const stage of settings.stages) {
        const declared = stageOf(resources, stage.name);
        const gated = alarmNames(stage).length > 0 || stage.guard?.window !== undefined;
        expect({ stage: stage.name, entry: declared.beforeEntry !== undefined }).toEqual({ stage: stage.name, entry: gated });
        expect(entryRules(resources, stage).length).toBeLessThanOrEqual(5);
      }
    },
    'a stage with a bake watches its alarms for the bake time after it succeeds and rolls back if one goes into ALARM': ({ resources, settings }) => {
      for (const stage of settings.stages) {
        const bake = stage.guard?.bakeMinutes;
        expect({ stage: stage.name, onSuccess: stageOf(resources, stage.name).onSuccess }).toEqual({
          stage: stage.name,
          onSuccess: bake === undefined ? undefined : {
            condition: { result: 'ROLLBACK', rules: alarmNames(stage).map((alarm, i) => cloudWatchAlarmRule(bakeRuleName(stage.name, i), alarm, bake)) },
          },
        });
      }
    },
    'a stage retries its failed actions once on failure exactly when configured (onFailure RETRY, FAILED_ACTIONS), never beside a rollback': ({ resources, settings }) => {
      for (const stage of settings.stages) {
        const onFailure = stageOf(resources, stage.name).onFailure;
        const retry = stage.guard?.retryOnFailure === true;
        expect({ stage: stage.name, retry: onFailure?.result === 'RETRY' }).toEqual({ stage: stage.name, retry });
        if (retry) expect(onFailure).toEqual({ result: 'RETRY', retryConfiguration: { retryMode: 'FAILED_ACTIONS' } });
        if (retry) expect(stage.rollbackOnFailure).toBe(false);
      }
    },
    'the pipeline role may read exactly the gates\' alarms (cloudwatch:DescribeAlarms on their ARNs), and nothing else of CloudWatch': ({ resources, settings }) => {
      const statements = statementsOf(one(resources, TYPES.policy, 'pipeline-policy'));
      const cloudwatch = statements.filter(st => asList(st.Action).some((a: string) => a.toLowerCase().startsWith('cloudwatch:')));
      const alarms = [...new Set(settings.stages.flatMap(alarmNames))];
      expect(cloudwatch).toEqual(alarms.length === 0 ? [] : [{
        Sid: 'ReadGateAlarms', Effect: 'Allow', Action: 'cloudwatch:DescribeAlarms', Resource: alarms.map(alarmArn),
      }]);
    },
    'blocked entries, window waits and automatic rollbacks reach the topic, each with its own message': ({ resources, settings }) => {
      const topic = statementsOf(one(resources, TYPES.topicPolicy))[0].Resource;
      const stagesWith = (has: (stage: DeployStageSettings) => boolean) => settings.stages.filter(has).map(stage => stage.name);
      const expected: Array<[string, string, string[] | undefined, string]> = [
        ['gate-blocked', 'CodePipeline Stage Execution State Change', stagesWith(stage => alarmNames(stage).length > 0), 'BLOCKED'],
        ['gate-window', 'CodePipeline Stage Execution State Change', stagesWith(stage => stage.guard?.window !== undefined), 'WINDOW'],
        ['gate-rollback', 'CodePipeline Pipeline Execution State Change', stagesWith(stage => stage.guard?.bakeMinutes !== undefined), 'ROLLBACK'],
      ];
      const present = expected.filter(([, , stages]) => (stages ?? []).length > 0);
      expect(gateTargets(resources).map(target => target.name).sort()).toEqual(present.map(([name]) => `${name}-to-topic`).sort());
      for (const [name, detailType, stages, marker] of present) {
        const pattern = JSON.parse(one(resources, TYPES.rule, name).inputs.eventPattern);
        expect(pattern['detail-type']).toEqual([detailType]);
        expect(pattern.detail.pipeline).toEqual([one(resources, TYPES.pipeline).inputs.name]);
        if (name === 'gate-rollback') expect(pattern.detail['execution-trigger']).toEqual({ 'trigger-type': ['AutomatedRollback'] });
        else expect(pattern.detail.stage).toEqual(stages);
        const target = one(resources, TYPES.target, `${name}-to-topic`).inputs;
        expect(target.arn).toBe(topic);
        expect(JSON.parse(target.inputTransformer.inputTemplate)).toMatch(new RegExp(`^${marker}\\b`));
      }
    },
  };
}

/** Guardrails of the release gates (features/release-gates/). */
export const RELEASE_GATES: GuardrailPart = { part: 'release gates', checks: releaseGateChecks() };
