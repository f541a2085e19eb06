import { SampleFile } from 'projen';
import { NodePackageManager } from 'projen/lib/javascript';
import { TypeScriptProject, TypeScriptProjectOptions } from 'projen/lib/typescript';
import { checkApplicationOptions, withoutApplicationOptions } from './application-options';
import { ManagedFilesCheck } from './managed-files-check';
import { MIN_NODE_VERSION, WORKFLOW_NODE_VERSION, currentNodeVersion, nodeSupportWarning } from './node-support';
import { PipelineInfrastructure } from './pipeline-infrastructure';
import { resolveProjectPipeline } from './pipeline-model';
import { PipelineProps } from './pipeline-props';
import { checkProjectOptions } from './project-options';
import { pulumiProjectName } from './pulumi-program';
import { PythonProjenrcSupport, pythonSetupSteps } from './python-projenrc';
import { consumerReadme, sampleFiles } from './samples';
import { withNewRepositoryDefaults } from './supply-chain';
import { formatOption, optionStyle, projenrcFileName, projenrcOf } from './validation';

/** This package's npm name: the dependency the project type keeps on itself. */
export const PACKAGE_NAME = 'cicd-pipeline-type';

/**
 * Options of `CicdPipelineProject`.
 */
export interface CicdPipelineProjectOptions extends TypeScriptProjectOptions {
  /**
   * GitHub repository (`owner/name`) the pipeline builds. A shorthand for
   * `pipeline.repository` that `projen new --github-repository owner/name` can set;
   * the same rules apply, and when both are set they must be equal.
   * @default "OWNER/REPO" - a placeholder: synth warns and the program refuses to deploy it
   * @featured
   */
  readonly githubRepository?: string;

  /**
   * Configure the project from `.projenrc.py` (through this library's Python
   * package) instead of `.projenrc.ts`; `projen new --projenrc-python` sets it.
   * @default false
   */
  readonly projenrcPython?: boolean;

  /**
   * The Python interpreter that runs `.projenrc.py` (with `projen` and
   * `cicd-pipeline-type` installed), when `projenrcPython` is set.
   * @default "python"
   */
  readonly pythonExec?: string;

  /**
   * The Pulumi project name of `infra/`. A stack's identity on a backend is
   * `<org>/<project>/<stack>` (Pulumi Cloud) or `<project>/<stack>` (S3 and
   * file backends), so it must differ between repositories that share a
   * backend, and never change once a stack is deployed.
   * @default - the project's `name`, with an npm scope `@scope/app` written `scope-app`
   */
  readonly pulumiProject?: string;

  /**
   * The CI/CD pipeline of this repository, e.g. `{ environments: ['dev', 'prod'] }` (every option is in API.md).
   * @default - a pipeline for `githubRepository` on `defaultReleaseBranch`, with every default of PipelineProps
   * @featured
   */
  readonly pipeline?: PipelineProps;
}

/**
 * An application repository with its own secure AWS CI/CD pipeline: a Pulumi
 * program (CodePipeline V2, CodeBuild, ECR), `buildspec.yml` and a tagging
 * policy, all managed by projen and kept in sync by `npx projen upgrade`.
 *
 * It is an application, not a library: no npm release, no package tarball,
 * a private package.json, and coverage of the application's own code only.
 *
 * @pjid cicd-pipeline
 */
export class CicdPipelineProject extends TypeScriptProject {
  /** The pipeline component that writes the managed files. */
  public readonly pipelineInfrastructure: PipelineInfrastructure;

