// Flagstone's infrastructure app: one Terraform stack per environment, written to cdktf.out/stacks/<env>.
// Run with Node 24 (`npm run synth` or `make synth`); Terraform then plans and applies the JSON there.
// cdktf.json lets the cdktf CLI run the same app (e.g. `cdktf synth --hcl`), which sets CDKTF_OUTDIR.
import { fileURLToPath } from 'node:url';
import { App } from 'cdktf';
import { FlagstoneStack } from './lib/stack.ts';
import { environments } from './settings.ts';

const app = new App({
  outdir: process.env.CDKTF_OUTDIR ?? fileURLToPath(new URL('./cdktf.out', import.meta.url)),
});
for (const settings of Object.values(environments)) new FlagstoneStack(app, settings.environment, settings);
app.synth();
