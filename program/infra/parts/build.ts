import * as cloudwatch from '@pulumi/aws/cloudwatch';
import * as codebuild from '@pulumi/aws/codebuild';
import * as ecr from '@pulumi/aws/ecr';
import * as pulumi from '@pulumi/pulumi';
import { ArtifactLocation } from './artifacts';
import { PipelineKey } from './key';
import { serviceRole, useKeyStatement, writeLogsStatement } from './roles';
import { Scope, inThisAccount } from '../scope';
import { secretReadStatements } from './secrets';
import { PipelineSettings } from '../settings';

export interface DockerBuildArgs {
  readonly key: PipelineKey;
  readonly bucket: ArtifactLocation;
  readonly repository: ecr.Repository;
  readonly build: PipelineSettings['build'];
  /** The GitHub repository (`owner/name`), for the project's description. */
  readonly sourceRepository: string;
  /**
   * What a feature adds to the build (the supply-chain gate's image signing, features/supply-chain/), handed in
   * so that the parts never import a feature.
   */
  readonly additions?: ProjectAdditions;
}

/** What a feature adds to a CodeBuild project: variables its buildspec reads, and statements its role needs for them. */
export interface ProjectAdditions {
  readonly environmentVariables: ReadonlyArray<{ readonly name: string; readonly value: pulumi.Input<string>; readonly type: string }>;
  readonly statements: object[];
}

/**
 * The CodeBuild project that builds the Docker image and pushes it to ECR,
 * with its log group and its role. The project waits for the role's policy,
 * so the first build does not fail on permissions.
 */
/** What pushing and pulling an image takes ("IAM permissions for pushing an image", Amazon ECR User Guide): the build's grant and its ceiling. */
export const ECR_PUSH_ACTIONS = [
  'ecr:BatchCheckLayerAvailability', 'ecr:BatchGetImage', 'ecr:CompleteLayerUpload', 'ecr:DescribeImages',
  'ecr:GetDownloadUrlForLayer', 'ecr:InitiateLayerUpload', 'ecr:PutImage', 'ecr:UploadLayerPart',
];

export function dockerBuild(scope: Scope, args: DockerBuildArgs): codebuild.Project {
  const { key, bucket, repository, build } = args;
  const parent = { parent: scope.parent };
  const logGroup = new cloudwatch.LogGroup('build-logs', {
    name: scope.names.logGroup,
    retentionInDays: build.logRetentionDays,
    kmsKeyId: key.arn,
    tags: scope.tags,
  }, parent);

  // Compared with the minimum policy of "Allow CodeBuild to interact with other AWS services"
  // (https://docs.aws.amazon.com/codebuild/latest/userguide/setting-up-service-role.html), scoped to this
  // stack's log group, bucket and repository. Left out, because this project does not use them:
  // codebuild:CreateReportGroup/CreateReport/UpdateReport/BatchPutTestCases/BatchPutCodeCoverages (the
  // managed buildspec declares no `reports`), codecommit:GitPull (the source arrives as a CodePipeline
  // artifact) and the ec2:* network actions (no VPC); ssm:GetParameters only for `codeBuild.secrets`.
  const access = serviceRole(scope, 'build', {
    roleName: scope.names.buildRole,
    service: 'codebuild.amazonaws.com',
    statements: [
      writeLogsStatement('WriteBuildLogs', logGroup),
      {
        // GetAuthorizationToken has no resource-level permissions: AWS requires "*".
        Sid: 'LogInToEcr',
        Effect: 'Allow',
        Action: 'ecr:GetAuthorizationToken',
        Resource: '*',
      },
      {
        // Pushing and pulling an image ("IAM permissions for pushing an image", Amazon ECR User Guide) is all
        // the registry cache needs too: BuildKit reads the cache manifest with BatchGetImage and its layers with
        // GetDownloadUrlForLayer, and writes them like an image's (the same repository, the cache tag).
        Sid: 'PushImages',
        Effect: 'Allow',
        Action: ECR_PUSH_ACTIONS,
        Resource: repository.arn,
      },
      {
        Sid: 'ReadSourceWriteArtifacts',
        Effect: 'Allow',
        Action: ['s3:GetObject', 's3:GetObjectVersion', 's3:PutObject'],
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
      useKeyStatement(key),
      ...secretReadStatements(build.secrets),
      ...args.additions?.statements ?? [],
    ],
  });

  return new codebuild.Project('build', {
    name: scope.names.buildProject,
    description: `Builds ${args.sourceRepository} and pushes the image to ECR`,
    serviceRole: access.role.arn,
    source: { type: 'CODEPIPELINE', buildspec: build.buildspec },
    artifacts: { type: 'CODEPIPELINE' },
    environment: {
      // LINUX_CONTAINER or ARM_CONTAINER, as codeBuild.architecture says (the library checked the image is that architecture's).
      type: build.environmentType,
      computeType: build.computeType,
      image: build.image,
      imagePullCredentialsType: 'CODEBUILD',
      // Docker-in-docker needs privileged mode: the documented exception for image builds.
      privilegedMode: true,
      environmentVariables: [
        { name: 'REPOSITORY_URI', value: repository.repositoryUrl, type: 'PLAINTEXT' },
        { name: 'REPOSITORY_NAME', value: repository.name, type: 'PLAINTEXT' },
        { name: 'AWS_ACCOUNT_ID', value: scope.accountId, type: 'PLAINTEXT' },
        ...args.additions?.environmentVariables ?? [],
      ],
    },
    buildTimeout: build.timeoutMinutes,
    cache: { type: 'LOCAL', modes: ['LOCAL_SOURCE_CACHE', 'LOCAL_DOCKER_LAYER_CACHE'] },
    logsConfig: { cloudwatchLogs: { groupName: logGroup.name, status: 'ENABLED' } },
    encryptionKey: key.arn,
    tags: scope.versionedTags,
  }, { ...parent, dependsOn: [access.attachment] });
}
