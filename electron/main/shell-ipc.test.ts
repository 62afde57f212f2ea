import { describe, expect, it, vi } from 'vitest';
import { loopbackOrHttps, shellCall } from './shell-ipc';

describe('the shell’s methods', () => {
  const state = { locked: false, reason: null, idleMinutes: 15 } as const;

  it('answer app.lockNow and app.lockState', () => {
    const lockNow = vi.fn();
    expect(shellCall('app.lockNow', {}, { lockNow, lockState: () => ({ ...state, locked: true, reason: 'manual' }) })).toEqual({ ok: true, value: { locked: true, reason: 'manual', idleMinutes: 15 } });
    expect(lockNow).toHaveBeenCalledOnce();
    expect(shellCall('app.lockState', undefined, { lockNow, lockState: () => state })).toEqual({ ok: true, value: state });
  });

  it('refuse core methods, unknown names and bad params', () => {
    const h = { lockNow: vi.fn(), lockState: () => state };
    expect(shellCall('calls.list', {}, h)).toMatchObject({ ok: false, error: { code: 'unknown_method' } });
    expect(shellCall('app.format', {}, h)).toMatchObject({ ok: false, error: { code: 'unknown_method' } });
    expect(shellCall({ toString: () => 'app.lockNow' }, {}, h)).toMatchObject({ ok: false, error: { code: 'unknown_method' } });
    expect(shellCall('app.lockNow', { now: true }, h)).toMatchObject({ ok: false, error: { code: 'invalid_params' } });
    expect(h.lockNow).not.toHaveBeenCalled();
  });

  it('open only https (or this machine’s demo provider) for sign-in', () => {
    expect(loopbackOrHttps('https://idp.trust.nhs.uk/authorize?x=1')).toBe(true);
    expect(loopbackOrHttps('http://127.0.0.1:8787/oidc/authorize')).toBe(true);
    expect(loopbackOrHttps('http://idp.example/authorize')).toBe(false);
    expect(loopbackOrHttps('file:///etc/passwd')).toBe(false);
    expect(loopbackOrHttps('javascript:alert(1)')).toBe(false);
  });
});