  public constructor(options: CicdPipelineProjectOptions) {
    // A new repository starts with the supply-chain gate on; an upgraded one keeps what its projenrc says.
    options = withNewRepositoryDefaults(options);
    // Only `true` switches to .projenrc.py; anything else but a boolean is reported below, in the file actually used.
    const projenrcPython = options.projenrcPython === true;
    super({
      projenrcTs: !projenrcPython,
      projenrcJs: false,
      // The sample Dockerfile installs with `npm ci`.
      packageManager: NodePackageManager.NPM,
      sampleCode: false,
      readme: {
        filename: 'README.md',
        contents: consumerReadme(options.name, projenrcPython, options.pulumiProject ?? pulumiProjectName(options.name)),
      },
      // An application repository: nothing is published, so no release workflow, bump/release tasks,
      // npm tarball (which would pack infra/ and the Dockerfile) or open-source licence boilerplate.
      release: false,
      package: false,
      npmProvenance: false,
      licensed: false,
      entrypoint: '',
      // ts-jest transpiles only; `tsc` (src) and `infra:typecheck` (the program) type-check once.
      tsconfigDev: { compilerOptions: { isolatedModules: true } },
      // Node.js lines that are not end-of-life, and that the pinned @pulumi/* accept (src/node-support.ts).
      minNodeVersion: MIN_NODE_VERSION,
      workflowNodeVersion: WORKFLOW_NODE_VERSION,
      // A hosted runner starts with an empty npm cache, and the lockfile adds @pulumi/aws (84 MB unpacked) and
      // @pulumi/pulumi's dependencies to every job's download: actions/setup-node's npm cache, keyed on the lockfile,
      // serves them from GitHub's cache instead (README "What CI costs").
      workflowPackageCache: true,
      // Publishing options are reported with every other problem below, not acted on.
      ...withoutApplicationOptions(options),
      buildWorkflowOptions: {
        ...options.buildWorkflowOptions,
        preBuildSteps: [...(projenrcPython ? pythonSetupSteps() : []), ...options.buildWorkflowOptions?.preBuildSteps ?? []],
      },
      jestOptions: {
        ...options.jestOptions,
        jestConfig: {
          // Coverage measures the application, not the generated pipeline program.
          coveragePathIgnorePatterns: ['/node_modules/', '/infra/'],
          ...options.jestOptions?.jestConfig,
        },
      },
      ...(projenrcPython ? { projenrcTs: false } : {}),
    });
    // Guards against an accidental `npm publish` of the application.
    this.package.addField('private', true);

    const python = projenrcPython ? new PythonProjenrcSupport(this, { pythonExec: options.pythonExec ?? 'python' }) : undefined;

    // Keep a spec the user chose (e.g. name@file:...); otherwise track the registry.
    if (!this.deps.all.some(dep => dep.name === PACKAGE_NAME)) {
      this.addDevDeps(PACKAGE_NAME);
    }

    const style = optionStyle(this);
    const releaseBranch = options.defaultReleaseBranch ?? 'main';
    const pipeline = resolveProjectPipeline(withReleaseBranch(options.pipeline, releaseBranch), options.githubRepository, {
      style,
      file: projenrcFileName(this, style),
      alsoCheck: p => {
        checkProjectOptions(p, options, pulumiProjectName(this.package.packageName));
        checkApplicationOptions(p, options);
      },
      // Written to package.json, Pulumi.yaml, the README and task commands.
      alsoScan: { name: options.name, pulumiProject: options.pulumiProject, pythonExec: options.pythonExec },
    });
    const nodeWarning = nodeSupportWarning(currentNodeVersion());
    if (nodeWarning) this.logger.warn(nodeWarning);
    if (pipeline.branch !== releaseBranch) {
      // projen's upgrade workflow and build workflow's self-mutation open their pull requests against the default branch.
      this.logger.warn(`${formatOption('pipeline.branch', style)} "${pipeline.branch}" is not ${formatOption('defaultReleaseBranch', style)} ` +
        `"${releaseBranch}": upgrade and self-mutation pull requests land on "${releaseBranch}", so an upgrade reaches this pipeline ` +
        `only when "${releaseBranch}" is merged into "${pipeline.branch}".`);
    }
    this.pipelineInfrastructure = new PipelineInfrastructure(this, { pipeline, pulumiProject: options.pulumiProject });

    for (const [filePath, contents] of Object.entries(sampleFiles())) {
      new SampleFile(this, filePath, { contents });
    }

    // projen's build workflow fails a pull request whose build changes files (and pushes the
    // regenerated files back to same-repo branches); this step says why when a managed file did.
    new ManagedFilesCheck(this, { projenrc: projenrcOf(this) });

    // Moves the type across major versions too; `upgrade` stays within the current major.
    const upgradeMajor = this.addTask('upgrade:pipeline-type', {
      description: `Upgrade ${PACKAGE_NAME} to its latest release (even a new major) and resynthesize`,
      steps: [
        { exec: `npx --yes npm-check-updates@20 --upgrade --target=latest --filter=${PACKAGE_NAME},projen` },
        { exec: 'npm install' },
        { exec: 'npx projen' },
      ],
    });
    // `.projenrc.py` runs the library from its Python package, which `npm install` does not move.
    python?.followUpgrade(this.upgradeWorkflow ? this.tasks.tryFind('post-upgrade') : undefined, upgradeMajor);
  }
}

/** The pipeline builds the branch the repository releases from, unless its options name another. */
function withReleaseBranch(pipeline: PipelineProps | undefined, releaseBranch: string): PipelineProps | undefined {
  const options: unknown = pipeline;
  if (options !== undefined && (typeof options !== 'object' || options === null || Array.isArray(options))) return pipeline; // validation reports it
  return pipeline?.branch !== undefined ? pipeline : { ...pipeline, branch: releaseBranch } as PipelineProps;
}
