import * as codebuild from '@pulumi/aws/codebuild';
import type * as types from '@pulumi/aws/types';
import { stackVariables, stateStatements } from './backend';
import { SplitStatements, StackResources, manageStatements, ownLogsStatement, passRoleStatements, projectStatements } from './stack-access';
import { stackRunner } from './stack-runner';
import { ArtifactLocation } from '../../parts/artifacts';
import { SOURCE_ARTIFACT } from '../../parts/codepipeline';
import { useKeyStatement } from '../../parts/roles';
import { Scope, inThisAccount } from '../../scope';
import { SelfUpdateSettings } from '../../settings';

/** The stage and action names of the self-update (CDK Pipelines calls its stage UpdatePipeline, too). */
export const SELF_UPDATE_STAGE = 'UpdatePipeline';
export const SELF_UPDATE_ACTION = 'SelfUpdate';

/** What the update role's grants depend on (its boundary is built from them before any role exists). */
export interface UpdateAccessArgs extends StackResources {
  readonly selfUpdate: SelfUpdateSettings;
  readonly pulumiProject: string;
  readonly environment: string;
}

export interface SelfUpdateArgs extends StackResources {
  readonly bucket: ArtifactLocation;
  readonly selfUpdate: SelfUpdateSettings;
  /** `<organization>/<project>/<stack>`: the stack this pipeline belongs to. */
  readonly stack: string;
  readonly pulumiProject: string;
  readonly environment: string;
  readonly logRetentionDays: number;
}

export interface SelfUpdate {
  readonly project: codebuild.Project;
  /** The stage right after Source. */
  readonly stage: types.input.codepipeline.PipelineStage;
  /** What the pipeline's role needs to run it. */
  readonly pipelineStatement: object;
}

/**
 * The self-update: a stage right after Source whose CodeBuild project runs
 * `pulumi up` on this very stack with the repository's new program (the
 * managed `self-update.buildspec.yml`), so that a merged upgrade reaches the
 * pipeline without anyone running `npx projen deploy`.
 *
 * Updating a pipeline's definition cancels its running execution
 * (PipelineExecution status `Cancelled`: "The pipeline's definition was
 * updated before the pipeline execution could be completed", CodePipeline API
 * Reference), and "editing a pipeline does not rerun the most recent
 * revision" ("Edit a pipeline in CodePipeline"): the rest of the run would
 * never happen. So the build compares the pipeline's version before and after
 * (UpdatePipeline "increases the version number of the pipeline by 1") and
 * starts a fresh execution only when it changed. An update that changes
 * nothing never restarts, and an execution that this role itself started may
 * not restart again (no loop).
 *
 * Its role may manage this stack's resources only, and may create or change
 * a role only with the permissions boundary (boundary.ts).
 */
export function selfUpdateStage(scope: Scope, args: SelfUpdateArgs): SelfUpdate {
  const statements = updateStatements(scope, args);
  const runner = stackRunner(scope, {
    prefix: 'self-update',
    description: `Runs pulumi up on ${args.stack}, the stack of this pipeline, and restarts the pipeline when its definition changed`,
    projectName: 'updateProject',
    roleName: 'updateRole',
    logGroupName: 'updateLogGroup',
    key: args.key,
    selfUpdate: args.selfUpdate,
    logRetentionDays: args.logRetentionDays,
    statements: statements.resources,
    second: { name: 'updatePipelinePolicy', statements: statements.pipeline },
    third: { name: args.arns.updateProjectsPolicyName, statements: statements.projects ?? [] },
    source: { type: 'CODEPIPELINE', buildspec: args.selfUpdate.buildspecs.update },
    artifacts: { type: 'CODEPIPELINE' },
    environmentVariables: [
      ...stackVariables(args.selfUpdate, args.stack, args.environment),
      { name: 'PIPELINE_NAME', value: scope.names.pipeline, type: 'PLAINTEXT' },
      // The loop guard recognizes an execution this role started by the role's name in its trigger.
      { name: 'UPDATE_ROLE_NAME', value: scope.names.updateRole, type: 'PLAINTEXT' },
      // Where a stopped update says that a person must deploy (self-update-check.ts). Publishing takes sns:Publish on
      // the topic and, as it is encrypted, kms:GenerateDataKey* and kms:Decrypt on its key (Amazon SNS Developer
      // Guide, "Key management": what publishers to an encrypted topic need).
      { name: 'NOTIFICATION_TOPIC_ARN', value: args.arns.topic, type: 'PLAINTEXT' },
    ],
  });
  const stage: types.input.codepipeline.PipelineStage = {
    name: SELF_UPDATE_STAGE,
    actions: [{
      name: SELF_UPDATE_ACTION,
      category: 'Build',
      owner: 'AWS',
      provider: 'CodeBuild',
      version: '1',
      inputArtifacts: [SOURCE_ARTIFACT],
      configuration: {
        ProjectName: runner.project.name,
        // The execution the build belongs to, for the loop guard ("Variables reference": codepipeline.PipelineExecutionId).
        EnvironmentVariables: JSON.stringify([{ name: 'PIPELINE_EXECUTION_ID', value: '#{codepipeline.PipelineExecutionId}', type: 'PLAINTEXT' }]),
      },
    }],
  };
  const pipelineStatement = {
    Sid: 'RunTheSelfUpdate',
    Effect: 'Allow',
    Action: ['codebuild:StartBuild', 'codebuild:BatchGetBuilds'],
    Resource: runner.project.arn,
  };
  return { project: runner.project, stage, pipelineStatement };
}

/**
 * What `pulumi up` of this stack needs, on this stack's resources only: read
 * and change them in place, read the source artifact, use the pipeline's key,
 * and its state. Nothing here creates a role, changes who may assume one,
 * changes a boundary or a resource policy, creates a KMS grant, deletes a
 * stateful resource or rewrites this role's own grants (update-role-never.ts,
 * `UPDATE_ROLE_NEVER`, denies each in the update role's boundary):
 * what a self-update may not do stays a person's deploy.
 */
export function updateStatements(scope: Scope, args: UpdateAccessArgs): SplitStatements {
  const { arns, key } = args;
  const manage = manageStatements(scope, args);
  return {
    resources: [
      ...manage.resources,
      ownLogsStatement(arns, 'updateLogGroup'),
      {
        Sid: 'ReadSource',
        Effect: 'Allow',
        Action: ['s3:GetObject', 's3:GetObjectVersion'],
        Resource: arns.artifactObjects,
        Condition: inThisAccount(scope),
      },
      useKeyStatement(key),
      ...stateStatements(scope, args.selfUpdate, args.pulumiProject, args.environment, 'write'),
    ],
    pipeline: [
      ...manage.pipeline,
      ...passRoleStatements(arns),
    ],
    projects: projectStatements(scope, arns),
  };
}
