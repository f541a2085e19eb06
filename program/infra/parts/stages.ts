import * as cloudwatch from '@pulumi/aws/cloudwatch';
import * as codebuild from '@pulumi/aws/codebuild';
import * as sns from '@pulumi/aws/sns';
import type * as types from '@pulumi/aws/types';
import * as pulumi from '@pulumi/pulumi';
import { ArtifactLocation } from './artifacts';
import { ProjectAdditions } from './build';
import { BUILD_VARIABLES_NAMESPACE, IMAGE_ARTIFACT, SOURCE_ARTIFACT, SOURCE_VARIABLES_NAMESPACE } from './codepipeline';
import { PipelineKey } from './key';
import { serviceRole, writeLogsStatement } from './roles';
import { Scope, inThisAccount } from '../scope';
import { secretReadStatements } from './secrets';
import { DeployStageSettings, PipelineSettings, StageNameKey } from '../settings';

/** The build's exported variables every deploy action receives (see the managed buildspec.yml). */
export const IMAGE_VARIABLES = ['IMAGE_URI', 'IMAGE_TAG', 'IMAGE_DIGEST'];
/** Action names inside a deploy stage. */
export const APPROVAL_ACTION = 'Approve';
export const DEPLOY_ACTION = 'Deploy';
/** Lambda compute's environment types: they take no build or queue timeout (the 15-minute cap is Lambda's). */
const LAMBDA_ENVIRONMENT_TYPES = ['LINUX_LAMBDA_CONTAINER', 'ARM_LAMBDA_CONTAINER'];

/** Whether a stage runs on Lambda compute. */
export function runsOnLambda(stage: DeployStageSettings): boolean {
  return LAMBDA_ENVIRONMENT_TYPES.includes(stage.environment.type);
}

export interface DeployStagesArgs {
  readonly key: PipelineKey;
  readonly bucket: ArtifactLocation;
  /** The pipeline's notification topic: approval requests are published to it. */
  readonly topic: sns.Topic;
  readonly settings: PipelineSettings;
  /**
   * What an approval request adds as evidence after the commit and the image (the supply-chain gate's scan result,
   * features/supply-chain/), handed in so that the parts never import a feature.
   */
  readonly approvalEvidence?: string;
  /**
   * What every deploy project gets before its own commands run (the supply-chain gate's signature verification,
   * features/supply-chain/): variables and its role's statements, handed in like `approvalEvidence`.
   */
  readonly verification?: ProjectAdditions;
  /**
   * The release gates (features/release-gates/), handed in so that the parts never import a feature: each stage's
   * conditions (entry, success, failure), and what the pipeline's role needs for them (reading the alarms).
   */
  readonly gates: {
    readonly conditions: (stage: DeployStageSettings) => Pick<types.input.codepipeline.PipelineStage, 'beforeEntry' | 'onSuccess' | 'onFailure'>;
    readonly pipelineStatements: object[];
  };
}

export interface DeployStages {
  /** The stage declarations after Build, in order. */
  readonly declarations: types.input.codepipeline.PipelineStage[];
  /** What the pipeline's role needs for them: starting their projects, publishing approval requests, reading the gates' alarms. */
  readonly pipelineStatements: object[];
  /** Each stage's role ARN, by stage name: the principal a stage's target role trusts. */
  readonly roleArns: Record<string, pulumi.Output<string>>;
}

/**
 * The deploy stages after Build. Each deploys the image the Build stage
 * pushed, in its own CodeBuild project with its own role, optionally after a
 * manual approval; none can build an image. Without stages, nothing is
 * created and the pipeline is Source → Build.
 */
