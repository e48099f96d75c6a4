// A network of the suite's own between the gateway and the agent, for the network-fault suites
// (e2e/faults/network-*.test.ts): the agent runs in a network namespace joined to the test's
// namespace by two veth pairs, each on a /30 of its own:
//
//   test namespace (gateway, targets)                   agent namespace
//   <prefix>.1  ──── veth "g": the gateway link ────    <prefix>.2   (dials the gateway here)
//   <prefix>.5  ──── veth "t": the target link  ────    <prefix>.6   (dials the targets here)
//
// Faults are made on the gateway link only, so that the agent's side of a session (its target
// connection) stays reachable and observable while the tunnel is cut. This kernel has no
// sch_netem (no delay or loss emulation) and no tc classifiers (matchall); what exists and is
// used here: pfifo with limit 0 (drops every packet leaving the device) and tbf (rate limit).
//
// Why pfifo limit 0 and not `ip link set down` for a partition (measured on these machines):
// with a qdisc that drops on both ends, both TCP stacks just see silence (no RST, no FIN, no
// error to either process; a new connect hangs like across a dead router). Link down is not
// silent: the side whose device is down gets ENETUNREACH at once for a new connect, and the other
// side EHOSTUNREACH within a second (ARP fails), which would let the agent notice without its
// heartbeats.
import { execFileSync } from 'node:child_process';
import { randomBytes, randomInt } from 'node:crypto';

/** Every namespace and link made by this process, removed on exit if the suite could not. */
const made = new Set<AgentNetwork>();
process.once('exit', () => {
  for (const network of made) network.disposeSync();
});

function ip(args: string[], netns?: string): void {
  run(netns ? ['ip', 'netns', 'exec', netns, 'ip', ...args] : ['ip', ...args]);
}

function tc(args: string[], netns?: string): void {
  run(netns ? ['ip', 'netns', 'exec', netns, 'tc', ...args] : ['tc', ...args]);
}

function run([command, ...args]: string[]): void {
  try {
    execFileSync(command as string, args, { stdio: ['ignore', 'ignore', 'pipe'], timeout: 10_000 });
  } catch (error) {
    const stderr = String((error as { stderr?: Buffer }).stderr ?? '').trim();
    throw new Error(`${command} ${args.join(' ')} failed: ${stderr || (error as Error).message}`);
  }
}

export class AgentNetwork {
  /** The namespace the agent runs in. */
  readonly netns: string;
  /** The test side of the gateway link: where the agent dials the gateway. */
  readonly gatewayHost: string;
  /** The test side of the target link: where the targets the agent dials must listen. */
  readonly targetHost: string;
  private readonly gatewayLink: { outside: string; inside: string };
  private readonly targetLink: { outside: string; inside: string };
  private disposed = false;

  private constructor(id: string, prefix: string) {
    this.netns = `jg-${id}`;
    // Interface names are at most 15 characters.
    this.gatewayLink = { outside: `jg${id}g0`, inside: `jg${id}g1` };
    this.targetLink = { outside: `jg${id}t0`, inside: `jg${id}t1` };
    this.gatewayHost = `${prefix}.1`;
    this.targetHost = `${prefix}.5`;
  }

  /**
   * Makes the namespace and both links. Fails (never skips) when this process may not: the
   * suites that use it need root (CAP_NET_ADMIN) and iproute2.
   */
  static create(): AgentNetwork {
    const id = randomBytes(3).toString('hex');
    // 10.213.<random>.0/29: two /30s in a range nothing else on these machines uses.
    const network = new AgentNetwork(id, `10.213.${randomInt(0, 256)}`);
    try {
      ip(['netns', 'add', network.netns]);
    } catch (error) {
      throw new Error(`the network-fault suites need root and iproute2 (ip netns, veth, tc): ${(error as Error).message}`);
    }
    made.add(network);
    try {
      network.link(network.gatewayLink, 1);
      network.link(network.targetLink, 5);
      ip(['link', 'set', 'lo', 'up'], network.netns);
    } catch (error) {
      network.disposeSync();
      throw error;
    }
    return network;
  }

  private link(pair: { outside: string; inside: string }, firstHost: number): void {
    const prefix = this.gatewayHost.slice(0, this.gatewayHost.lastIndexOf('.'));
    ip(['link', 'add', pair.outside, 'type', 'veth', 'peer', 'name', pair.inside]);
    ip(['link', 'set', pair.inside, 'netns', this.netns]);
    ip(['addr', 'add', `${prefix}.${firstHost}/30`, 'dev', pair.outside]);
    ip(['link', 'set', pair.outside, 'up']);
    ip(['addr', 'add', `${prefix}.${firstHost + 1}/30`, 'dev', pair.inside], this.netns);
    ip(['link', 'set', pair.inside, 'up'], this.netns);
  }

  /** The command prefix that runs a program inside the agent's namespace. */
  get exec(): string[] {
    return ['ip', 'netns', 'exec', this.netns];
  }

  /** Every packet between gateway and agent is dropped silently, both ways (see the top). */
  partition(): void {
    this.setQdisc(['pfifo', 'limit', '0']);
  }

  /**
   * Limits the gateway link to `rate` each way (tbf: `rate` as tc reads it, e.g. "1mbit"); the
   * queue holds up to `latencyMs` of traffic before tbf drops, as a slow link's buffer would.
   */
  slow(rate: string, latencyMs = 500): void {
    this.setQdisc(['tbf', 'rate', rate, 'burst', '16kb', 'latency', `${latencyMs}ms`]);
  }

  /** Back to a plain link (the partition healed, the link fast again). */
  heal(): void {
    tc(['qdisc', 'del', 'dev', this.gatewayLink.outside, 'root']);
    tc(['qdisc', 'del', 'dev', this.gatewayLink.inside, 'root'], this.netns);
  }

  // Egress qdiscs on both ends: each one shapes (or drops) what leaves its side.
  private setQdisc(qdisc: string[]): void {
    tc(['qdisc', 'replace', 'dev', this.gatewayLink.outside, 'root', ...qdisc]);
    tc(['qdisc', 'replace', 'dev', this.gatewayLink.inside, 'root', ...qdisc], this.netns);
  }

  /** Removes the namespace (its ends of both links go with it) and the test-side ends. */
  disposeSync(): void {
    if (this.disposed) return;
    this.disposed = true;
    made.delete(this);
    for (const args of [
      ['link', 'del', this.gatewayLink.outside],
      ['link', 'del', this.targetLink.outside],
      ['netns', 'del', this.netns],
    ]) {
      try {
        ip(args);
      } catch {
        // Already gone (deleting one end of a veth pair deletes both).
      }
    }
  }
}
