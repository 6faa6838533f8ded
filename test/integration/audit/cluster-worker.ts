/** A cluster worker for cluster-workers.test.ts: one file sink on the shared configured dir, N records. */
import { Registry } from 'prom-client';
import { createSinkRunner } from '../../../src/audit/sinks/create.js';
import { silentLogger } from '../../../src/log.js';
import { sampleRecord } from '../../unit/audit/file-helpers.js';

const dir = process.env['AUDIT_DIR']!;
const runner = await createSinkRunner(
  { name: 'local', type: 'file', dir, signingKey: process.env['AUDIT_KEY']!, checkpoint: { records: 7 } },
  { configFile: `${dir}/meshguard.yaml`, configDir: dir, logger: silentLogger, metrics: new Registry() },
);
const n = Number(process.env['AUDIT_N']);
for (let i = 0; i < n; i++) {
  runner.enqueue(sampleRecord(i));
  if (i % 10 === 0) await new Promise((r) => setImmediate(r));
}
await runner.close();
process.exit(0);
