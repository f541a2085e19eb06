import * as cloudwatch from '@pulumi/aws/cloudwatch';
import * as sns from '@pulumi/aws/sns';
import type * as types from '@pulumi/aws/types';
import * as pulumi from '@pulumi/pulumi';
import { topicNotice } from '../../parts/notifications';
import { Scope } from '../../scope';
import { DeployStageSettings, PipelineSettings, StageGuardSettings } from '../../settings';

/**
 * Release gates: CodePipeline V2 stage conditions on the deploy stages ("Configure conditions for a stage",
 * https://docs.aws.amazon.com/codepipeline/latest/userguide/stage-conditions.html). Entry conditions may
 * FAIL or SKIP, on-success conditions ROLLBACK or FAIL, on-failure ROLLBACK or RETRY; a condition holds
 * 1 to 5 rules (API Condition) and a stage has at most one condition of each kind (API BeforeEntryConditions,
 * "Fixed number of 1 item").
 */

/**
 * Rule names (API RuleDeclaration, name: 1 to 100 of `[A-Za-z0-9.@\-_]`). AWS CDK's RuleProps says a rule's
 * name "must be unique within the pipeline", which the API reference does not repeat: each name carries its
 * stage's name (CodePipeline's stage names use the same characters), cut from the stage's side to fit 100.
 */
const ruleName = (stage: string, suffix: string) => `${stage.slice(0, 100 - suffix.length - 1)}-${suffix}`;
export const windowRuleName = (stage: string) => ruleName(stage, 'DeploymentWindow');
export const healthRuleName = (stage: string, i: number) => ruleName(stage, `Health-${i + 1}`);
export const bakeRuleName = (stage: string, i: number) => ruleName(stage, `Bake-${i + 1}`);

/** Type of a rule: category Rule, owner AWS, version 1 (rule reference, "Rule type"). */
const ruleType = (provider: string) => ({ category: 'Rule', owner: 'AWS', provider, version: '1' });

/**
 * A CloudWatchAlarm rule that fails while the alarm is in ALARM (rule reference,
 * https://docs.aws.amazon.com/codepipeline/latest/userguide/rule-reference-CloudWatchAlarm.html:
 * AlarmName, AlarmStates, WaitTime in minutes; "In cases where the DeploymentWindow rule and the
 * CloudWatchAlarm rule are contained together in an entry condition, ... CodePipeline does not check the
 * CloudWatchAlarm alarm again" after the window opens, so the window rule comes first and an alarm that
 * fires while the execution waits for the window is not seen — the README says so).
 */
function alarmRule(name: string, alarm: string, waitMinutes?: number) {
  return {
    name,
    ruleTypeId: ruleType('CloudWatchAlarm'),
    configuration: {
      AlarmName: alarm,
      AlarmStates: 'ALARM',
      ...(waitMinutes !== undefined ? { WaitTime: String(waitMinutes) } : {}),
    },
  };
}

/** The DeploymentWindow rule (rule reference, https://docs.aws.amazon.com/codepipeline/latest/userguide/rule-reference-DeploymentWindow.html). */
function windowRule(stage: string, window: NonNullable<StageGuardSettings['window']>) {
  return { name: windowRuleName(stage), ruleTypeId: ruleType('DeploymentWindow'), configuration: { Cron: window.cron, TimeZone: window.timezone } };
}

export type StageConditions = Pick<types.input.codepipeline.PipelineStage, 'beforeEntry' | 'onSuccess' | 'onFailure'>;

/**
 * A deploy stage's conditions:
 * - entry: the window, then one CloudWatchAlarm rule per alarm; FAIL when one fails (the stage does not
 *   start; outside the window the execution waits at the entry);
 * - on success, with a bake: the alarms watched for `bakeMinutes` (WaitTime); ROLLBACK when one goes
 *   into ALARM ("Configuring stage rollback": to the last successful execution started in the current
 *   pipeline structure version, https://docs.aws.amazon.com/codepipeline/latest/userguide/stage-rollback.html);
 * - on failure: ROLLBACK (`rollbackOnFailure`) or RETRY of the failed actions (`retryOnFailure`; "You can
 *   only configure automatic retry on stage failure for one retry attempt", "Configuring stage retry",
 *   https://docs.aws.amazon.com/codepipeline/latest/userguide/stage-retry.html). FailureConditions.Result is
 *   one value, so never both (the library rejects that).
 * Without a guard and rollback the stage gets no conditions at all: its declaration is unchanged.
 */
