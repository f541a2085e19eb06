import * as fs from 'fs';
import * as path from 'path';
import { Component, FileBase, IResolver, JsonFile, Project, SampleFile, YamlFile } from 'projen';
import { PipelineModel } from './pipeline-model';
import { PipelineSettingsFile } from './settings-file';

/** Where the program's source lives in this package (packed with it, beside `lib/`). */
export const PROGRAM_SOURCE_DIR = path.join(__dirname, '..', 'program', 'infra');

/**
 * The program files shipped verbatim into consumer repos: every TypeScript file
 * of the program (its parts, settings, guardrails and their test), so a new
 * part cannot be left behind.
 */
export const PROGRAM_FILES = fs.readdirSync(PROGRAM_SOURCE_DIR).filter(file => file.endsWith('.ts')).sort();

/** The Pulumi project name: part of every stack's identity, so it never follows a setting. */
export const PULUMI_PROJECT_NAME = 'cicd-pipeline';

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
  readonly dir: string;
  readonly buildspecPath: string;
}

/**
 * The Pulumi project under `dir`: `Pulumi.yaml`, the program, its tsconfig and
 * settings (all managed), and one stack file per environment (written once,
 * then the team's).
 */
export class PulumiProgramFiles extends Component {
  public constructor(project: Project, options: PulumiProgramFilesOptions) {
    super(project);
    const { dir, model } = options;

    new YamlFile(project, path.posix.join(dir, 'Pulumi.yaml'), {
      obj: {
        name: PULUMI_PROJECT_NAME,
        description: `CI/CD pipeline of ${model.repository} (managed by cicd-pipeline-type)`,
        runtime: { name: 'nodejs', options: { typescript: true, packagemanager: 'npm' } },
        // Without `main`, Pulumi would run the repository's package.json entry and delete the pipeline.
        main: 'index.ts',
        config: {
          environmentSuffix: { type: 'string', description: 'Environment suffix of every resource name (required)' },
        },
      },
    });

    for (const file of PROGRAM_FILES) {
      new ShippedSourceFile(project, path.posix.join(dir, file), path.join(PROGRAM_SOURCE_DIR, file));
    }
    const tsconfig = JSON.parse(fs.readFileSync(path.join(PROGRAM_SOURCE_DIR, 'tsconfig.json'), 'utf-8'));
    new JsonFile(project, path.posix.join(dir, 'tsconfig.json'), { obj: tsconfig, newline: true });

    new PipelineSettingsFile(project, path.posix.join(dir, SETTINGS_FILE), model, options.buildspecPath);

    for (const environment of model.environments) {
      new SampleFile(project, path.posix.join(dir, `Pulumi.${environment}.yaml`), {
        contents: [
          `# Stack "${environment}". Written once by cicd-pipeline-type: this file is yours and is never overwritten.`,
          '# Secrets: pulumi config set --secret <key> <value> (stored encrypted, never in plain text).',
          'config:',
          `  ${PULUMI_PROJECT_NAME}:environmentSuffix: ${environment}`,
          '  # The region the pipeline is deployed to (or set AWS_REGION):',
          '  # aws:region: eu-west-1',
          '',
        ].join('\n'),
      });
    }
  }
}
