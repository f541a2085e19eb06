import { Component, JsonPatch, Task } from 'projen';
import { JobStep } from 'projen/lib/github/workflows-model';
import { NodeProject } from 'projen/lib/javascript';
import { Projenrc, RequirementsFile } from 'projen/lib/python';
import { installedVersion, pinnedVersions, projenVersion } from './versions';

/** What `.projenrc.py` imports, pinned to the versions package.json resolved to. */
export const PROJENRC_REQUIREMENTS = 'requirements-dev.txt';

/**
 * The script the `default` task runs `.projenrc.py` with, in a consumer
 * repository (shipped in this package, a devDependency of every consumer):
 * a configuration error prints once, without the jsii traceback.
 */
export const PROJENRC_RUNNER = 'node_modules/cicd-pipeline-type/python-runner/run_projenrc.py';

/** The Python the generated workflows set up to run `.projenrc.py`. */
export const WORKFLOW_PYTHON_VERSION = '3.12';

/** Options of `PythonProjenrcSupport`. */
export interface PythonProjenrcSupportOptions {
  /** The interpreter that runs `.projenrc.py`. */
  readonly pythonExec: string;
}

/**
 * The steps a workflow needs before anything runs `.projenrc.py`: a Python,
 * and the pinned `projen` and `cicd-pipeline-type` packages.
 */
export function pythonSetupSteps(): JobStep[] {
  return [
    { name: 'Set up Python', uses: 'actions/setup-python@v5', with: { 'python-version': WORKFLOW_PYTHON_VERSION } },
    { name: 'Install the projenrc requirements', run: `python -m pip install -r ${PROJENRC_REQUIREMENTS}` },
  ];
}

/** The Python projenrc, whose generated `.projenrc.py` leaves out the TypeScript projenrc switch. */
class PythonProjenrc extends Projenrc {
  public projectCreation(initProject: Parameters<Projenrc['projectCreation']>[0]): void {
    const { projenrcTs: _ts, ...args } = initProject.args as Record<string, unknown>;
    super.projectCreation({ ...initProject, args });
  }
}

/**
 * Everything a repository configured from `.projenrc.py` needs beyond the
 * TypeScript one: the projenrc itself, a managed requirements file with the
 * exact `projen` and `cicd-pipeline-type` versions package.json resolved to
 * (so CI installs what `.projenrc.py` imports), an ignored virtualenv, and
 * the upgrade workflow's Python.
 */
export class PythonProjenrcSupport extends Component {
  private readonly pythonExec: string;

  public constructor(project: NodeProject, options: PythonProjenrcSupportOptions) {
    super(project);
    this.pythonExec = options.pythonExec;
    const projenrc = new PythonProjenrc(project, { pythonExec: options.pythonExec });
    project.defaultTask?.reset();
    project.defaultTask?.execArgs([options.pythonExec, PROJENRC_RUNNER, projenrc.filePath]);

    // The versions npm installed: after `npx projen upgrade` moved package.json, the Python
    // package still synthesizing is the old one, and it must pin the new one for pip.
    const projen = installedVersion(project.outdir, 'projen', projenVersion());
    const selfVersion = installedVersion(project.outdir, 'cicd-pipeline-type', pinnedVersions().self);
    new RequirementsFile(project, PROJENRC_REQUIREMENTS, {}).addPackages(`projen@${projen}`, `cicd-pipeline-type@${selfVersion}`);
    project.gitignore.addPatterns('.venv/', '__pycache__/');

    // `npx projen upgrade` runs `.projenrc.py` too: its workflow needs the same Python set-up.
    const setupCount = 1 + project.renderWorkflowSetup({ mutable: false }).length; // checkout + node set-up
    for (const workflow of project.upgradeWorkflow?.workflows ?? []) {
      pythonSetupSteps().forEach((step, i) => workflow.file?.patch(JsonPatch.add(`/jobs/upgrade/steps/${setupCount + i}`, toYamlStep(step))));
    }
  }

  /**
   * After an upgrade resynthesized with the old Python package (writing the new
   * pins), install the new one and synthesize again with it.
   */
  public followUpgrade(...tasks: Array<Task | undefined>): void {
    for (const task of tasks) {
      task?.exec(`${this.pythonExec} -m pip install -r ${PROJENRC_REQUIREMENTS}`);
      task?.exec('npx projen');
    }
  }
}

/** A step as the workflow file spells it (projen renders `with` the same way). */
function toYamlStep(step: JobStep): Record<string, unknown> {
  return JSON.parse(JSON.stringify(step));
}
