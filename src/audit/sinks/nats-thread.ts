/**
 * The nats sink's worker thread: owns the JetStream connection and answers the sink's requests
 * (connect, publish, close) one message each. The NATS client's work per record (encoding, the
 * request and its ack, timers) happens here, not on the thread that serves requests.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { JetStreamPublisher, type OutMessage, type PublisherOptions } from './nats-publisher.js';

export type ThreadRequest =
  | { id: number; op: 'connect' }
  /** `lines`: the records' JSON lines joined by newlines (one string clones far cheaper than an array). */
  | { id: number; op: 'publish'; ids: string[]; lines: string }
  | { id: number; op: 'close' };

export type ThreadReply = { id: number; ok: true; value?: unknown } | { id: number; ok: false; message: string; code?: string };

const publisher = new JetStreamPublisher(workerData as PublisherOptions);
const port = parentPort!;

port.on('message', (req: ThreadRequest) => {
  const run = async (): Promise<unknown> => {
    if (req.op === 'connect') return publisher.connect();
    if (req.op === 'publish') {
      const lines = req.lines.split('\n');
      const msgs: OutMessage[] = req.ids.map((id, i) => ({ id, line: lines[i]! }));
      return publisher.publish(msgs);
    }
    await publisher.close();
    return null;
  };
  run().then(
    (value) => port.postMessage({ id: req.id, ok: true, value } satisfies ThreadReply),
    (err: unknown) => port.postMessage({ id: req.id, ok: false, message: err instanceof Error ? err.message : String(err), code: (err as { code?: string }).code } satisfies ThreadReply),
  );
});
