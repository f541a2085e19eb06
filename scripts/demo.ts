/**
 * The main job: pack this library and create an application repo from the
 * tarball, exactly as a team would with `npx projen new --from`, then build it.
 *
 *   npx projen demo [target-dir]     (default: ./demo-app, replaced if it exists)
 */
import * as fs from 'fs';
import * as path from 'path';
import { commitAll, newConsumer, packLibrary, run } from '../test/e2e/harness';
import { REPO_ROOT } from '../test/helpers';

const target = path.resolve(process.argv[2] ?? path.join(REPO_ROOT, 'demo-app'));
const tarball = packLibrary();
console.log(`packed ${path.relative(REPO_ROOT, tarball) || tarball} (${Math.round(fs.statSync(tarball).size / 1024)} kB)`);
fs.rmSync(target, { recursive: true, force: true });
newConsumer(tarball, [], target);
commitAll(target, 'projen new --from cicd-pipeline-type');
console.log(`created ${target} with: npx projen new --from cicd-pipeline-type@file:${tarball}`);
run(target, 'npx', ['projen', 'build']);
console.log(`"npx projen build" passed in ${target}.`);
console.log([
  '',
  'Before "npx projen deploy" in that repo:',
  "  1. set githubRepository: 'owner/name' in .projenrc.ts, then run npx projen",
  '  2. cd infra && pulumi stack init dev && pulumi config set aws:region <region> && cd ..',
  '  3. npx projen deploy, then authorize the PENDING connection once in the AWS console',
].join('\n'));
