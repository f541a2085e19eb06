import { SampleFile } from 'projen';
import { NodePackageManager } from 'projen/lib/javascript';
import { Projenrc as PythonProjenrc } from 'projen/lib/python';
import { TypeScriptProject, TypeScriptProjectOptions } from 'projen/lib/typescript';
import { PipelineInfrastructure } from './pipeline-infrastructure';
import { PLACEHOLDER_REPOSITORY } from './pipeline-model';
import { PipelineProps } from './pipeline-props';
import { consumerReadme, sampleFiles } from './samples';
import { PipelineConfigError } from './validation';

/** This package's npm name: the dependency the project type keeps on itself. */
export const PACKAGE_NAME = 'cicd-pipeline-type';

/**
 * Options of `CicdPipelineProject`.
 */
export interface CicdPipelineProjectOptions extends TypeScriptProjectOptions {
  /**
   * GitHub repository (`owner/name`) the pipeline builds. A shorthand for
   * `pipeline.repository` that `projen new --github-repository owner/name` can set.
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
   * The CI/CD pipeline of this repository.
   * @default - a pipeline for `githubRepository` with every default of PipelineProps
   */
  readonly pipeline?: PipelineProps;
}

/**
 * An application repository with its own secure AWS CI/CD pipeline: a Pulumi
 * program (CodePipeline V2, CodeBuild, ECR), `buildspec.yml` and a tagging
 * policy, all managed by projen and kept in sync by `npx projen upgrade`.
 *
 * @pjid cicd-pipeline
 */
export class CicdPipelineProject extends TypeScriptProject {
  /** The pipeline component that writes the managed files. */
  public readonly pipelineInfrastructure: PipelineInfrastructure;

  public constructor(options: CicdPipelineProjectOptions) {
    const projenrcPython = options.projenrcPython ?? false;
    super({
      projenrcTs: !projenrcPython,
      projenrcJs: false,
      // The sample Dockerfile installs with `npm ci`.
      packageManager: NodePackageManager.NPM,
      sampleCode: false,
      readme: { filename: 'README.md', contents: consumerReadme(options.name, projenrcPython) },
      tsJestOptions: { transformOptions: { isolatedModules: true } },
      ...options,
      ...(projenrcPython ? { projenrcTs: false } : {}),
    });
    if (projenrcPython) {
      new PythonProjenrc(this, { pythonExec: options.pythonExec ?? 'python' });
    }

    // Keep a spec the user chose (e.g. name@file:...); otherwise track the registry.
    if (!this.deps.all.some(dep => dep.name === PACKAGE_NAME)) {
      this.addDevDeps(PACKAGE_NAME);
    }

    const fromPipeline = options.pipeline?.repository;
    if (fromPipeline !== undefined && options.githubRepository !== undefined && fromPipeline !== options.githubRepository) {
      throw new PipelineConfigError('pipeline configuration', [
        `githubRepository: ${JSON.stringify(options.githubRepository)} conflicts with pipeline.repository ${JSON.stringify(fromPipeline)}; set one of them`,
      ]);
    }
    this.pipelineInfrastructure = new PipelineInfrastructure(this, {
      pipeline: { ...options.pipeline, repository: fromPipeline ?? options.githubRepository ?? PLACEHOLDER_REPOSITORY },
    });

    for (const [filePath, contents] of Object.entries(sampleFiles())) {
      new SampleFile(this, filePath, { contents });
    }

    // Moves the type across major versions too; `upgrade` stays within the current major.
    this.addTask('upgrade:pipeline-type', {
      description: `Upgrade ${PACKAGE_NAME} to its latest release (even a new major) and resynthesize`,
      steps: [
        { exec: `npx --yes npm-check-updates@20 --upgrade --target=latest --filter=${PACKAGE_NAME},projen` },
        { exec: 'npm install' },
        { exec: 'npx projen' },
      ],
    });
  }
}
