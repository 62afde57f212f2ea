import { describe, expect, it, vi } from 'vitest';
import * as protocol from '../../../shared/sync/protocol';
import { warmUpPushPath } from './push-warm-up';

describe('the push path warmed up at start', () => {
  it('runs a batch of the shape desks send through the request check, the decisions and the answer check', () => {
    const request = vi.spyOn(protocol.PushRequest, 'parse');
    const response = vi.spyOn(protocol.PushResponse, 'parse');
    // Throws if the made-up batch stops being a valid request, or a change is not applied as a new record.
    expect(() => warmUpPushPath()).not.toThrow();
    expect(request).toHaveBeenCalledTimes(1);
    expect((request.mock.results[0]!.value as protocol.PushRequest).mutations).toHaveLength(200);
    expect((response.mock.results[0]!.value as protocol.PushResponse).results.every((r) => r.status === 'applied' && r.serverRevision === 1)).toBe(true);
  });
});