export function deployStages(scope: Scope, args: DeployStagesArgs): DeployStages {
  const { settings } = args;
  const deploys = settings.stages.map((stage, i) => deployProject(scope, args, stage, scope.stageNames[i]));
  const projects = deploys.map(deploy => deploy.project);
  approvalSubscriptions(scope, args.topic, settings);
  const approvals = settings.stages.some(stage => stage.manualApproval !== undefined);
  return {
    declarations: settings.stages.map((stage, i) => declaration(args, stage, projects[i])),
    roleArns: Object.fromEntries(settings.stages.map((stage, i) => [stage.name, deploys[i].roleArn])),
    pipelineStatements: projects.length === 0 ? [] : [
      {
        Sid: 'RunTheDeploys',
        Effect: 'Allow',
        Action: ['codebuild:StartBuild', 'codebuild:BatchGetBuilds'],
        Resource: projects.map(project => project.arn),
      },
      ...(approvals ? [{
        // An approval action with NotificationArn publishes with the pipeline's role ("Grant Amazon SNS
        // permissions to a CodePipeline service role", https://docs.aws.amazon.com/codepipeline/latest/userguide/approvals-service-role-permissions.html);
        // the topic's key is the pipeline's, which the role already uses.
        Sid: 'PublishApprovalRequests',
        Effect: 'Allow',
        Action: 'sns:Publish',
        Resource: args.topic.arn,
      }] : []),
      ...args.gates.pipelineStatements,
    ],
  };
}

/**
 * One stage's CodeBuild project, log group and role. The role may write the
 * stage's logs, read (not write) the pipeline's artifacts, read exactly the
 * stage's secrets and assume exactly its target role; the project is not
 * privileged, so Docker cannot run in it. Logical names: `deploy-<stage>`,
 * `deploy-<stage>-logs`, `deploy-<stage>-role|-policy|-policy-attachment`.
 */
function deployProject(scope: Scope, args: DeployStagesArgs, stage: DeployStageSettings,
  names: Record<StageNameKey, string>): { project: codebuild.Project; roleArn: pulumi.Output<string> } {
  const { key, bucket, settings } = args;
  const prefix = `deploy-${stage.name}`;
  const parent = { parent: scope.parent };
  const logGroup = new cloudwatch.LogGroup(`${prefix}-logs`, {
    name: names.deployLogGroup,
    retentionInDays: settings.build.logRetentionDays,
    kmsKeyId: key.arn,
    tags: scope.tags,
  }, parent);
  const access = serviceRole(scope, prefix, {
    roleName: names.deployRole,
    service: 'codebuild.amazonaws.com',
    statements: [
      writeLogsStatement('WriteDeployLogs', logGroup),
      {
        // The source at the built commit and the build's image files: read, never written (the stage has no output).
        Sid: 'ReadArtifacts',
        Effect: 'Allow',
        Action: ['s3:GetObject', 's3:GetObjectVersion'],
        Resource: bucket.objects,
        Condition: inThisAccount(scope),
      },
      {
        Sid: 'InspectArtifactBucket',
        Effect: 'Allow',
        Action: ['s3:GetBucketAcl', 's3:GetBucketLocation'],
        Resource: bucket.arn,
        Condition: inThisAccount(scope),
      },
      {
        // The artifacts are encrypted with the pipeline's key; the stage writes nothing it would encrypt.
        Sid: 'DecryptArtifacts',
        Effect: 'Allow',
        Action: ['kms:Decrypt', 'kms:DescribeKey'],
        Resource: key.arn,
      },
      ...(stage.assumeRoleArn === undefined ? [] : [{
        Sid: 'AssumeTheTargetRole',
        Effect: 'Allow',
        Action: 'sts:AssumeRole',
        Resource: stage.assumeRoleArn,
      }]),
      ...secretReadStatements(stage.secrets),
      ...args.verification?.statements ?? [],
    ],
  });
  const project = new codebuild.Project(prefix, {
    name: names.deployProject,
    description: `Deploys the image of ${settings.source.repository} to ${stage.name}`,
    serviceRole: access.role.arn,
    source: { type: 'CODEPIPELINE', buildspec: stage.buildspec },
    artifacts: { type: 'CODEPIPELINE' },
    environment: {
      // Lambda compute (the default: a deploy builds nothing) or an EC2 container, on the build's architecture.
      type: stage.environment.type,
      computeType: stage.environment.computeType,
      image: stage.environment.image,
      imagePullCredentialsType: 'CODEBUILD',
      // Docker needs privileged mode; without it a deploy stage cannot build an image, only deploy the built one.
      privilegedMode: false,
      ...(args.verification ? { environmentVariables: [...args.verification.environmentVariables] } : {}),
    },
    // Lambda compute stops every build after 15 minutes by itself and takes no build or queue timeout (@pulumi/aws
    // Project docs: "not available on the Lambda compute type"; "Run builds on AWS Lambda compute", Limitations).
    ...(runsOnLambda(stage) ? {} : { buildTimeout: stage.environment.timeoutMinutes }),
    logsConfig: { cloudwatchLogs: { groupName: logGroup.name, status: 'ENABLED' } },
    encryptionKey: key.arn,
    tags: scope.versionedTags,
  }, { ...parent, dependsOn: [access.attachment] });
  return { project, roleArn: access.role.arn };
}

