import * as path from 'path';
import { Component, Task } from 'projen';
import { NodeProject } from 'projen/lib/javascript';
import { ALONGSIDE_SCRIPT } from './alongside/run';
import { BuildspecFile } from './buildspec';
import { DeployBuildspecFile } from './deploy-buildspec';
import { handoverWarnings, readPreviousSynth, recordedBackendUrl } from './deploy-handover';
import { DOCTOR_SCRIPT, SECRETS_PROVIDER_VARIABLE } from './doctor/run';
import { PipelineGuideFile } from './pipeline-guide';
import { PLACEHOLDER_REPOSITORY, resolvePipeline } from './pipeline-model';
import { PipelineProps } from './pipeline-props';
import { PulumiProgramFiles, SETTINGS_FILE, checkPulumiProject, pulumiProjectName } from './pulumi-program';
import { TaggingPolicyFile } from './tagging-policy';
import { formatOption, optionAssignment, optionStyle, projenrcFileName, projenrcOf } from './validation';
import { pinnedVersions } from './versions';

/** What @pulumi/pulumi's runtime/index.js requires for closure serialization (and nothing else requires by these names). */
const JEST_CLOSURE_MODULES = '^\\./closure/(serializeClosure|codePaths)$';

/** Where a user without the Pulumi CLI finds it. */
const PULUMI_INSTALL_URL = 'https://www.pulumi.com/docs/iac/download-install/';

/**
 * Options of the `PipelineInfrastructure` component.
 */
export interface PipelineInfrastructureOptions {
  /**
   * The pipeline to generate.
   */
  readonly pipeline: PipelineProps;

  /**
   * The Pulumi project name of the program: a stack's identity on a backend
   * includes it, so it must be unique among the repositories sharing a
   * backend and must not change once a stack is deployed.
   * @default - the project's package name, with an npm scope `@scope/app` written `scope-app`
   */
  readonly pulumiProject?: string;

  /**
   * Folder of the Pulumi project, relative to the repository root.
   * @default "infra"
   */
  readonly infraDir?: string;

  /**
   * Path of the generated build specification, relative to the repository root.
   * @default "buildspec.yml"
   */
  readonly buildspecPath?: string;

  /**
   * Path of the generated tagging policy, relative to the repository root.
   * @default "tagging-policy.json"
   */
  readonly taggingPolicyPath?: string;
}

/**
 * Everything a repository needs to deploy its CI/CD pipeline, for any Node
 * project: the Pulumi program and its settings, `buildspec.yml`, the tagging
 * policy, the pinned `@pulumi/*` packages and the `preview`, `deploy` and
 * `destroy` tasks. The options are validated in the constructor, so a bad
 * configuration fails before projen writes or deletes any file.
 */
export class PipelineInfrastructure extends Component {
  /** Folder of the Pulumi project. */
  public readonly infraDir: string;

