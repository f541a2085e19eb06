import * as path from 'path';
import * as pulumi from '@pulumi/pulumi';
import { pipelineForStack } from './pipeline';
import { ENVIRONMENT_CONFIG_KEY, ENVIRONMENT_VARIABLE, assertConfigured, assertProject, loadSettings, resolveEnvironment } from './settings';

const settings = loadSettings(path.join(__dirname, 'pipeline-settings.json'));
assertProject(settings, pulumi.getProject());
assertConfigured(settings);
const environment = resolveEnvironment(
  settings,
  new pulumi.Config().get(ENVIRONMENT_CONFIG_KEY),
  process.env[ENVIRONMENT_VARIABLE],
);

/**
 * Pulumi runs an exported function and takes what it returns as the stack's
 * outputs; being async, it can look the GitHub connection up before deciding
 * whether the pipeline may exist yet.
 */
export = async () => {
  const pipeline = await pipelineForStack(settings, environment);
  return {
    pipelineName: pipeline.pipelineName,
    pipelineConsoleUrl: pipeline.pipelineConsoleUrl,
    repositoryUrl: pipeline.repositoryUrl,
    artifactBucket: pipeline.artifactBucket,
    connectionArn: pipeline.connectionArn,
    /** PENDING until someone authorizes the connection once in the AWS console. */
    connectionStatus: pipeline.connectionStatus,
    notificationTopicArn: pipeline.notificationTopicArn,
    /** long-lived: destroy keeps the key, bucket and registry; ephemeral: destroy deletes them. */
    environmentLifecycle: pipeline.environmentLifecycle,
    /** Set while the pipeline waits for the connection to be authorized. */
    nextStep: pipeline.nextStep,
    /** With selfUpdate: the update stage's project, and the drift check's (`aws codebuild start-build --project-name ...`). */
    selfUpdateProject: pipeline.selfUpdateProject,
    driftCheckProject: pipeline.driftCheckProject,
    /** Each deploy stage's role ARN, by stage: the principal its target role's trust policy names. */
    deployRoleArns: pipeline.deployRoleArns,
  };
};