export function stageConditions(stage: DeployStageSettings): StageConditions {
  const guard = stage.guard;
  const alarms = guard?.alarms.map(alarm => alarm.name) ?? [];
  const entryRules = [
    ...(guard?.window ? [windowRule(stage.name, guard.window)] : []),
    ...alarms.map((alarm, i) => alarmRule(healthRuleName(stage.name, i), alarm)),
  ];
  const bake = guard?.bakeMinutes;
  return {
    ...(entryRules.length > 0 ? { beforeEntry: { condition: { result: 'FAIL', rules: entryRules } } } : {}),
    ...(bake !== undefined ? {
      onSuccess: { condition: { result: 'ROLLBACK', rules: alarms.map((alarm, i) => alarmRule(bakeRuleName(stage.name, i), alarm, bake)) } },
    } : {}),
    ...(stage.rollbackOnFailure ? { onFailure: { result: 'ROLLBACK' } } : {}),
    ...(guard?.retryOnFailure ? { onFailure: { result: 'RETRY', retryConfiguration: { retryMode: 'FAILED_ACTIONS' } } } : {}),
  };
}

/** The stages that have a guard with alarms, a bake or a window: what the notifications watch. */
const guarded = (settings: PipelineSettings, has: (guard: StageGuardSettings) => boolean) =>
  settings.stages.filter(stage => stage.guard !== undefined && has(stage.guard)).map(stage => stage.name);

/**
 * The ARN of each alarm the gates read, in the stack's partition, region and account, each once. An ARN
 * the user gave must be of this region and account: the CloudWatchAlarm rule reads the alarm by name where
 * the pipeline runs (a rule declaration has `roleArn` and `region`, but AWS documents no alarm of another
 * account for this rule, so none is used). The library already checked the ARNs' shape and that they share one region;
 * this throws, stopping the deploy, for an ARN of another account or region than the stack's.
 */
export function alarmArnsFor(settings: PipelineSettings, partition: string, region: string, account: string): string[] {
  const arns = settings.stages.flatMap(stage => (stage.guard?.alarms ?? []).map(alarm => {
    const own = `arn:${partition}:cloudwatch:${region}:${account}:alarm:${alarm.name}`;
    if (alarm.arn !== undefined && alarm.arn !== own) {
      throw new Error(`Stage ${stage.name}: the alarm ${alarm.arn} is not in this stack's account ${account} and region ${region}; ` +
        'the CloudWatchAlarm rule reads alarms where the pipeline runs. Give an alarm of this account and region in guard.alarms.');
    }
    return own;
  }));
  return [...new Set(arns)];
}

/**
 * What the pipeline role needs for the gates: `cloudwatch:DescribeAlarms` on exactly the alarms (the
 * action takes the alarm resource type, "Actions, resources, and condition keys for Amazon CloudWatch",
 * https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazoncloudwatch.html); the
 * DeploymentWindow rule needs nothing. No statement without alarms.
 */
export function gateStatements(scope: Scope, settings: PipelineSettings): object[] {
  if (!settings.stages.some(stage => (stage.guard?.alarms.length ?? 0) > 0)) return [];
  const arns = pulumi.all([scope.partition, scope.region, scope.accountId])
    .apply(([partition, region, account]) => alarmArnsFor(settings, partition, region, account));
  return [{ Sid: 'ReadGateAlarms', Effect: 'Allow', Action: 'cloudwatch:DescribeAlarms', Resource: arns }];
}

/**
 * The physical names of the gates' EventBridge rules, `<pipeline>-gate-blocked|window|rollback`. They exist
 * only with a guard, so they are not among the rendered names (each `...Rule` of which the self-update
 * boundary lists, within IAM's size limit); one prefix lets a policy name them all as `rule/<pipeline>-gate-*`.
 * The pipeline's name is at most 31 lowercase letters, digits and hyphens (pipeline.name 20, environment 10),
 * so each stays within EventBridge's 64 characters of `[.\-_A-Za-z0-9]`.
 */
export const GATE_RULE_KINDS = ['blocked', 'window', 'rollback'] as const;
export const gateRuleName = (scope: Scope, kind: typeof GATE_RULE_KINDS[number]) => `${scope.names.pipeline}-gate-${kind}`;

/** The rules that publish the gates' notifications, by physical name (the topic policy names them before they exist). */
export function gateNotificationRules(scope: Scope, settings: PipelineSettings): string[] {
  return [
    ...(guarded(settings, g => g.alarms.length > 0).length > 0 ? [gateRuleName(scope, 'blocked')] : []),
    ...(guarded(settings, g => g.window !== undefined).length > 0 ? [gateRuleName(scope, 'window')] : []),
    ...(guarded(settings, g => g.bakeMinutes !== undefined).length > 0 ? [gateRuleName(scope, 'rollback')] : []),
  ];
}

export interface GateNotificationsArgs {
  readonly topic: sns.Topic;
  readonly topicPolicy: sns.TopicPolicy;
  readonly settings: PipelineSettings;
}

/** One notification: an EventBridge rule on the pipeline's events and its target, the topic, with a message of its own. */
interface GateNotification {
  readonly logicalName: string;
  readonly physicalName: string;
  readonly description: string;
  readonly detailType: string;
  readonly detail: Record<string, unknown>;
  readonly inputPaths: Record<string, string>;
  readonly message: string;
}

