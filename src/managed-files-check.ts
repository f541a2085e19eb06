import { Component } from 'projen';
import { NodeProject } from 'projen/lib/javascript';

/** Options of `ManagedFilesCheck`. */
export interface ManagedFilesCheckOptions {
  /** The file the team edits instead (`.projenrc.ts` or `.projenrc.py`). */
  readonly projenrc: string;
}

/**
 * Says, in the pull request's build, which projen-managed files a fresh synth
 * changed and what to do about it.
 *
 * projen's build workflow already fails the build on any change after
 * `npx projen build` ("Find mutations", then "Fail build on mutation") and
 * pushes the regenerated files back to same-repository branches; its message
 * does not say that a managed file was edited by hand. This step only
 * explains (it never fails), so projen's self-mutation still runs.
 */
export class ManagedFilesCheck extends Component {
  public constructor(project: NodeProject, options: ManagedFilesCheckOptions) {
    super(project);
    project.buildWorkflow?.addPostBuildSteps({
      name: 'Explain changed managed files',
      run: [
        'managed=$(node -p "require(\'./.projen/files.json\').files.join(\' \')")',
        'changed=$(git status --porcelain -- $managed)',
        'if [ -n "$changed" ]; then',
        `  echo "::error::Managed files differ from a fresh synth. They are generated: change ${options.projenrc} and run npx projen instead of editing them, then commit the result."`,
        '  echo "$changed"',
        'fi',
      ].join('\n'),
    });
  }
}
