import * as path from 'path';
import { Project } from 'projen';
import { isLambda } from './build-environment';
import { BuildspecEnv, secretEnv } from './buildspec';
import { DeployStageModel } from './deploy-stages';
import { PortableYamlFile } from './portable-yaml';
import { installNotationCommands, verifyCommands } from './signing';

/** Folder of the deploy stages' managed buildspecs, relative to the repository root. */
export const DEPLOY_BUILDSPEC_DIR = 'deploy';

/** Where a stage's managed buildspec lives (CodeBuild reads it from the source artifact, at the built commit). */
export function deployBuildspecPath(stage: string): string {
  return path.posix.join(DEPLOY_BUILDSPEC_DIR, `${stage}.buildspec.yml`);
}

/** A deploy stage's CodeBuild build specification, version 0.2, as a typed model. */
export interface DeployBuildspecModel {
  readonly version: '0.2';
  readonly env: BuildspecEnv;
  readonly phases: {
    readonly install?: DeployPhase;
    readonly pre_build?: DeployPhase;
    readonly build: DeployPhase;
  };
}

/** A phase; `on-failure` only on EC2 compute ("Lambda compute images": Lambda compute does not support the attribute). */
interface DeployPhase {
  readonly 'on-failure'?: 'ABORT';
  readonly 'commands': string[];
}

/**
 * The deploy buildspec of one stage. The image comes from the Build stage:
 * the pipeline action sets `IMAGE_URI`, `IMAGE_TAG` and `IMAGE_DIGEST` from its
 * exported variables, and the commands stop at once when one is missing
 * rather than deploy nothing. With a target role, the commands run with its
 * temporary credentials (`aws sts assume-role`; bash, so that `read` gets
 * them from a process substitution and a failed call fails the command).
 *
 * With the supply-chain gate's signing, the `install` phase verifies the
 * image's signature before anything else runs: in the pipeline's account,
 * before a target role is assumed, and before any of the stage's commands. A
 * failure there fails the build (no later phase runs) and is reported as
 * "Signature" (the program's rule on the INSTALL phase's failure).
 */
export function renderDeployBuildspec(stage: DeployStageModel, signing = false): DeployBuildspecModel {
  // Without the attribute a failed command still fails its phase and the build; the deploy buildspec has no later phase.
  const onFailure = isLambda(stage.environment.computeType) ? {} : { 'on-failure': 'ABORT' as const };
  const assume = stage.assumeRoleArn === undefined ? undefined : {
    ...onFailure,
    commands: [
      'read -r AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_SESSION_TOKEN < <(aws sts assume-role --role-arn "${ASSUME_ROLE_ARN}" ' +
        '--role-session-name "${DEPLOY_STAGE}-${CODEBUILD_BUILD_NUMBER}" --query "Credentials.[AccessKeyId,SecretAccessKey,SessionToken]" ' +
        '--output text) && export AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_SESSION_TOKEN',
    ],
  };
  return {
    version: '0.2',
    env: {
      shell: 'bash',
      variables: {
        ...stage.environmentVariables,
        DEPLOY_STAGE: stage.name,
        ...(stage.assumeRoleArn === undefined ? {} : { ASSUME_ROLE_ARN: stage.assumeRoleArn }),
      },
      ...secretEnv(stage.secrets),
    },
    phases: {
      ...(signing ? { install: { ...onFailure, commands: [...installNotationCommands(true), ...verifyCommands()] } } : {}),
      ...(assume ? { pre_build: assume } : {}),
      build: {
        ...onFailure,
        commands: [
          ': "${IMAGE_URI:?is not set: the pipeline passes the Build stage image}" "${IMAGE_TAG:?is not set}" "${IMAGE_DIGEST:?is not set}"',
          ...stage.commands,
        ],
      },
    },
  };
}

/** Writes one stage's `deploy/<stage>.buildspec.yml` as a managed YAML file whose strings survive any YAML reader. */
export class DeployBuildspecFile extends PortableYamlFile {
  public constructor(project: Project, stage: DeployStageModel, signing: boolean) {
    super(project, deployBuildspecPath(stage.name), { obj: renderDeployBuildspec(stage, signing) });
  }
}
