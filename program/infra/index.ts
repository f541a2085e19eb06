import * as path from 'path';
import * as pulumi from '@pulumi/pulumi';
import { CicdPipeline } from './pipeline';
import { ENVIRONMENT_CONFIG_KEY, ENVIRONMENT_VARIABLE, assertConfigured, assertProject, loadSettings, resolveEnvironment } from './settings';

const settings = loadSettings(path.join(__dirname, 'pipeline-settings.json'));
assertProject(settings, pulumi.getProject());
assertConfigured(settings);
const environment = resolveEnvironment(
  settings,
  new pulumi.Config().get(ENVIRONMENT_CONFIG_KEY),
  process.env[ENVIRONMENT_VARIABLE],
);

const pipeline = new CicdPipeline('pipeline', { settings, environment });

export const pipelineName = pipeline.pipelineName;
export const pipelineConsoleUrl = pipeline.pipelineConsoleUrl;
export const repositoryUrl = pipeline.repositoryUrl;
export const artifactBucket = pipeline.artifactBucket;
export const connectionArn = pipeline.connectionArn;
/** PENDING until someone authorizes the connection once in the AWS console. */
export const connectionStatus = pipeline.connectionStatus;
export const notificationTopicArn = pipeline.notificationTopicArn;
