/*
 * The benchmark's load balancer (balancer.ts): the fault suite's proxy over the given nodes, round
 * robin, no faults. Answers its port once listening; stops on SIGTERM.
 */
import { FaultProxy, type Upstream } from '../faults/fault-proxy';

process.once('message', (m) => {
  void (async () => {
    const proxy = new FaultProxy((m as { upstreams: Upstream[] }).upstreams);
    const port = await proxy.start();
    process.once('SIGTERM', () => void proxy.stop().then(() => process.exit(0)));
    process.send!({ port });
  })();
});
