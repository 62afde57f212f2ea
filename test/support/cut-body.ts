/*
 * HTTP bodies that break on the way, for download tests: a connection that drops after some bytes,
 * a proxy that lets go cleanly, a byte changed in transit.
 */

/** The body as far as byte `cut`, then `end`: an error (the connection dropped) or a clean end (a proxy that let go). */
export function bodyUpTo(body: ReadableStream<Uint8Array>, cut: number, end: 'error' | 'clean' = 'error'): ReadableStream<Uint8Array> {
  const reader = body.getReader();
  let sent = 0;
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      const { done, value } = await reader.read();
      if (done) return controller.close();
      const part = value.subarray(0, cut - sent);
      sent += part.length;
      controller.enqueue(part);
      if (sent >= cut) {
        await reader.cancel();
        if (end === 'error') controller.error(new TypeError('terminated'));
        else controller.close();
      }
    },
  });
}

/** The body with one byte at `at` (counted from the first byte sent) changed. */
export function bodyWithByteFlipped(body: ReadableStream<Uint8Array>, at: number): ReadableStream<Uint8Array> {
  let offset = 0;
  return body.pipeThrough(
    new TransformStream<Uint8Array, Uint8Array>({
      transform(chunk, controller) {
        if (at >= offset && at < offset + chunk.length) {
          chunk = Uint8Array.from(chunk);
          chunk[at - offset] = chunk[at - offset]! ^ 0x5a;
        }
        offset += chunk.length;
        controller.enqueue(chunk);
      },
    }),
  );
}