/**
 * A stage of the pipeline: the approval (if any) first, then the deploy; its
 * conditions (rollback, release gates) are release-gates.ts's.
 *
 * - The approval publishes to the pipeline's topic and shows the commit and
 *   the image digest, linking to the commit (Manual approval configuration:
 *   NotificationArn, CustomData, ExternalEntityLink; variables resolve in it:
 *   "Working with variables", Example: Use variables in manual approvals,
 *   https://docs.aws.amazon.com/codepipeline/latest/userguide/actions-variables.html).
 * - The deploy action reads the source and the build's artifact (its primary
 *   source is the repository, where its buildspec is; the image files are in
 *   `$CODEBUILD_SRC_DIR_image`) and receives the image of this execution as
 *   environment variables from the Build action's namespace.
 * - Rollback: V2 `onFailure.result` ROLLBACK reruns the stage with the last
 *   successful execution's artifacts and variables ("Configuring stage
 *   rollback", https://docs.aws.amazon.com/codepipeline/latest/userguide/stage-rollback.html).
 */
function declaration(args: DeployStagesArgs, stage: DeployStageSettings, project: codebuild.Project): types.input.codepipeline.PipelineStage {
  const repository = args.settings.source.repository;
  const commit = `#{${SOURCE_VARIABLES_NAMESPACE}.CommitId}`;
  const image = (name: string) => `#{${BUILD_VARIABLES_NAMESPACE}.${name}}`;
  const approval: types.input.codepipeline.PipelineStageAction[] = stage.manualApproval === undefined ? [] : [{
    name: APPROVAL_ACTION,
    category: 'Approval',
    owner: 'AWS',
    provider: 'Manual',
    version: '1',
    runOrder: 1,
    configuration: {
      NotificationArn: args.topic.arn,
      CustomData: `Deploy ${repository} commit ${commit} to ${stage.name}: image ${image('IMAGE_URI')}, digest ${image('IMAGE_DIGEST')}.${args.approvalEvidence ?? ''}`,
      ExternalEntityLink: `https://github.com/${repository}/commit/${commit}`,
    },
  }];
  return {
    name: stage.name,
    actions: [
      ...approval,
      {
        name: DEPLOY_ACTION,
        category: 'Build',
        owner: 'AWS',
        provider: 'CodeBuild',
        version: '1',
        runOrder: approval.length + 1,
        inputArtifacts: [SOURCE_ARTIFACT, IMAGE_ARTIFACT],
        configuration: {
          ProjectName: project.name,
          PrimarySource: SOURCE_ARTIFACT,
          // Action configuration values are strings: the variables are a JSON list (CodeBuild action, EnvironmentVariables).
          EnvironmentVariables: JSON.stringify(IMAGE_VARIABLES.map(name => ({ name, value: image(name), type: 'PLAINTEXT' }))),
        },
      },
    ],
    ...args.gates.conditions(stage),
  };
}

/**
 * Approval e-mails join the pipeline's topic, unless `notifications.emails`
 * or an earlier stage subscribed them already (one SNS subscription per
 * address; compared ignoring case). They share the logical name scheme of
 * notifications.ts, so moving an address between the lists keeps its
 * subscription.
 */
function approvalSubscriptions(scope: Scope, topic: sns.Topic, settings: PipelineSettings): void {
  const subscribed = new Set(settings.notifications.emails.map(email => email.toLowerCase()));
  for (const email of settings.stages.flatMap(stage => stage.manualApproval?.emails ?? [])) {
    if (subscribed.has(email.toLowerCase())) continue;
    subscribed.add(email.toLowerCase());
    new sns.TopicSubscription(`notify-${email}`, { topic: topic.arn, protocol: 'email', endpoint: email }, { parent: scope.parent });
  }
}
