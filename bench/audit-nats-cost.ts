/**
 * Where the nats sink's CPU goes: busy time of the event loop that serves requests, per record
 * published to JetStream (acks awaited), with the NATS client on that loop (JetStreamPublisher used
 * directly) and with the sink as shipped (client in its worker thread). Publishes to the machine's
 * nats-server (NATS_URL, default 127.0.0.1:4222) on a stream of its own, deleted afterwards.
 *
 *   node dist/bench/audit-nats-cost.js [N=20000]
 */
import { performance } from 'node:perf_hooks';
import { randomBytes } from 'node:crypto';
import { connect } from 'nats';
import { JetStreamPublisher } from '../src/audit/sinks/nats-publisher.js';
import { NatsSink } from '../src/audit/sinks/nats.js';
import { chainLine, GENESIS_HASH, type ChainState } from '../src/audit/chain.js';
import { silentLogger } from '../src/log.js';
import { sampleRecord } from '../test/unit/audit/file-helpers.js';

const N = Number(process.argv[2] ?? 20_000);
const URL = process.env['NATS_URL'] ?? 'nats://127.0.0.1:4222';
const BATCH = 256;

function busyMs(from: ReturnType<typeof performance.eventLoopUtilization>): number {
  return performance.eventLoopUtilization(from).active;
}

async function onLoop(stream: string, subject: string): Promise<number> {
  const pub = new JetStreamPublisher({ url: URL, stream, subject, createStream: true, ackTimeoutMs: 5000, retries: 3, name: 'bench' });
  await pub.connect();
  let chain: ChainState = { seq: 0, hash: GENESIS_HASH };
  const recs = Array.from({ length: N }, (_, i) => sampleRecord(i));
  const elu = performance.eventLoopUtilization();
  for (let i = 0; i < N; i += BATCH) {
    const msgs = recs.slice(i, i + BATCH).map((r) => { const c = chainLine(r, chain); chain = { seq: c.seq, hash: c.hash }; return { id: r.id, line: c.line }; });
    await pub.publish(msgs);
  }
  const ms = busyMs(elu);
  await pub.close();
  return (ms * 1000) / N;
}

async function inThread(stream: string, subject: string): Promise<number> {
  const sink = new NatsSink({ name: 'bench', url: URL, stream, subject, createStream: true, ackTimeoutMs: 5000, retries: 3, logger: silentLogger });
  await sink.write([sampleRecord(-1)]); // connect and start the thread outside the measurement
  const recs = Array.from({ length: N }, (_, i) => sampleRecord(i));
  const elu = performance.eventLoopUtilization();
  for (let i = 0; i < N; i += BATCH) await sink.write(recs.slice(i, i + BATCH));
  const ms = busyMs(elu);
  await sink.close();
  return (ms * 1000) / N;
}

const tag = randomBytes(4).toString('hex');
const streams = [`MGBENCH_NATSCOST_A_${tag}`, `MGBENCH_NATSCOST_B_${tag}`];
try {
  const a = await onLoop(streams[0]!, `mgbench.natscost.a.${tag}`);
  const b = await inThread(streams[1]!, `mgbench.natscost.b.${tag}`);
  process.stdout.write(`# nats sink: event-loop busy time per published record (N=${N}, batches of ${BATCH})\n\n`
    + `| NATS client | µs per record on the request path's loop |\n|---|---:|\n`
    + `| on the same loop | ${a.toFixed(1)} |\n| in the sink's worker thread (shipped) | ${b.toFixed(1)} |\n`);
} finally {
  const nc = await connect({ servers: URL });
  const jsm = await nc.jetstreamManager();
  for (const s of streams) await jsm.streams.delete(s).catch(() => undefined);
  await nc.close();
}
