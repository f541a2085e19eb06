import { execFileSync, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { REPO_ROOT } from './helpers';
import { SUPPORTED_NODE_MAJORS } from '../src/node-support';

const manifest = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf-8'));
const major = (version: string) => Number(/^v?(\d+)\./.exec(version)?.[1]);

describe('the tests run on a Node.js of the support matrix, installed by the project itself', () => {
  test('this process runs the `node` devDependency, a line of the matrix', () => {
    expect(SUPPORTED_NODE_MAJORS).toContain(major(process.version));
    expect(process.version).toBe(`v${manifest.devDependencies.node}`);
  });

  test('a child process finds the same node on PATH, as the e2e suites\' `npx projen` and the jsii runtime of a `.projenrc.py` do', () => {
    const child = execFileSync('node', ['-p', 'process.version'], { encoding: 'utf-8' }).trim();
    expect(child).toBe(process.version);
  });

  test('the pinned @pulumi/* accept every line of the matrix (engines.node)', () => {
    for (const name of ['@pulumi/pulumi', '@pulumi/aws']) {
      const installed = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'node_modules', name, 'package.json'), 'utf-8'));
      expect({ name, version: installed.version }).toEqual({ name, version: manifest.devDependencies[name] });
      const floor = /^>=\s*(\d+)/.exec(installed.engines?.node ?? '>=0')?.[1];
      expect({ name, floor: Number(floor) <= Math.min(...SUPPORTED_NODE_MAJORS) }).toEqual({ name, floor: true });
    }
  });

  test('the jsii runtime\'s Node.js check (which a `.projenrc.py` runs first) prints no banner on this Node', () => {
    // The jsii runtime runs @jsii/check-node before it frames its output, so jsii's Python client
    // prints a banner as raw bytes: on an end-of-life or untested Node a Python synth starts with one.
    const check = spawnSync('node', ['-e', "require('@jsii/check-node/run')"], { cwd: REPO_ROOT, encoding: 'utf-8' });
    expect(check.status).toBe(0);
    expect(check.stderr).toBe('');
  });
});
