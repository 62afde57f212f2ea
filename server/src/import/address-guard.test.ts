import { describe, expect, it } from 'vitest';
import { AddressRefused, blockedRange, checkAddress, parseAllowList } from './address-guard';

/*
 * Where a URL import may connect (security finding F2 in docs/security.md; the attacks themselves are in
 * test/security/import-url-fetch.test.ts). The private, link-local and metadata ranges are
 * checked here on the guard, so that no test ever sends anything to them.
 */

describe('the address guard refuses every non-public range unless the allow-list names it (nothing is sent)', () => {
  const none = parseAllowList('');
  const at = (host: string, port = 443) => ({ host, port });

  it.each([
    ['127.0.0.1', 'loopback'], ['127.8.9.10', 'loopback'], ['::1', 'loopback'], ['::ffff:127.0.0.1', 'loopback'],
    ['10.0.0.1', 'private'], ['172.16.5.4', 'private'], ['192.168.1.1', 'private'],
    ['169.254.169.254', 'linkLocal'], ['fe80::1', 'linkLocal'], ['fd00:ec2::254', 'uniqueLocal'], ['100.100.100.200', 'carrierGradeNat'],
    ['0.0.0.0', 'unspecified'], ['::', 'unspecified'], ['224.0.0.1', 'multicast'], ['255.255.255.255', 'broadcast'],
  ])('%s (%s) is refused', (address, range) => {
    expect(blockedRange(address)).toBe(range);
    expect(() => checkAddress(none, at('feed.example'), address)).toThrow(AddressRefused);
  });

  it.each([['8.8.8.8'], ['2a00:1450:4009:81f::200e'], ['51.140.1.1']])('%s (public) is allowed', (address) => {
    expect(blockedRange(address)).toBeNull();
    expect(() => checkAddress(none, at('feed.example'), address)).not.toThrow();
  });

  it('an allow-list entry opens exactly what it names: a range, an address and port, or a host name', () => {
    const allow = parseAllowList('10.2.0.0/16, 127.0.0.1:8080 feeds.trust.nhs.uk [::1]:9000');
    expect(() => checkAddress(allow, at('x', 443), '10.2.3.4')).not.toThrow();
    expect(() => checkAddress(allow, at('x', 443), '10.3.0.1')).toThrow(AddressRefused);
    expect(() => checkAddress(allow, at('127.0.0.1', 8080), '127.0.0.1')).not.toThrow();
    expect(() => checkAddress(allow, at('127.0.0.1', 8081), '127.0.0.1')).toThrow(AddressRefused);
    expect(() => checkAddress(allow, at('feeds.trust.nhs.uk', 443), '10.9.9.9')).not.toThrow();
    expect(() => checkAddress(allow, at('other.nhs.uk', 443), '10.9.9.9')).toThrow(AddressRefused);
    expect(() => checkAddress(allow, at('::1', 9000), '::1')).not.toThrow();
    expect(() => parseAllowList('not an address!')).toThrow(/IMPORT_FETCH_ALLOW/);
  });
});
