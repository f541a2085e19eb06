/** Guardrails of the order of creation Pulumi cannot infer from inputs (pipeline.ts). */
import { BUCKET_CONFIGURATION, buildProjectOf, dependsOn, deployResource, executionsRuleOf, GuardrailPart, one, topicArnOf, TYPES } from './kit';

export const CREATION_ORDER: GuardrailPart = {
  part: 'creation order',
  checks: {
    'the pipeline waits for its role policy': ({ resources }) => {
      dependsOn(resources, one(resources, TYPES.pipeline), TYPES.attachment, 'pipeline-policy-attachment');
    },
    'the pipeline waits for the bucket\'s whole configuration (versioning to TLS-only policy) before its first artifact': ({ resources }) => {
      const pipeline = one(resources, TYPES.pipeline);
      for (const type of BUCKET_CONFIGURATION) dependsOn(resources, pipeline, type);
    },
    'every build project waits for its role\'s policies': ({ resources }) => {
      dependsOn(resources, buildProjectOf(resources), TYPES.attachment, 'build-policy-attachment');
      // A deploy stage's prefix (`deploy-a-`) may begin another's (`deploy-a-b`): those are checked by exact name below.
      for (const project of resources.filter(r => r.type === TYPES.project && !r.name.startsWith('deploy-'))) {
        const attachments = resources.filter(r => r.type === TYPES.attachment && r.name.startsWith(`${project.name}-`));
        expect({ project: project.name, attachments: attachments.length > 0 }).toEqual({ project: project.name, attachments: true });
        for (const attachment of attachments) dependsOn(resources, project, TYPES.attachment, attachment.name);
      }
    },
    'every deploy project waits for its role policy': ({ resources, settings }) => {
      for (const stage of settings.stages) {
        dependsOn(resources, deployResource(resources, TYPES.project, stage), TYPES.attachment, `deploy-${stage.name}-policy-attachment`);
      }
    },
    'every rule\'s target on the topic waits for the topic policy': ({ resources }) => {
      dependsOn(resources, one(resources, TYPES.target, 'executions-to-topic'), TYPES.topicPolicy);
      for (const target of resources.filter(r => r.type === TYPES.target && r.inputs.arn === topicArnOf(resources))) {
        dependsOn(resources, target, TYPES.topicPolicy);
      }
    },
    'the notification rule, its target and the topic policy exist before the pipeline, so its first run is reported': ({ resources }) => {
      const pipeline = one(resources, TYPES.pipeline);
      dependsOn(resources, pipeline, TYPES.rule, 'executions');
      dependsOn(resources, pipeline, TYPES.target, 'executions-to-topic');
      dependsOn(resources, pipeline, TYPES.topicPolicy);
      expect(executionsRuleOf(resources).dependencies).not.toContain(pipeline.urn);
    },
  },
};
