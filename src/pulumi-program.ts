import * as fs from 'fs';
import * as path from 'path';
import { Component, FileBase, IResolver, JsonFile, Project, SampleFile } from 'projen';
import { PipelineModel } from './pipeline-model';
import { PortableYamlFile } from './portable-yaml';
import { SelfUpdateBuildspecs } from './self-update-buildspec';
import { PipelineSettingsFile } from './settings-file';
import { stackFileContents } from './stack-file';
import { OptionPath, Problems } from './validation';

/** Where the program's source lives in this package (packed with it, beside `lib/`). */
export const PROGRAM_SOURCE_DIR = path.join(__dirname, '..', 'program', 'infra');

/** The TypeScript files under `dir`, as POSIX paths relative to `root`, in every subfolder. */
function typescriptFiles(root: string, dir = root): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap(entry => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return typescriptFiles(root, full);
    return entry.name.endsWith('.ts') ? [path.relative(root, full).split(path.sep).join('/')] : [];
  });
}

/**
 * The program files shipped verbatim into consumer repos: every TypeScript file
 * of the program (its parts, features, settings, guardrails and their test), in
 * every folder, so a new part cannot be left behind. Paths are POSIX and
 * relative to the program's root (`parts/key.ts`).
 */
export const PROGRAM_FILES = typescriptFiles(PROGRAM_SOURCE_DIR).sort();

/**
 * Pulumi's rule for project names: not empty, at most 100 characters, only
 * alphanumerics, hyphens, underscores and periods (pulumi/pulumi
 * `sdk/go/common/tokens` ValidateProjectName, which `pulumi stack init` runs).
 */
const PULUMI_PROJECT_PATTERN = /^[A-Za-z0-9_.-]{1,100}$/;

/**
 * The Pulumi project name of a repository whose package is `packageName`.
 * A stack's identity on a backend is `<org>/<project>/<stack>` (Pulumi Cloud) or
 * `.pulumi/stacks/<project>/<stack>.json` (S3 and file backends): a name shared
 * by two repositories would make their `dev` stacks one stack.
 */
export function pulumiProjectName(packageName: string): string {
  return packageName.replace(/^@/, '').replace(/[^A-Za-z0-9_.-]+/g, '-').slice(0, 100);
}

/**
 * Reports a Pulumi project name Pulumi rejects: at `pulumiProject` when the
 * user chose it, at `name` when it was derived from the package name. A
 * number would be written as a YAML number into `Pulumi.yaml`.
 */
export function checkPulumiProject(p: Problems, name: unknown, chosen: boolean): void {
  const option = OptionPath.of('pulumiProject');
  if (chosen && !p.string(option, name, true)) return;
  if (typeof name === 'string' && PULUMI_PROJECT_PATTERN.test(name)) return;
  const rule = `${JSON.stringify(name)} is not a Pulumi project name (1 to 100 letters, digits, "_", "." and "-")`;
  if (chosen) p.add(option, rule);
  else p.add(OptionPath.of('name'), `derives the Pulumi project name ${rule}; set ${p.name(option)}`);
}

/** The settings file name the program reads (next to its entry point). */
export const SETTINGS_FILE = 'pipeline-settings.json';

/** A TypeScript file copied from this package, with projen's marker on top. */
class ShippedSourceFile extends FileBase {
  public constructor(project: Project, filePath: string, private readonly source: string) {
    super(project, filePath);
  }

  protected synthesizeContent(_resolver: IResolver): string {
    const body = fs.readFileSync(this.source, 'utf-8');
    return `// ${this.marker}\n${body}`;
  }
}

export interface PulumiProgramFilesOptions {
  readonly model: PipelineModel;
  /** The Pulumi project name (checked). */
  readonly projectName: string;
  readonly dir: string;
  readonly buildspecPath: string;
  /** The backend `Pulumi.yaml` records (deploy-handover.ts says which). */
  readonly backendUrl?: string;
}

/**
 * The Pulumi project under `dir`: `Pulumi.yaml`, the program, its tsconfig and
 * settings (all managed), and one stack file per environment (written once,
 * then the team's).
 */
export class PulumiProgramFiles extends Component {
  public constructor(project: Project, options: PulumiProgramFilesOptions) {
    super(project);
    const { dir, model, projectName } = options;

    new PortableYamlFile(project, path.posix.join(dir, 'Pulumi.yaml'), {
      obj: {
        name: projectName,
        description: `CI/CD pipeline of ${model.repository} (managed by cicd-pipeline-type)`,
        runtime: { name: 'nodejs', options: { typescript: true, packagemanager: 'npm' } },
        // Without `main`, Pulumi would run the repository's package.json entry and delete the pipeline.
        main: 'index.ts',
        config: {
          environmentSuffix: { type: 'string', description: 'Environment suffix of every resource name (required)' },
        },
        // People and the pipeline use the stack's backend ("Pulumi project file reference": backend.url), kept once known.
        ...(options.backendUrl ? { backend: { url: options.backendUrl } } : {}),
      },
    });

    for (const file of PROGRAM_FILES) {
      new ShippedSourceFile(project, path.posix.join(dir, file), path.join(PROGRAM_SOURCE_DIR, ...file.split('/')));
    }
    const tsconfig = JSON.parse(fs.readFileSync(path.join(PROGRAM_SOURCE_DIR, 'tsconfig.json'), 'utf-8'));
    new JsonFile(project, path.posix.join(dir, 'tsconfig.json'), { obj: tsconfig, newline: true });

    new PipelineSettingsFile(project, path.posix.join(dir, SETTINGS_FILE), model, options.buildspecPath, projectName);
    if (model.selfUpdate) new SelfUpdateBuildspecs(project, model.selfUpdate, dir);

    for (const environment of model.environments) {
      new SampleFile(project, path.posix.join(dir, `Pulumi.${environment}.yaml`), {
        contents: stackFileContents(environment, projectName),
      });
    }
  }
}
