import * as fs from 'fs';
import * as path from 'path';

/** Package versions that consumer repos are given, read from this package's own manifest. */
export interface PinnedVersions {
  /** This release of cicd-pipeline-type. */
  readonly self: string;
  readonly pulumi: string;
  readonly pulumiAws: string;
}

let cached: PinnedVersions | undefined;

/**
 * The `@pulumi/*` versions this release was type-checked and tested against
 * (its exact devDependencies), so consumers run exactly those.
 */
export function pinnedVersions(): PinnedVersions {
  if (!cached) {
    const manifest = JSON.parse(fs.readFileSync(path.join(__dirname, '..', 'package.json'), 'utf-8'));
    const exact = (name: string) => {
      const version = manifest.devDependencies?.[name];
      if (!/^\d+\.\d+\.\d+$/.test(version ?? '')) {
        throw new Error(`cicd-pipeline-type's package.json must pin ${name} exactly (found ${version})`);
      }
      return version as string;
    };
    cached = { self: manifest.version, pulumi: exact('@pulumi/pulumi'), pulumiAws: exact('@pulumi/aws') };
  }
  return cached;
}

/**
 * The version of `pkg` installed in the repository at `root` (what its
 * package.json resolved to), or `fallback` before anything is installed.
 */
export function installedVersion(root: string, pkg: string, fallback: string): string {
  try {
    return JSON.parse(fs.readFileSync(path.join(root, 'node_modules', pkg, 'package.json'), 'utf-8')).version;
  } catch {
    return fallback;
  }
}

/** The version of the projen this library runs with. */
export function projenVersion(): string {
  return JSON.parse(fs.readFileSync(require.resolve('projen/package.json'), 'utf-8')).version;
}