/**
 * The gates' notifications on the pipeline's topic, one rule and message per kind. CodePipeline sends
 * "CodePipeline Stage Execution State Change" and "CodePipeline Pipeline Execution State Change" to
 * EventBridge ("AWS CodePipeline events", https://docs.aws.amazon.com/eventbridge/latest/ref/events-ref-codepipeline.html),
 * and an automatic rollback is a new execution whose trigger type is `AutomatedRollback` (API
 * ExecutionTrigger, https://docs.aws.amazon.com/codepipeline/latest/APIReference/API_ExecutionTrigger.html).
 * No documented event says which condition failed or that an entry is waiting, so:
 * - `gate-blocked`: a stage with a health gate FAILED (its entry was blocked by an alarm, or its deploy failed);
 * - `gate-window`: an execution STARTED a stage with a window (outside the window it waits at the entry);
 * - `gate-rollback`: an execution STARTED by `AutomatedRollback` (a bake alarm rolled a stage back).
 * Logical names: the rule's, and `<rule>-to-topic` for its target; none without a guard.
 */
export function gateNotifications(scope: Scope, args: GateNotificationsArgs): void {
  const { settings, topic, topicPolicy } = args;
  const parent = { parent: scope.parent };
  const pipeline = scope.names.pipeline;
  const stagePaths = { pipeline: '$.detail.pipeline', execution: '$.detail.execution-id', stage: '$.detail.stage', region: '$.region' };
  const executionPaths = { pipeline: '$.detail.pipeline', execution: '$.detail.execution-id', region: '$.region' };
  const link = 'https://<region>.console.aws.amazon.com/codesuite/codepipeline/pipelines/<pipeline>/executions/<execution>/visualization?region=<region>';
  const stageEvent = 'CodePipeline Stage Execution State Change';
  const health = guarded(settings, g => g.alarms.length > 0);
  const windowed = guarded(settings, g => g.window !== undefined);
  const baked = guarded(settings, g => g.bakeMinutes !== undefined);
  const notifications: GateNotification[] = [
    ...(health.length > 0 ? [{
      logicalName: 'gate-blocked',
      physicalName: gateRuleName(scope, 'blocked'),
      description: `Health-gated stages of ${pipeline} that failed: entry blocked by an alarm, or the deploy failed`,
      detailType: stageEvent,
      detail: { pipeline: [pipeline], stage: health, state: ['FAILED'] },
      inputPaths: stagePaths,
      message: 'BLOCKED or failed: stage <stage> of <pipeline> FAILED in execution <execution>. Its entry is gated on health alarms: ' +
        'if one was in ALARM the stage did not start and nothing was deployed; otherwise its deploy failed. The stage\'s entry ' +
        `condition shows which. ${link}`,
    }] : []),
    ...(windowed.length > 0 ? [{
      logicalName: 'gate-window',
      physicalName: gateRuleName(scope, 'window'),
      description: `Stages of ${pipeline} with a deployment window that an execution reached`,
      detailType: stageEvent,
      detail: { pipeline: [pipeline], stage: windowed, state: ['STARTED'] },
      inputPaths: stagePaths,
      // CodePipeline's events do not say whether an entry condition is waiting (EventBridge's CodePipeline
      // events: pipeline, stage and action state changes only), so this says what is known: the stage is
      // reached, and it deploys now only when the window is open.
      message: 'WINDOW: execution <execution> of <pipeline> reached stage <stage>, which deploys only inside its deployment window: ' +
        `if the window is closed, the execution waits at the stage's entry until it opens. ${link}`,
    }] : []),
    ...(baked.length > 0 ? [{
      logicalName: 'gate-rollback',
      physicalName: gateRuleName(scope, 'rollback'),
      description: `Automatic rollbacks of ${pipeline} (bake alarms)`,
      detailType: 'CodePipeline Pipeline Execution State Change',
      detail: { 'pipeline': [pipeline], 'state': ['STARTED'], 'execution-trigger': { 'trigger-type': ['AutomatedRollback'] } },
      inputPaths: executionPaths,
      message: `ROLLBACK: an automatic rollback of <pipeline> started (execution <execution>): a bake alarm of ${baked.join(', ')} went ` +
        'into ALARM after the deploy (or a stage that rolls back on failure failed), so the stage deploys its last successful ' +
        `execution again. ${link}`,
    }] : []),
  ];
  for (const notification of notifications) {
    const rule = new cloudwatch.EventRule(notification.logicalName, {
      name: notification.physicalName,
      description: notification.description,
      eventPattern: pulumi.jsonStringify({ 'source': ['aws.codepipeline'], 'detail-type': [notification.detailType], 'detail': notification.detail }),
      state: 'ENABLED',
      tags: scope.tags,
    }, parent);
    topicNotice(scope, `${notification.logicalName}-to-topic`, {
      rule, topic, topicPolicy, inputPaths: notification.inputPaths, message: notification.message,
    });
  }
}
