import { roleArnProblem } from './arns';
import { DeployEnvironment, deployEnvironment, isLambda } from './build-environment';
import { checkEmails } from './emails';
import { ENVIRONMENT_MAX_LENGTH, checkStageNames } from './naming';
import { BuildArchitecture, DeployComputeType, PipelineExecutionMode } from './pipeline-props';
import { GuardModel, resolveGuard } from './release-gates';
import { OptionPath, Problems } from './validation';
import { RESERVED_DEPLOY_VARIABLES, SecretVariables, checkPlainVariables, checkSecretVariables, secretsOf } from './variables';

/** A deploy stage with every default applied and every rule checked. */
export interface DeployStageModel {
  readonly name: string;
  readonly commands: string[];
  readonly environmentVariables: Record<string, string>;
  readonly secrets: SecretVariables;
  /** Present when the stage waits for an approval; the extra addresses that receive its requests. */
  readonly manualApproval?: { readonly emails: string[] };
  readonly assumeRoleArn?: string;
  readonly rollbackOnFailure: boolean;
  /** The stage's release gates (stage conditions), when it has any. */
  readonly guard?: GuardModel;
  /** Where the commands run (Lambda or EC2 compute, on the build's architecture). */
  readonly environment: DeployEnvironment;
}

/** What a deploy stage's environment follows from `codeBuild`. */
export interface StageBuildContext {
  readonly architecture: BuildArchitecture;
  readonly image: string;
  readonly timeoutMinutes: number;
}

/**
 * Stage names the pipeline uses itself (UpdatePipeline with `selfUpdate`).
 * CodePipeline stage names are unique within a pipeline; IAM role names (one
 * per stage) are unique ignoring case, so stage names are compared ignoring
 * case too.
 */
export const RESERVED_STAGE_NAMES = ['Source', 'UpdatePipeline', 'Build'];
/** "Number of stages in a pipeline: 2 to 50" (Quotas in AWS CodePipeline). */
const MAX_STAGES = 50;
/** The pipeline's own stages always count, so turning `selfUpdate` on never makes valid stages too many. */
export const MAX_DEPLOY_STAGES = MAX_STAGES - RESERVED_STAGE_NAMES.length;
/** CodePipeline stage names: 1 to 100 of `[A-Za-z0-9.@\-_]+` (API StageDeclaration, name). */
const STAGE_NAME = /^[A-Za-z0-9.@_-]{1,100}$/;
const STAGE_KEYS = ['name', 'commands', 'environmentVariables', 'secrets', 'manualApproval', 'assumeRoleArn', 'rollbackOnFailure', 'guard', 'compute'];
/**
 * A deploy runs a few CLI calls: Lambda compute starts in seconds and bills by
 * the second, where an EC2 container bills at least a minute (see README, Cost model).
 */
const DEFAULT_DEPLOY_COMPUTE = DeployComputeType.LAMBDA_1GB;
/** The same limit as `codeBuild.preBuildCommands`. */
const MAX_COMMANDS = 50;
/** Approval e-mails are subscribed to the notification topic, beside `notifications.emails`. */
const MAX_APPROVAL_EMAILS = 20;

/**
 * Checks `pipeline.stages`: names, commands, variables, secrets, approvals and
 * target roles. The names a stage derives are checked only with a valid
 * `pipelineName` (undefined: that option has a problem of its own).
 */
export function resolveStages(p: Problems, path: OptionPath, value: unknown, pipelineName: string | undefined,
  build: StageBuildContext): DeployStageModel[] {
  if (value === undefined) return [];
  if (!Array.isArray(value)) {
    p.add(path, 'must be a list of stages');
    return [];
  }
  if (value.length > MAX_DEPLOY_STAGES) {
    p.add(path, `must have at most ${MAX_DEPLOY_STAGES} stages (CodePipeline allows ${MAX_STAGES}; Source, UpdatePipeline (with selfUpdate) and Build are three)`);
  }
  const seen = new Map<string, string>();
  return value.map((raw: unknown, i): DeployStageModel => {
    const at = path.index(i);
    if (raw === undefined) p.add(at, 'must be an object (got undefined)');
    const fallbackEnvironment = deployEnvironment(DEFAULT_DEPLOY_COMPUTE, build.architecture, build.image, build.timeoutMinutes);
    if (!p.struct(at, raw)) {
      return { name: '', commands: [], environmentVariables: {}, secrets: secretsOf({}), rollbackOnFailure: false, environment: fallbackEnvironment };
    }
    const stage = raw;
    p.knownKeys(at, stage, STAGE_KEYS);
    const name = checkStageName(p, at.option('name'), stage.name, pipelineName, seen);
    const commands = checkCommands(p, at.option('commands'), stage.commands);
    const environmentVariables = checkPlainVariables(p, at.option('environmentVariables'), stage.environmentVariables, RESERVED_DEPLOY_VARIABLES);
    const secrets = checkSecretVariables(p, at.option('secrets'), stage.secrets, RESERVED_DEPLOY_VARIABLES, environmentVariables);
    const manualApproval = checkApproval(p, at.option('manualApproval'), stage.manualApproval);
    const assumeRoleArn = checkRoleArn(p, at.option('assumeRoleArn'), stage.assumeRoleArn);
    const rollbackPath = at.option('rollbackOnFailure');
    p.boolean(rollbackPath, stage.rollbackOnFailure);
    const guardPath = at.option('guard');
    const guard = resolveGuard(p, guardPath, stage.guard);
    if (guard?.retryOnFailure && stage.rollbackOnFailure === true) {
      // FailureConditions.Result is one value: ROLLBACK or RETRY (AWS::CodePipeline::Pipeline FailureConditions).
      p.add(guardPath.option('retryOnFailure'), `a failed stage either retries or rolls back: unset ${p.name(rollbackPath)} or this option`);
    }
    const environment = checkCompute(p, at.option('compute'), stage.compute, commands, at.option('commands'), build);
    return {
      environment,
      name,
      commands,
      environmentVariables,
      secrets,
      rollbackOnFailure: stage.rollbackOnFailure === true,
      ...(manualApproval ? { manualApproval } : {}),
      ...(assumeRoleArn ? { assumeRoleArn } : {}),
      ...(guard ? { guard } : {}),
    };
  });
}

