import type { ServerResponse } from 'node:http';
import type { RouteModule } from '../app';

const isEventStream = (value: unknown) => String(value ?? '').toLowerCase().includes('text/event-stream');

/**
 * Ends open server-sent event streams when the server closes, so shutdown waits only for ordinary
 * requests; desks reconnect (to this node when it is back, or another). A stream is recognised by
 * the request's Accept header (EventSource always sends it) or the response's content type.
 */
export const endEventStreamsOnClose: RouteModule = (app) => {
  const open = new Map<ServerResponse, () => boolean>();
  app.addHook('onRequest', async (request, reply) => {
    const res = reply.raw;
    open.set(res, () => isEventStream(request.headers.accept) || isEventStream(reply.getHeader('content-type')) || isEventStream(res.getHeader('content-type')));
    res.once('close', () => open.delete(res));
  });
  app.addHook('preClose', async () => {
    for (const [res, streaming] of open) if (streaming()) res.end();
  });
};