  public constructor(project: NodeProject, options: PipelineInfrastructureOptions) {
    super(project);
    const style = optionStyle(project);
    const projenrc = projenrcFileName(project, style);
    const pulumiProject = options.pulumiProject ?? pulumiProjectName(project.package.packageName);
    const model = resolvePipeline(options.pipeline, {
      style,
      file: projenrc,
      alsoCheck: p => checkPulumiProject(p, pulumiProject, options.pulumiProject !== undefined),
      // The component's own string options are written to files and task commands too.
      alsoScan: {
        pulumiProject: options.pulumiProject,
        infraDir: options.infraDir,
        buildspecPath: options.buildspecPath,
        taggingPolicyPath: options.taggingPolicyPath,
      },
    });
    this.infraDir = path.posix.normalize(options.infraDir ?? 'infra');
    const buildspecPath = path.posix.normalize(options.buildspecPath ?? 'buildspec.yml');
    const taggingPolicyPath = path.posix.normalize(options.taggingPolicyPath ?? 'tagging-policy.json');

    new BuildspecFile(project, buildspecPath, model);
    for (const stage of model.stages) new DeployBuildspecFile(project, stage, model.supplyChain?.signing !== undefined);
    new TaggingPolicyFile(project, taggingPolicyPath, model);
    // Read before this synth rewrites them: what changed since is said once, and the backend is never forgotten.
    const previous = readPreviousSynth(project.outdir, this.infraDir, SETTINGS_FILE);
    for (const warning of handoverWarnings(model, previous, style, projenrc)) project.logger.warn(warning);
    new PulumiProgramFiles(project, {
      model, projectName: pulumiProject, dir: this.infraDir, buildspecPath, backendUrl: recordedBackendUrl(model, previous),
    });
    new PipelineGuideFile(project, { model, pulumiProject, projenrc: projenrcOf(project), infraDir: this.infraDir });

    const versions = pinnedVersions();
    project.addDevDeps(`@pulumi/pulumi@${versions.pulumi}`, `@pulumi/aws@${versions.pulumiAws}`);

    const typecheck = project.addTask('infra:typecheck', {
      description: 'Type-check the Pulumi program with the tsconfig Pulumi uses',
      exec: `tsc --noEmit -p ${this.infraDir}/tsconfig.json`,
    });
    runBesideTests(project, typecheck);
    project.jest?.addTestMatch(`<rootDir>/${this.infraDir}/**/*.test.ts`);
    // Pulumi's closure serialization loads on first use under jest, not with the SDK (infra/guardrails/jest-closure.ts says why).
    project.jest?.addModuleNameMappers({ [JEST_CLOSURE_MODULES]: `<rootDir>/${this.infraDir}/guardrails/jest-closure.ts` });

    // Pulumi looks for plugins next to the program, not in the root node_modules.
    const plugins = project.addTask('infra:plugins', {
      description: `Install the Pulumi AWS provider plugin ${versions.pulumiAws}`,
      steps: [
        // Without the CLI the next step would fail with "pulumi: command not found" and no way forward.
        { exec: `node -e "${requirePulumiCli()}"` },
        { exec: `pulumi plugin install resource aws ${versions.pulumiAws}` },
      ],
    });
    const pulumiTask = (name: string, command: string, description: string) => {
      const task = project.addTask(name, { description });
      task.spawn(plugins);
      task.exec(`pulumi ${command} --cwd ${this.infraDir}`, { receiveArgs: true });
    };
    pulumiTask('preview', 'preview', 'Preview the pipeline changes of the selected stack (pulumi preview)');
    pulumiTask('deploy', 'up', 'Deploy the pipeline to the selected stack (pulumi up)');
    pulumiTask('destroy', 'destroy', 'Destroy the pipeline of the selected stack (pulumi destroy)');

    // A shipped script, not an inline one: projen runs `exec` in its own shell, and the checks are unit-tested.
    project.addTask('doctor', {
      description: 'Check, read-only, what a deploy needs: Node.js, the Pulumi CLI and login, the stack and its secrets provider, the connection',
      exec: `node ${DOCTOR_SCRIPT} ${this.infraDir}`,
      ...(model.selfUpdate?.secretsProvider ? { env: { [SECRETS_PROVIDER_VARIABLE]: model.selfUpdate.secretsProvider.url } } : {}),
    });

    if (model.repository === PLACEHOLDER_REPOSITORY) {
      project.logger.warn(
        `The pipeline's repository is the placeholder ${PLACEHOLDER_REPOSITORY}: set \`${optionAssignment('githubRepository', 'owner/name', style)}\` ` +
        `(or ${formatOption('pipeline.repository', style)}) in ${projenrc} before "npx projen deploy" (the program refuses to deploy the placeholder).`,
      );
    }
  }
}

/**
 * Moves the test task's own steps (jest, then eslint) to `test:steps` and makes the test task run them
 * beside `task`, so that the type-check takes no time of its own on a machine with two cores or more
 * (src/alongside/run.ts says how, and why not a shell `&`). Steps added to the test task later run after both.
 */
function runBesideTests(project: NodeProject, task: Task): void {
  const steps = project.testTask.steps;
  if (steps.length === 0) {
    project.testTask.spawn(task);
    return;
  }
  const own = project.addTask('test:steps', { description: `The test task's own steps, which it runs beside ${task.name}`, steps });
  project.testTask.reset();
  // Arguments to `npx projen test` (e.g. a jest pattern) reach the steps that took them before.
  project.testTask.execArgs(['node', ALONGSIDE_SCRIPT, task.name, own.name], { receiveArgs: steps.some(step => step.receiveArgs) });
}

/** A one-line Node script that exits with an install hint when `pulumi` is not on the PATH. */
function requirePulumiCli(): string {
  return "try { require('child_process').execFileSync('pulumi', ['version'], { stdio: 'ignore' }) } " +
    `catch { console.error('The Pulumi CLI is not installed (or not on the PATH). Install it: ${PULUMI_INSTALL_URL}'); process.exit(1) }`;
}