function checkStageName(p: Problems, path: OptionPath, value: unknown, pipelineName: string | undefined, seen: Map<string, string>): string {
  if (value === undefined) {
    p.add(path, 'is required');
    return '';
  }
  if (!p.string(path, value, true)) return '';
  if (!STAGE_NAME.test(value)) {
    p.add(path, `${JSON.stringify(value)} is not a CodePipeline stage name (1 to 100 letters, digits, ".", "@", "_", "-")`);
    return value;
  }
  const taken = RESERVED_STAGE_NAMES.find(reserved => reserved.toLowerCase() === value.toLowerCase());
  if (taken) {
    p.add(path, `${JSON.stringify(value)} is the pipeline's own ${taken} stage; name the deploy stage after its target (e.g. "dev", "prod")`);
    return value;
  }
  const other = seen.get(value.toLowerCase());
  if (other !== undefined) {
    p.add(path, `${JSON.stringify(value)} is used twice (as ${JSON.stringify(other)}; stage names are compared ignoring case, as IAM compares role names)`);
  }
  seen.set(value.toLowerCase(), value);
  // The names derive from every suffix the environment pattern allows, not just the listed ones.
  if (pipelineName === undefined) return value;
  for (const problem of checkStageNames(pipelineName, value, 'x'.repeat(ENVIRONMENT_MAX_LENGTH))) p.add(path, problem);
  return value;
}

function checkCommands(p: Problems, path: OptionPath, value: unknown): string[] {
  if (value === undefined) {
    p.add(path, 'is required: the shell commands that deploy the image');
    return [];
  }
  if (!p.stringArray(path, value, MAX_COMMANDS)) return [];
  if (value.length === 0) p.add(path, 'must have at least one command');
  value.forEach((command, i) => {
    if (command.trim().length === 0) p.add(path.index(i), 'must not be empty');
  });
  return value;
}

/**
 * Lambda compute has no Docker daemon and no privileged mode ("Run builds on
 * AWS Lambda compute", Limitations, https://docs.aws.amazon.com/codebuild/latest/userguide/lambda.html):
 * a command that calls `docker` would fail at deploy time, so it is refused here.
 */
function checkCompute(p: Problems, path: OptionPath, value: unknown, commands: string[], commandsPath: OptionPath,
  build: StageBuildContext): DeployEnvironment {
  const ok = value === undefined || p.oneOf(path, value, Object.values(DeployComputeType));
  const compute = ok && value !== undefined ? value as DeployComputeType : DEFAULT_DEPLOY_COMPUTE;
  if (isLambda(compute)) {
    commands.forEach((command, i) => {
      if (/(^|[\s;&|(`])docker(\s|$)/.test(command)) {
        p.add(commandsPath.index(i), `runs docker, which Lambda compute (${p.name(path)} ${JSON.stringify(compute)}) does not have: ` +
          'a deploy stage deploys the image the Build stage pushed, by its IMAGE_URI');
      }
    });
  }
  return deployEnvironment(compute, build.architecture, build.image, build.timeoutMinutes);
}

function checkApproval(p: Problems, path: OptionPath, value: unknown): { emails: string[] } | undefined {
  if (value === undefined) return undefined;
  if (!p.struct(path, value)) return undefined;
  p.knownKeys(path, value, ['emails']);
  return { emails: checkEmails(p, path.option('emails'), value.emails, MAX_APPROVAL_EMAILS) };
}

function checkRoleArn(p: Problems, path: OptionPath, value: unknown): string | undefined {
  if (!p.string(path, value, false)) return undefined;
  const problem = roleArnProblem(value);
  if (problem) p.add(path, problem);
  return value;
}

/**
 * The execution mode: QUEUED when there are deploy stages, so that every
 * commit is deployed in order and a newer execution never overtakes one
 * waiting for approval; SUPERSEDED (CodePipeline's default) otherwise.
 * PARALLEL has no stage rollback ("Set or change the pipeline execution
 * mode", https://docs.aws.amazon.com/codepipeline/latest/userguide/execution-modes.html).
 */
export function resolveExecutionMode(p: Problems, path: OptionPath, value: unknown, stages: DeployStageModel[],
  stagesPath: OptionPath): string {
  if (value === undefined) return stages.length > 0 ? PipelineExecutionMode.QUEUED : PipelineExecutionMode.SUPERSEDED;
  if (!p.oneOf(path, value, Object.values(PipelineExecutionMode))) return PipelineExecutionMode.SUPERSEDED;
  if (value === PipelineExecutionMode.PARALLEL) {
    stages.forEach((stage, i) => {
      if (stage.rollbackOnFailure) {
        p.add(stagesPath.index(i).option('rollbackOnFailure'), `stage rollback is not available with ${p.name(path)} PARALLEL`);
      }
      if (stage.guard?.bakeMinutes !== undefined) {
        p.add(stagesPath.index(i).option('guard').option('bakeMinutes'), `a bake rolls the stage back, and stage rollback is not available with ${p.name(path)} PARALLEL`);
      }
    });
  }
  return value;
}
