import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';
import { serviceRole, useKeyStatement } from './roles';
import { Scope } from './scope';
import { PipelineSettings } from './settings';
import { GithubSource } from './source';

/** Stage and action names the trigger refers to. */
const SOURCE_ACTION = 'Source';
const SOURCE_ARTIFACT = 'source';
const IMAGE_ARTIFACT = 'image';

export interface CodePipelineArgs {
  readonly key: aws.kms.Key;
  readonly source: GithubSource;
  readonly bucket: aws.s3.Bucket;
  /** What must be in place before the pipeline (and its automatic first run) exists. */
  readonly waitFor: pulumi.Resource[];
  readonly project: aws.codebuild.Project;
  readonly settings: PipelineSettings['source'];
}

/**
 * The CodePipeline V2 pipeline (Source → Build) and its role. The pipeline
 * waits for its role's policy and for everything in `waitFor`.
 */
export function codePipeline(scope: Scope, args: CodePipelineArgs): aws.codepipeline.Pipeline {
  const { key, source, bucket, project, settings } = args;
  const access = serviceRole(scope, 'pipeline', {
    roleName: scope.names.pipelineRole,
    service: 'codepipeline.amazonaws.com',
    statements: [
      {
        Sid: 'ReadWriteArtifacts',
        Effect: 'Allow',
        Action: ['s3:GetObject', 's3:GetObjectVersion', 's3:PutObject'],
        Resource: pulumi.interpolate`${bucket.arn}/*`,
      },
      {
        // CodePipeline checks the artifact store's versioning and location before each run.
        Sid: 'InspectArtifactBucket',
        Effect: 'Allow',
        Action: ['s3:GetBucketVersioning', 's3:GetBucketLocation', 's3:ListBucket'],
        Resource: bucket.arn,
      },
      {
        Sid: 'RunTheBuild',
        Effect: 'Allow',
        Action: ['codebuild:StartBuild', 'codebuild:BatchGetBuilds'],
        Resource: project.arn,
      },
      {
        Sid: 'UseTheConnection',
        Effect: 'Allow',
        Action: source.useConnectionAction,
        Resource: source.connectionArn,
      },
      useKeyStatement(key),
    ],
  });

  const push: aws.types.input.codepipeline.PipelineTriggerGitConfigurationPush = {
    branches: { includes: [settings.branch] },
    ...(settings.filePaths.length > 0 ? { filePaths: { includes: settings.filePaths } } : {}),
  };
  return new aws.codepipeline.Pipeline('pipeline', {
    name: scope.names.pipeline,
    // The provider's default is V1, which has no triggers.
    pipelineType: 'V2',
    roleArn: access.role.arn,
    // A single-region pipeline must not set `region` on its artifact store.
    artifactStores: [{ type: 'S3', location: bucket.bucket, encryptionKey: { id: key.arn, type: 'KMS' } }],
    stages: [
      {
        name: 'Source',
        actions: [{
          name: SOURCE_ACTION,
          category: 'Source',
          owner: 'AWS',
          provider: 'CodeStarSourceConnection',
          version: '1',
          outputArtifacts: [SOURCE_ARTIFACT],
          configuration: {
            ConnectionArn: source.connectionArn,
            FullRepositoryId: settings.repository,
            BranchName: settings.branch,
            OutputArtifactFormat: 'CODE_ZIP',
            // The trigger below starts executions; change detection would start them twice.
            DetectChanges: 'false',
          },
        }],
      },
      {
        name: 'Build',
        actions: [{
          name: 'Build',
          category: 'Build',
          owner: 'AWS',
          provider: 'CodeBuild',
          version: '1',
          inputArtifacts: [SOURCE_ARTIFACT],
          outputArtifacts: [IMAGE_ARTIFACT],
          configuration: { ProjectName: project.name },
        }],
      },
    ],
    triggers: [{
      providerType: 'CodeStarSourceConnection',
      gitConfiguration: { sourceActionName: SOURCE_ACTION, pushes: [push] },
    }],
    tags: scope.tags,
  }, { parent: scope.parent, dependsOn: [access.attachment, ...args.waitFor] });
}
