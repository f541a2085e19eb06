import * as pulumi from '@pulumi/pulumi';
import { artifactStore } from './artifacts';
import { dockerBuild } from './build';
import { codePipeline } from './codepipeline';
import { pipelineKey } from './key';
import { executionNotifications } from './notifications';
import { imageRegistry } from './registry';
import { scopeOf } from './scope';
import { PipelineSettings } from './settings';
import { githubSource } from './source';

/** Type token of the component: part of every child's URN, so it never changes. */
export const PIPELINE_COMPONENT_TYPE = 'cicd-pipeline-type:index:CicdPipeline';

export interface CicdPipelineArgs {
  /** The rendered settings (`pipeline-settings.json`). */
  readonly settings: PipelineSettings;
  /** The stack's environment suffix, already validated. */
  readonly environment: string;
}

/**
 * The CI/CD pipeline of one repository: GitHub (CodeConnections) →
 * CodePipeline V2 → CodeBuild (docker build, push to ECR), with an encrypted
 * artifact bucket, least-privilege roles and EventBridge → SNS notifications.
 * Each part lives in the file named after it and returns what the next needs.
 *
 * Creation order where Pulumi cannot infer it from inputs:
 * 1. the roles' policies are attached before the build project and pipeline
 *    exist, so the first (automatic) execution does not fail on permissions;
 * 2. the bucket's versioning, encryption, public access block and TLS-only
 *    policy are in place before the pipeline writes its first artifact;
 * 3. the topic policy lets EventBridge publish before the rule targets it.
 */
export class CicdPipeline extends pulumi.ComponentResource {
  public readonly pipelineName: pulumi.Output<string>;
  public readonly pipelineConsoleUrl: pulumi.Output<string>;
  public readonly repositoryUrl: pulumi.Output<string>;
  public readonly artifactBucket: pulumi.Output<string>;
  public readonly connectionArn: pulumi.Output<string>;
  public readonly connectionStatus: pulumi.Output<string>;
  public readonly notificationTopicArn: pulumi.Output<string>;

  public constructor(name: string, args: CicdPipelineArgs, opts?: pulumi.ComponentResourceOptions) {
    super(PIPELINE_COMPONENT_TYPE, name, {}, opts);
    const { settings, environment } = args;
    const scope = scopeOf(this, settings, environment);

    const key = pipelineKey(scope);
    const source = githubSource(scope, settings.source);
    const artifacts = artifactStore(scope, key, settings.artifacts);
    const repository = imageRegistry(scope, key, settings.registry);
    const project = dockerBuild(scope, {
      key, bucket: artifacts.bucket, repository, build: settings.build, sourceRepository: settings.source.repository,
    });
    const pipeline = codePipeline(scope, {
      key, source, bucket: artifacts.bucket, waitFor: artifacts.configuration, project, settings: settings.source,
    });
    const topic = executionNotifications(scope, { key, pipelineName: pipeline.name, notifications: settings.notifications });

    this.pipelineName = pipeline.name;
    this.pipelineConsoleUrl = pulumi.interpolate`https://${scope.region}.console.aws.amazon.com/codesuite/codepipeline/pipelines/${pipeline.name}/view?region=${scope.region}`;
    this.repositoryUrl = repository.repositoryUrl;
    this.artifactBucket = artifacts.bucket.bucket;
    this.connectionArn = source.connectionArn;
    this.connectionStatus = source.connectionStatus;
    this.notificationTopicArn = topic.arn;
    this.registerOutputs({
      pipelineName: this.pipelineName,
      pipelineConsoleUrl: this.pipelineConsoleUrl,
      repositoryUrl: this.repositoryUrl,
      artifactBucket: this.artifactBucket,
      connectionArn: this.connectionArn,
      connectionStatus: this.connectionStatus,
      notificationTopicArn: this.notificationTopicArn,
    });
  }
}
