import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { REPO_ROOT, tempDir } from './helpers';
import { CicdPipelineProject } from '../src/cicd-pipeline-project';
import { PROJENRC_RUNNER } from '../src/python-projenrc';

/**
 * The runner of `.projenrc.py` (the `default` task of a Python repository):
 * a configuration error of the library, which jsii raises as a RuntimeError
 * from a JavaScriptError, prints its message once and no traceback; any other
 * error keeps its traceback. The jsii classes are stood in for by ones of the
 * same names (the Python e2e runs it with the real wheel).
 */

const RUNNER = path.join(REPO_ROOT, PROJENRC_RUNNER.replace('node_modules/cicd-pipeline-type/', ''));
const MESSAGE = 'Invalid pipeline configuration in .projenrc.py (2 problems); nothing was written:\n' +
  '  - pipeline.registry.keep_images: must be from 1 to 10000 (got -1)\n  - release_to_npm: does not apply to an application';

/** Runs `projenrc` through the runner, as `npx projen` does in a Python repository. */
function runProjenrc(projenrc: string, files: Record<string, string> = {}) {
  const dir = tempDir('py-runner');
  fs.writeFileSync(path.join(dir, '.projenrc.py'), projenrc);
  for (const [file, text] of Object.entries(files)) fs.writeFileSync(path.join(dir, file), text);
  const result = spawnSync('python3', [RUNNER, '.projenrc.py'], { cwd: dir, encoding: 'utf-8' });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr, dir };
}

const RAISE_LIKE_JSII = (message: string, stack: string) => [
  'class JavaScriptError(Exception):',
  '    def __init__(self, stack):',
  '        self.stack = stack',
  'def create():',
  '    try:',
  `        raise JavaScriptError(${JSON.stringify(stack)})`,
  '    except JavaScriptError as cause:',
  `        raise RuntimeError(${JSON.stringify(message)}) from cause`,
  'create()',
  '',
].join('\n');

describe('python-runner/run_projenrc.py', () => {
  test('a configuration error prints its message once, without a traceback, and exits 1', () => {
    const { status, stdout, stderr } = runProjenrc(RAISE_LIKE_JSII(MESSAGE, `PipelineConfigError: ${MESSAGE}`));
    expect(status).toBe(1);
    expect(stdout).toBe('');
    expect(stderr).toBe(`${MESSAGE}\n`);
  });

  test('any other error, from jsii or the projenrc, keeps its traceback', () => {
    const fault = runProjenrc(RAISE_LIKE_JSII('Cannot read properties of undefined', 'TypeError: Cannot read properties of undefined'));
    expect(fault.status).toBe(1);
    expect(fault.stderr).toMatch(/Traceback \(most recent call last\)[\s\S]*RuntimeError: Cannot read properties of undefined/);
    const typo = runProjenrc('import nothing_here\n');
    expect(typo.stderr).toMatch(/ModuleNotFoundError: No module named 'nothing_here'/);
  });

  test('runs .projenrc.py as `python .projenrc.py` would: as __main__, its folder on the path, its name as argv[0]', () => {
    const { status, dir } = runProjenrc([
      'import sys, helper',
      'assert __name__ == "__main__"',
      'open("ran.txt", "w").write(sys.argv[0] + " " + helper.VALUE)',
      '',
    ].join('\n'), { 'helper.py': 'VALUE = "local"\n' });
    expect(status).toBe(0);
    expect(fs.readFileSync(path.join(dir, 'ran.txt'), 'utf-8')).toBe('.projenrc.py local');
  });

  test('is the default task of a Python repository, and ships in the package (a top-level folder npm packs)', () => {
    const outdir = tempDir('py-default');
    process.env.PROJEN_DISABLE_POST = 'true';
    new CicdPipelineProject({ name: 'web-app', defaultReleaseBranch: 'main', githubRepository: 'acme/web-app', outdir, projenrcPython: true }).synth();
    const tasks = JSON.parse(fs.readFileSync(path.join(outdir, '.projen', 'tasks.json'), 'utf-8')).tasks;
    expect(tasks.default.steps).toEqual([{ execArgs: ['python', PROJENRC_RUNNER, '.projenrc.py'] }]);
    expect(fs.existsSync(RUNNER)).toBe(true);
    const npmignore = fs.readFileSync(path.join(REPO_ROOT, '.npmignore'), 'utf-8').split('\n');
    expect(npmignore).not.toContain('/python-runner/');
    fs.rmSync(outdir, { recursive: true, force: true });
  });
});
