import * as fs from 'fs';
import * as path from 'path';
import { packLibrary } from './e2e/harness';
import { REPO_ROOT } from './helpers';

/** The jsii assembly: the public API every language sees. */
let assembly: any;
beforeAll(() => {
  packLibrary(); // compiles .jsii from the current sources
  assembly = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, '.jsii'), 'utf-8'));
});

const ownTypes = () => Object.values<any>(assembly.types).filter(t => t.fqn.startsWith('cicd-pipeline-type.'));

describe('the public jsii API', () => {
  test('has exactly one project type, with an explicit pjid', () => {
    const projectTypes = ownTypes().filter(t => t.docs?.custom?.pjid);
    expect(projectTypes.map(t => [t.fqn, t.docs.custom.pjid])).toEqual([['cicd-pipeline-type.CicdPipelineProject', 'cicd-pipeline']]);
  });

  test('is a small, deliberate surface: props structs, enums, one component, one project type', () => {
    expect(ownTypes().map(t => t.name).sort()).toEqual([
      'ArtifactProps', 'BuildArchitecture', 'BuildComputeType', 'BuildImage', 'CicdPipelineProject', 'CicdPipelineProjectOptions', 'CodeBuildProps',
      'DeployComputeType', 'DeployStageProps', 'DeploymentWindowProps', 'ManualApprovalProps', 'NotificationProps', 'PipelineExecutionMode', 'PipelineExecutionState',
      'PipelineInfrastructure', 'PipelineInfrastructureOptions', 'PipelineProps', 'RegistryProps', 'SelfUpdateProps', 'SharedResourcesProps', 'StageGuardProps',
      'SupplyChainProps',
      'TagProps',
    ]);
    expect(assembly.types['cicd-pipeline-type.PipelineProps'].datatype).toBe(true);
  });

  test('depends on projen and constructs only: nothing from @pulumi crosses it', () => {
    expect(Object.keys(assembly.dependencies).sort()).toEqual(['constructs', 'projen']);
    const referenced = JSON.stringify(assembly.types).match(/"fqn":"[^"]+"/g) ?? [];
    expect(referenced.filter(ref => !/"fqn":"(cicd-pipeline-type|projen|constructs)\./.test(ref))).toEqual([]);
  });

  test('documents every property of its own structs, with a default for every optional one', () => {
    const missing: string[] = [];
    for (const type of ownTypes().filter(t => t.kind === 'interface')) {
      for (const prop of type.properties ?? []) {
        if (!prop.docs?.summary) missing.push(`${type.name}.${prop.name}: no doc comment`);
        if (prop.optional && prop.docs?.default === undefined) missing.push(`${type.name}.${prop.name}: no @default`);
      }
    }
    expect(missing).toEqual([]);
  });

  test('API.md documents every option of PipelineProps and its structs', () => {
    const api = fs.readFileSync(path.join(REPO_ROOT, 'API.md'), 'utf-8');
    for (const type of ownTypes().filter(t => t.datatype)) {
      for (const prop of type.properties ?? []) expect(api).toContain(`id="${type.fqn}.property.${prop.name}"`);
    }
  });
});
