import * as cloudwatch from '@pulumi/aws/cloudwatch';
import * as sns from '@pulumi/aws/sns';
import * as pulumi from '@pulumi/pulumi';
import { Scope } from '../scope';
import { PipelineSettings } from '../settings';
import { PipelineKey } from './key';

export interface ExecutionNotificationsArgs {
  /** Encrypts the topic; its policy lets EventBridge use it. */
  readonly key: PipelineKey;
  readonly notifications: PipelineSettings['notifications'];
  /** Further rules of this stack that publish to the topic (by physical name: they are created later). */
  readonly alsoPublishing?: string[];
}

export interface ExecutionNotifications {
  readonly topic: sns.Topic;
  /** Lets EventBridge publish: a rule's target waits for it. */
  readonly topicPolicy: sns.TopicPolicy;
  /** The rule, its target and the topic policy: in place before the pipeline, whose first run they report. */
  readonly delivery: pulumi.Resource[];
}

/**
 * EventBridge → SNS: a rule on the pipeline's execution state changes, an
 * encrypted topic that only this rule may publish to, and the e-mail
 * subscriptions. The rule's target waits for the topic policy.
 *
 * They are created before the pipeline, so the rule names the pipeline by its
 * physical name rather than by the pipeline resource.
 */
export function executionNotifications(scope: Scope, args: ExecutionNotificationsArgs): ExecutionNotifications {
  const { notifications } = args;
  const others = (args.alsoPublishing ?? []).map(name => pulumi.interpolate`arn:${scope.partition}:events:${scope.region}:${scope.accountId}:rule/${name}`);
  const parent = { parent: scope.parent };
  const topic = new sns.Topic('notifications', {
    name: scope.names.notificationTopic,
    kmsMasterKeyId: args.key.arn,
    tags: scope.tags,
  }, parent);
  const rule = new cloudwatch.EventRule('executions', {
    name: scope.names.notificationRule,
    description: `Execution state changes of ${scope.names.pipeline}`,
    eventPattern: pulumi.jsonStringify({
      'source': ['aws.codepipeline'],
      'detail-type': ['CodePipeline Pipeline Execution State Change'],
      'detail': { pipeline: [scope.names.pipeline], state: notifications.states },
    }),
    state: 'ENABLED',
    tags: scope.tags,
  }, parent);
  const topicPolicy = new sns.TopicPolicy('notifications-policy', {
    arn: topic.arn,
    policy: pulumi.jsonStringify({
      Version: '2012-10-17',
      Statement: [{
        Sid: 'EventBridgePublishes',
        Effect: 'Allow',
        Principal: { Service: 'events.amazonaws.com' },
        Action: 'sns:Publish',
        Resource: topic.arn,
        // The source condition belongs here, not on the topic's key (see key.ts).
        Condition: { ArnEquals: { 'aws:SourceArn': others.length > 0 ? [rule.arn, ...others] : rule.arn } },
      }],
    }),
  }, parent);
  const target = new cloudwatch.EventTarget('executions-to-topic', {
    rule: rule.name,
    arn: topic.arn,
  }, { ...parent, dependsOn: [topicPolicy] });
  for (const email of notifications.emails) {
    new sns.TopicSubscription(`notify-${email}`, { topic: topic.arn, protocol: 'email', endpoint: email }, parent);
  }
  return { topic, topicPolicy, delivery: [rule, topicPolicy, target] };
}

/** A rule's own message on the pipeline's topic: what `topicNotice` needs. */
export interface TopicNoticeArgs {
  readonly rule: cloudwatch.EventRule;
  readonly topic: sns.Topic;
  /** The topic policy that lets the rule publish: the target waits for it, so that the first event is delivered. */
  readonly topicPolicy: pulumi.Resource;
  /** The event fields the message quotes, by placeholder (`<name>` in the message). */
  readonly inputPaths: Record<string, string>;
  readonly message: string;
}

/**
 * Sends each event `rule` matches to the topic as `message`, its placeholders filled from the event. The template
 * is a JSON string, which the topic delivers as the e-mail's text ("Amazon EventBridge input transformation").
 * Logical name `logicalName`: the features' names (`gate-scan-to-topic`, …) stay what they were.
 */
export function topicNotice(scope: Scope, logicalName: string, args: TopicNoticeArgs): cloudwatch.EventTarget {
  return new cloudwatch.EventTarget(logicalName, {
    rule: args.rule.name,
    arn: args.topic.arn,
    inputTransformer: { inputPaths: args.inputPaths, inputTemplate: JSON.stringify(args.message) },
  }, { parent: scope.parent, dependsOn: [args.topicPolicy] });
}
