/**
 * The nats mirror topologies publish into their own JetStream streams on the machine's shared
 * nats-server; the bench reads what arrived and deletes those streams (and only those) at the end.
 */
import { connect } from 'nats';
import { natsStreamName } from './topologies.js';

export async function deleteNatsStreams(url: string, topos: string[]): Promise<Array<{ topo: string; messages: number; bytes: number }>> {
  const out: Array<{ topo: string; messages: number; bytes: number }> = [];
  const nc = await connect({ servers: url, timeout: 5000 });
  try {
    const jsm = await nc.jetstreamManager();
    for (const topo of topos) {
      const name = natsStreamName(topo);
      try {
        const info = await jsm.streams.info(name);
        out.push({ topo, messages: info.state.messages, bytes: info.state.bytes });
        await jsm.streams.delete(name);
      } catch {
        /* the stream was never created (the sink failed to start): nothing to delete */
      }
    }
  } finally {
    await nc.close();
  }
  return out;
}
