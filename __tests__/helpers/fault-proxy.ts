/**
 * A TCP proxy on 127.0.0.1 in front of the test PostgreSQL that can break the network on demand,
 * for the fault suite (issue 13): cut every connection at once, swallow bytes while keeping the
 * sockets open (a partition with no RST, as a dead NAT entry or a paused VM looks), or slow every
 * chunk down. Bytes are copied, never parsed, so the client and the server see exactly what a real
 * network would give them.
 */
import { createServer, connect, type AddressInfo, type Server, type Socket } from 'node:net';

/** The network as the proxy currently plays it. */
type Mode = { kind: 'normal' } | { kind: 'blackhole' } | { kind: 'delay'; ms: number };

/** A proxy in front of one server port; see {@link startFaultProxy}. */
export interface FaultProxy {
  /** The port the proxy listens on (127.0.0.1). */
  readonly port: number;
  /** `baseUrl` with its host and port replaced by the proxy's (credentials, database and parameters kept). */
  url(baseUrl: string): string;
  /** Destroy both sockets of every current connection at once (the client sees a reset, the server a closed socket). New connections are forwarded as before. */
  cut(): number;
  /**
   * Stop forwarding bytes in both directions while keeping every socket open; connections accepted
   * from now on are accepted and never forwarded (no upstream is even opened). Bytes that arrive
   * meanwhile are discarded, not held: a connection that carried traffic during the blackhole has
   * a broken protocol stream for good, as after a real partition whose peer gave up.
   */
  blackhole(): void;
  /** Forward each chunk `ms` after it arrived (order kept per direction). */
  delay(ms: number): void;
  /** Back to normal forwarding for new data and new connections. */
  heal(): void;
  /** Connections accepted since the start. */
  readonly accepted: number;
  /** Client connections currently open. */
  readonly open: number;
  /** Chunks discarded by a blackhole since the start (a test waits on it to know a message was swallowed). */
  readonly dropped: number;
  /** Stop listening and destroy every connection. */
  close(): Promise<void>;
}

/** One direction of one connection: where its bytes go and what waits to be sent there (delay mode). */
interface Lane {
  queue: { due: number; chunk: Buffer }[];
  timer?: NodeJS.Timeout;
}

interface Pair {
  client: Socket;
  upstream?: Socket;
  /** client → server */
  up: Lane;
  /** server → client */
  down: Lane;
}

/** Start a proxy on a free port of 127.0.0.1 forwarding to `targetPort` on 127.0.0.1. */
export async function startFaultProxy(targetPort: number, targetHost = '127.0.0.1'): Promise<FaultProxy> {
  let mode: Mode = { kind: 'normal' };
  let accepted = 0;
  let dropped = 0;
  const pairs = new Set<Pair>();

  const destroy = (p: Pair) => {
    for (const lane of [p.up, p.down]) {
      clearTimeout(lane.timer);
      lane.queue.length = 0;
    }
    p.client.destroy();
    p.upstream?.destroy();
    pairs.delete(p);
  };

  const openUpstream = (p: Pair): Socket => {
    const upstream = connect(targetPort, targetHost);
    p.upstream = upstream;
    upstream.setNoDelay(true);
    upstream.on('data', (chunk) => forward(p, p.down, chunk));
    upstream.on('end', () => p.client.end());
    upstream.on('error', () => destroy(p));
    upstream.on('close', () => destroy(p));
    return upstream;
  };

  /** Send what is due on a lane, then wait for the next item. */
  const pump = (p: Pair, lane: Lane, to: () => Socket | undefined) => {
    lane.timer = undefined;
    const now = Date.now();
    while (lane.queue.length && lane.queue[0].due <= now) {
      const { chunk } = lane.queue.shift()!;
      if (mode.kind === 'blackhole') {
        dropped++;
        continue;
      }
      to()?.write(chunk);
    }
    if (lane.queue.length) lane.timer = setTimeout(() => pump(p, lane, to), lane.queue[0].due - now);
  };

  function forward(p: Pair, lane: Lane, chunk: Buffer): void {
    if (mode.kind === 'blackhole') {
      dropped++;
      return;
    }
    const target = () => (lane === p.up ? (p.upstream ?? openUpstream(p)) : p.client);
    if (mode.kind === 'normal' && lane.queue.length === 0) {
      const to = target();
      if (!to.write(chunk)) {
        // Backpressure as pipe() does it: stop reading the source until the destination drains.
        const src = lane === p.up ? p.client : p.upstream!;
        src.pause();
        to.once('drain', () => src.resume());
      }
      return;
    }
    // Delay mode (or normal mode with delayed chunks still queued: they go first).
    const ms = mode.kind === 'delay' ? mode.ms : 0;
    const last = lane.queue.at(-1)?.due ?? 0;
    lane.queue.push({ due: Math.max(Date.now() + ms, last), chunk });
    if (!lane.timer) lane.timer = setTimeout(() => pump(p, lane, target), Math.max(0, lane.queue[0].due - Date.now()));
  }

  const server: Server = createServer((client) => {
    accepted++;
    client.setNoDelay(true);
    const p: Pair = { client, up: { queue: [] }, down: { queue: [] } };
    pairs.add(p);
    // A connection accepted during a blackhole gets no upstream; one is opened if it is ever forwarded.
    if (mode.kind !== 'blackhole') openUpstream(p);
    client.on('data', (chunk) => forward(p, p.up, chunk));
    client.on('end', () => p.upstream?.end());
    client.on('error', () => destroy(p));
    client.on('close', () => destroy(p));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;

  return {
    port,
    url(baseUrl: string): string {
      const u = new URL(baseUrl);
      u.hostname = '127.0.0.1';
      u.port = String(port);
      return u.toString();
    },
    cut(): number {
      const all = [...pairs];
      for (const p of all) destroy(p);
      return all.length;
    },
    blackhole(): void {
      mode = { kind: 'blackhole' };
      for (const p of pairs) {
        for (const lane of [p.up, p.down]) {
          dropped += lane.queue.length;
          lane.queue.length = 0;
        }
      }
    },
    delay(ms: number): void {
      mode = { kind: 'delay', ms };
    },
    heal(): void {
      mode = { kind: 'normal' };
    },
    get accepted() {
      return accepted;
    },
    get open() {
      return pairs.size;
    },
    get dropped() {
      return dropped;
    },
    async close(): Promise<void> {
      for (const p of [...pairs]) destroy(p);
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}
