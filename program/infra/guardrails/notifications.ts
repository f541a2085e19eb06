/** Guardrails of the execution notifications (parts/notifications.ts). */
import { asList, executionsRuleOf, GuardrailPart, keyStatementForEvents, one, pipelineOf, statementsOf, topicArnOf, TYPES } from './kit';
import { MOCK_ACCOUNT, MOCK_REGION } from './mock-run';

export const NOTIFICATIONS: GuardrailPart = {
  part: 'notifications',
  checks: {
    'no EventBridge rule listens for CodeCommit (it can never fire for GitHub)': ({ resources }) => {
      // A scheduled rule (the drift check's) has no event pattern.
      for (const rule of resources.filter(r => r.type === TYPES.rule && r.inputs.eventPattern)) {
        expect(JSON.parse(rule.inputs.eventPattern).source).not.toContain('aws.codecommit');
      }
    },
    'the notification rule follows this pipeline\'s executions in the configured states': ({ resources, settings }) => {
      const pattern = JSON.parse(executionsRuleOf(resources).inputs.eventPattern);
      expect(pattern.source).toEqual(['aws.codepipeline']);
      expect(pattern['detail-type']).toEqual(['CodePipeline Pipeline Execution State Change']);
      expect(pattern.detail.pipeline).toEqual([pipelineOf(resources).name]);
      expect(pattern.detail.state).toEqual(settings.notifications.states);
    },
    'the notification rule is enabled with `state` (not the deprecated isEnabled)': ({ resources }) => {
      const rule = executionsRuleOf(resources).inputs;
      expect(rule.state).toBe('ENABLED');
      expect(rule).not.toHaveProperty('isEnabled');
    },
    'the topic is KMS-encrypted and only this stack\'s rules that target it may publish to it (aws:SourceArn on the topic policy)': ({ resources }) => {
      const topic = one(resources, TYPES.topic);
      expect(topic.inputs.kmsMasterKeyId).toBeTruthy();
      const [publish] = statementsOf(one(resources, TYPES.topicPolicy));
      expect(publish).toMatchObject({ Effect: 'Allow', Principal: { Service: 'events.amazonaws.com' }, Action: 'sns:Publish' });
      // The executions rule, and with self-update the drift check's failures: the rules whose target is the topic.
      const publishers = resources.filter(r => r.type === TYPES.target && r.inputs.arn === topicArnOf(resources))
        .map(target => target.inputs.rule);
      expect(publishers).toContain(executionsRuleOf(resources).inputs.name);
      expect(asList(publish.Condition.ArnEquals['aws:SourceArn']).sort())
        .toEqual(publishers.map(name => `arn:aws:events:${MOCK_REGION}:${MOCK_ACCOUNT}:rule/${name}`).sort());
    },
    'no aws:SourceArn or aws:SourceAccount condition for EventBridge on the topic\'s key (SNS does not support them there)': ({ resources }) => {
      const forEvents = keyStatementForEvents(resources);
      expect(JSON.stringify(forEvents.Condition ?? {})).not.toMatch(/aws:SourceArn|aws:SourceAccount|aws:SourceOrgID/i);
    },
    'the topic\'s key lets EventBridge encrypt for this topic only (kms:EncryptionContext:aws:sns:topicArn)': ({ resources }) => {
      const forEvents = keyStatementForEvents(resources);
      expect(forEvents.Action).toEqual(expect.arrayContaining(['kms:GenerateDataKey*', 'kms:Decrypt']));
      // The ARN the program builds from the topic's name must be the ARN AWS gives the topic.
      const topicArn = statementsOf(one(resources, TYPES.topicPolicy))[0].Resource;
      expect(topicArn).toBe(`arn:aws:sns:${MOCK_REGION}:${MOCK_ACCOUNT}:${one(resources, TYPES.topic).inputs.name}`);
      expect(forEvents.Condition).toEqual({ StringEquals: { 'kms:EncryptionContext:aws:sns:topicArn': topicArn } });
    },
    'every configured e-mail address (notifications and approvals) is subscribed once': ({ resources, settings }) => {
      const emails = resources.filter(r => r.type === TYPES.subscription).map(r => r.inputs.endpoint.toLowerCase());
      const configured = [...settings.notifications.emails, ...settings.stages.flatMap(stage => stage.manualApproval?.emails ?? [])];
      expect(emails.sort()).toEqual([...new Set(configured.map(email => email.toLowerCase()))].sort());
    },
  },
};
