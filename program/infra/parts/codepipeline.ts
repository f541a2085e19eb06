import * as codebuild from '@pulumi/aws/codebuild';
import * as codepipeline from '@pulumi/aws/codepipeline';
import type * as types from '@pulumi/aws/types';
import * as pulumi from '@pulumi/pulumi';
import { ArtifactLocation } from './artifacts';
import { PipelineKey } from './key';
import { ServiceRole, serviceRole, useKeyStatement } from './roles';
import { Scope, inThisAccount } from '../scope';
import { PipelineSettings } from '../settings';
import { GithubSource } from './source';

/** Stage and action names the trigger refers to. */
const SOURCE_ACTION = 'Source';
/**
 * The artifacts later stages read: the source (the self-update stage, and deploy
 * stages at the built commit) and the build's image files (deploy stages).
 */
export const SOURCE_ARTIFACT = 'source';
export const IMAGE_ARTIFACT = 'image';
/**
 * Approvals read the commit as `#{SourceVariables.CommitId}` (CodeStarSourceConnection
 * action, output variables: "CodeStarSourceConnection for Bitbucket Cloud, GitHub, ...",
 * https://docs.aws.amazon.com/codepipeline/latest/userguide/action-reference-CodestarConnectionSource.html).
 */
export const SOURCE_VARIABLES_NAMESPACE = 'SourceVariables';
/**
 * Later actions read the build's exported variables as `#{BuildVariables.IMAGE_URI}`
 * (CodePipeline "Variables reference": https://docs.aws.amazon.com/codepipeline/latest/userguide/reference-variables.html).
 */
export const BUILD_VARIABLES_NAMESPACE = 'BuildVariables';

export interface PipelineRoleArgs {
  readonly key: PipelineKey;
  readonly source: GithubSource;
  readonly bucket: ArtifactLocation;
  readonly project: codebuild.Project;
  /** What later stages need besides (e.g. starting their projects). */
  readonly statements?: object[];
}

/**
 * The pipeline's role. It exists before the pipeline does (even while the
 * connection waits for authorization), so IAM has propagated it by the time
 * CodePipeline first assumes it.
 *
 * Compared with the policy of "Manage the CodePipeline service role"
 * (https://docs.aws.amazon.com/codepipeline/latest/userguide/how-to-custom-role.html) and the action
 * references of the two actions used, scoped to this stack's bucket, project and connection. Left out:
 * codebuild:BatchGetBuildBatches/StartBuildBatch (only for batch builds, which the Build action does not
 * enable) and everything for actions this pipeline does not have.
 */
export function pipelineRole(scope: Scope, args: PipelineRoleArgs): ServiceRole {
  const { key, source, bucket, project } = args;
  return serviceRole(scope, 'pipeline', {
    roleName: scope.names.pipelineRole,
    service: 'codepipeline.amazonaws.com',
    statements: [
      {
        Sid: 'ReadWriteArtifacts',
        Effect: 'Allow',
        Action: ['s3:GetObject', 's3:GetObjectVersion', 's3:PutObject', 's3:PutObjectAcl'],
        Resource: bucket.objects,
        Condition: inThisAccount(scope),
      },
      {
        // CodePipeline checks the artifact store's versioning, ACL and location before each run.
        // ListBucket is beyond AWS's minimum: without it S3 answers a missing artifact with 403, not 404
        // (Amazon S3 API Reference, GetObject, Permissions).
        Sid: 'InspectArtifactBucket',
        Effect: 'Allow',
        Action: ['s3:GetBucketVersioning', 's3:GetBucketAcl', 's3:GetBucketLocation', 's3:ListBucket'],
        Resource: bucket.arn,
        Condition: inThisAccount(scope),
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
      ...args.statements ?? [],
    ],
  });
}

export interface CodePipelineArgs {
  readonly key: PipelineKey;
  readonly source: GithubSource;
  readonly bucket: ArtifactLocation;
  readonly project: codebuild.Project;
  readonly role: ServiceRole;
  /** What must be in place before the pipeline (and its automatic first run) exists. */
  readonly waitFor: pulumi.Resource[];
  readonly settings: PipelineSettings['source'];
  /** CodePipeline's execution mode. */
  readonly executionMode: string;
  /** Stages between Source and Build (the self-update stage). */
  readonly afterSource?: types.input.codepipeline.PipelineStage[];
  /** The stages after Build, in order (deploy stages). */
  readonly stagesAfterBuild?: types.input.codepipeline.PipelineStage[];
}

/**
 * The CodePipeline V2 pipeline (Source → [UpdatePipeline →] Build → the stages
 * after it). It waits for its role's policy and for everything in `waitFor`: a
 * new pipeline starts its first execution at once ("Start a pipeline in CodePipeline", Pipeline creation:
 * https://docs.aws.amazon.com/codepipeline/latest/userguide/pipelines-about-starting.html).
 */
export function codePipeline(scope: Scope, args: CodePipelineArgs): codepipeline.Pipeline {
  const { key, source, bucket, project, role, settings } = args;
  const stagesAfterBuild = args.stagesAfterBuild ?? [];
  const push: types.input.codepipeline.PipelineTriggerGitConfigurationPush = {
    branches: { includes: [settings.branch] },
    ...(settings.filePaths.length > 0 ? { filePaths: { includes: settings.filePaths } } : {}),
  };
  return new codepipeline.Pipeline('pipeline', {
    name: scope.names.pipeline,
    // The provider's default is V1, which has no triggers.
    pipelineType: 'V2',
    executionMode: args.executionMode,
    roleArn: role.role.arn,
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
          // Only later stages read the source's variables; without them the source action stays as it was.
          ...(stagesAfterBuild.length > 0 ? { namespace: SOURCE_VARIABLES_NAMESPACE } : {}),
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
      ...args.afterSource ?? [],
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
          namespace: BUILD_VARIABLES_NAMESPACE,
          configuration: { ProjectName: project.name },
        }],
      },
      ...stagesAfterBuild,
    ],
    triggers: [{
      providerType: 'CodeStarSourceConnection',
      gitConfiguration: { sourceActionName: SOURCE_ACTION, pushes: [push] },
    }],
    tags: scope.versionedTags,
  }, { parent: scope.parent, dependsOn: [role.attachment, ...args.waitFor] });
}
