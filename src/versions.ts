import * as fs from 'fs';
import * as path from 'path';

/** Package versions that consumer repos are given, read from this package's own manifest. */
export interface PinnedVersions {
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
    cached = { pulumi: exact('@pulumi/pulumi'), pulumiAws: exact('@pulumi/aws') };
  }
  return cached;
}
