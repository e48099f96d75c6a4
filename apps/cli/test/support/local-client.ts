// A local TCP client of `jitgate connect`, the part psql or curl would play.
import { createHash } from 'node:crypto';
import net from 'node:net';

export interface Exchange {
  received: Buffer;
  /** The local socket saw the far end's FIN (not just a close). */
  sawEnd: boolean;
}

/** Connects, sends `data` (then FIN unless keepOpen), collects everything until the far end closes. */
export function exchange(port: number, data: Buffer | string, options: { keepOpen?: boolean } = {}): Promise<Exchange> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: '127.0.0.1', port, allowHalfOpen: true });
    const chunks: Buffer[] = [];
    let sawEnd = false;
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('end', () => {
      sawEnd = true;
      socket.end();
    });
    socket.on('error', reject);
    socket.on('close', () => resolve({ received: Buffer.concat(chunks), sawEnd }));
    socket.write(data);
    if (!options.keepOpen) socket.end();
  });
}

export const sha256 = (data: Buffer) => createHash('sha256').update(data).digest('hex');
