import { checkPulumiProject } from './pulumi-program';
import { OptionPath, Problems } from './validation';

/** The options of `CicdPipelineProject` beside `pipeline` that this type adds, as the user wrote them. */
export interface ProjectOptionsInput {
  readonly projenrcPython?: unknown;
  readonly pythonExec?: unknown;
  readonly pulumiProject?: unknown;
}

/**
 * An executable's name or path, as projen writes it into task commands
 * unquoted: none of the characters a POSIX shell treats specially ("Shell
 * Command Language", 2.2 Quoting: `| & ; < > ( ) $ \` \ " '`, space, tab,
 * newline, and `* ? [ # ~ = %`), and no leading `-`, which would be read as
 * an option.
 */
const EXECUTABLE = /^(?!-)[A-Za-z0-9_.+/:-]+$/;

/** Checks the project type's own options; `derivedPulumiProject` is the name used when `pulumiProject` is unset. */
export function checkProjectOptions(p: Problems, options: ProjectOptionsInput, derivedPulumiProject: string): void {
  const projenrcPython = OptionPath.of('projenrcPython');
  if (options.projenrcPython !== undefined && typeof options.projenrcPython !== 'boolean') {
    // A string "true" would configure the repository from .projenrc.ts while the user expects .projenrc.py.
    p.add(projenrcPython, `must be true or false (got ${typeof options.projenrcPython === 'string' ? 'a string' : typeof options.projenrcPython})`);
  }
  const pythonExec = OptionPath.of('pythonExec');
  if (p.string(pythonExec, options.pythonExec, false) && !EXECUTABLE.test(options.pythonExec)) {
    p.add(pythonExec, `${JSON.stringify(options.pythonExec)} must be the name or path of an executable, e.g. "python3" or ".venv/bin/python" ` +
      '(not empty, no spaces, quotes or shell characters, no leading "-"): the tasks run it as the first word of a command');
  }
  const chosen = options.pulumiProject !== undefined;
  checkPulumiProject(p, chosen ? options.pulumiProject : derivedPulumiProject, chosen);
}
