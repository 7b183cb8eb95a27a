/**
 * The shard side of the ring benchmark: echoes every frame back, over the SAB rings
 * (`transport: 'ring'`) or over a MessagePort (`transport: 'port'`), the reference.
 */
import { isMainThread, parentPort, workerData, type MessagePort } from 'node:worker_threads';
import { ShardPort, type ShardRings } from '../../src/ring/index.js';

export type EchoWorkerData =
  | { transport: 'ring'; rings: ShardRings; spinMicros?: number }
  | { transport: 'port'; port: MessagePort };

if (!isMainThread && parentPort !== null) {
  const data = workerData as EchoWorkerData;
  if (data.transport === 'ring') {
    const port = new ShardPort(data.rings, data.spinMicros === undefined ? {} : { spinMicros: data.spinMicros });
    let n = 0;
    try {
      for (;;) {
        const frames = port.receive(1000);
        for (const f of frames) port.send(f.header, f.payload);
        n += frames.length;
        port.flush();
      }
    } catch {
      // UNAVAILABLE: the coordinator closed; the run is over.
    }
    parentPort.postMessage({ echoed: n });
  } else {
    const port = data.port;
    port.on('message', (m: unknown) => port.postMessage(m));
    port.on('close', () => port.close());
  }
}
