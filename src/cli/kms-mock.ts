import type { Command } from 'commander';
import { startKmsMock } from '../../kms-mock/server.js';
import { createLogger } from '../log.js';

interface KmsMockCliOptions {
  listen: string;
  state: string;
  trustDomain: string;
  ttl: string;
  rotateDelay: string;
  json?: boolean;
}

/** `meshguard kms-mock`: the development KMS server. Runs until SIGINT / SIGTERM. */
export function registerKmsMock(program: Command): void {
  program
    .command('kms-mock')
    .description('Run the development KMS: dev CA in --state, CSR signing over HTTPS, trust bundle, CA rotation, fault injection, Vault PKI routes')
    .requiredOption('--listen <host:port>', 'address to listen on', '127.0.0.1:8443')
    .requiredOption('--state <dir>', 'state directory (dev root + intermediate, kms-ca.pem, bootstrap-token)', 'kms-mock/state')
    .requiredOption('--trust-domain <td>', 'SPIFFE trust domain it signs for')
    .option('--ttl <duration>', 'default SVID lifetime (seconds or 30s, 5m, 1h)', '1h')
    .option('--rotate-delay <duration>', 'default delay between publishing a new root and signing with it', '10s')
    .option('--json', 'print the startup summary as JSON')
    .action(async (o: KmsMockCliOptions) => {
      const logger = createLogger({ destination: process.stderr as unknown as import('pino').DestinationStream });
      let mock;
      try {
        const ttl = /^[0-9]+$/.test(o.ttl) ? Number(o.ttl) : o.ttl;
        mock = await startKmsMock({ listen: o.listen, stateDir: o.state, trustDomain: o.trustDomain, ttl, rotateDelay: o.rotateDelay, logger });
      } catch (err) {
        process.stderr.write(`meshguard kms-mock: ${(err as Error).message}\n`);
        process.exitCode = 1;
        return;
      }
      const summary = { url: mock.url, caFile: mock.caFile, tokenFile: mock.tokenFile, bundleFile: mock.bundleFile, trustDomain: o.trustDomain };
      if (o.json) console.log(JSON.stringify(summary));
      else {
        console.log(`kms-mock listening on ${mock.url} for trust domain ${o.trustDomain}`);
        console.log(`  server CA:        ${mock.caFile}`);
        console.log(`  bootstrap token:  ${mock.tokenFile}`);
        console.log(`  trust bundle:     ${mock.bundleFile}  (also GET ${mock.url}/v1/bundle)`);
        console.log(`  faults:           curl --cacert ${mock.caFile} -d '{"mode":"down","seconds":10}' ${mock.url}/admin/faults`);
        console.log(`  rotate the CA:    curl --cacert ${mock.caFile} -d '{"delaySeconds":10}' ${mock.url}/admin/rotate-ca`);
      }
      await new Promise<void>((resolve) => {
        const stop = (): void => resolve();
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
      });
      await mock.close();
    });
}
