import { Testing } from 'projen';
import * as fs from 'fs'; import * as os from 'os'; import * as path from 'path';
import { CicdPipelineProject } from '../src';
const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 's-'));
const snap = Testing.synth(new CicdPipelineProject({ name: 'my-app', defaultReleaseBranch: 'main', outdir, projenrcPython: process.argv[2]==='py' }));
const dir = '/tmp/synth-out' + (process.argv[2]||''); fs.rmSync(dir,{recursive:true,force:true});
for (const [f, c] of Object.entries(snap)) { fs.mkdirSync(path.dirname(path.join(dir,f)),{recursive:true}); fs.writeFileSync(path.join(dir,f), typeof c==='string'?c:JSON.stringify(c,null,2)); }
