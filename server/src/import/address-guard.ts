import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import ipaddr from 'ipaddr.js';

/*
 * Where a URL import may connect. An admin gives the server a URL to read, so a URL must not be a
 * way into the server's own network (server-side request forgery): loopback, private, link-local
 * (169.254.169.254, the cloud metadata address), unique-local, carrier-grade NAT, multicast and
 * other special addresses are refused — after DNS resolution, and again for every redirect hop,
 * on the address the connection is actually made to — unless the configured allow-list
 * (IMPORT_FETCH_ALLOW) names them. Only public unicast addresses are reachable otherwise.
 */

/** One entry of IMPORT_FETCH_ALLOW: a CIDR range, an address or a host name, each with an optional port. */
type AllowEntry = { kind: 'range'; range: [ipaddr.IPv4 | ipaddr.IPv6, number]; port: number | null } | { kind: 'host'; host: string; port: number | null };

export interface AllowList {
  entries: AllowEntry[];
  /** As configured, for messages. */
  text: string;
}

export class AddressRefused extends Error {}

/** Parses IMPORT_FETCH_ALLOW: comma- or space-separated `10.2.0.0/16`, `127.0.0.1:8080`, `[::1]:9000`, `feeds.trust.nhs.uk`. */
export function parseAllowList(text: string | undefined): AllowList {
  const entries: AllowEntry[] = [];
  for (const raw of (text ?? '').split(/[\s,]+/).filter(Boolean)) {
    let host = raw;
    let portText: string | undefined;
    const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(raw);
    const withPort = /^(.+):(\d+)$/.exec(raw);
    if (bracketed) [host, portText] = [bracketed[1]!, bracketed[2]];
    else if (!ipaddr.isValid(raw) && !ipaddr.isValidCIDR(raw) && withPort) [host, portText] = [withPort[1]!, withPort[2]];
    const port = portText === undefined ? null : Number(portText);
    if (port !== null && !(Number.isInteger(port) && port > 0 && port < 65536)) throw new Error(`IMPORT_FETCH_ALLOW: “${raw}” has a port that is not a port number.`);
    if (ipaddr.isValidCIDR(host)) entries.push({ kind: 'range', range: ipaddr.parseCIDR(host), port });
    else if (ipaddr.isValid(host)) {
      const address = ipaddr.process(host);
      entries.push({ kind: 'range', range: [address, address.kind() === 'ipv4' ? 32 : 128], port });
    } else if (/^[a-z0-9.-]+$/i.test(host)) entries.push({ kind: 'host', host: host.toLowerCase().replace(/\.$/, ''), port });
    else throw new Error(`IMPORT_FETCH_ALLOW: “${raw}” is not an address, a CIDR range or a host name.`);
  }
  return { entries, text: text ?? '' };
}

/** Why an address may not be fetched from, or null when it may (public unicast). */
export function blockedRange(address: string): string | null {
  if (!ipaddr.isValid(address)) return 'not an IP address';
  // IPv4 written inside IPv6 (::ffff:127.0.0.1) is the IPv4 address.
  const ip = ipaddr.process(address);
  const range = ip.range();
  return range === 'unicast' ? null : range;
}

const RANGE_WORDS: Record<string, string> = {
  loopback: 'a loopback address (this machine)',
  private: 'a private-network address',
  linkLocal: 'a link-local address (cloud metadata services live there)',
  uniqueLocal: 'a unique-local (private) IPv6 address',
  carrierGradeNat: 'a carrier-grade NAT address',
  unspecified: 'the unspecified address',
  multicast: 'a multicast address',
  broadcast: 'the broadcast address',
  reserved: 'a reserved address',
};

export interface Target {
  host: string;
  port: number;
}

function allowedAddress(allow: AllowList, target: Target, address: string): boolean {
  const ip = ipaddr.process(address);
  return allow.entries.some((e) => {
    if (e.port !== null && e.port !== target.port) return false;
    if (e.kind === 'host') return e.host === target.host.toLowerCase().replace(/\.$/, '');
    return ip.kind() === e.range[0].kind() && ip.match(e.range);
  });
}

/** Throws AddressRefused unless `address` may be connected to for `target`. */
export function checkAddress(allow: AllowList, target: Target, address: string): void {
  const blocked = blockedRange(address);
  if (blocked === null || allowedAddress(allow, target, address)) return;
  throw new AddressRefused(
    `${target.host} is ${target.host === address ? '' : `at ${address}, `}${RANGE_WORDS[blocked] ?? `a ${blocked} address`}, which imports may not reach; ask the server's operator to add it to IMPORT_FETCH_ALLOW if the feed really is there.`,
  );
}

type LookupCallback = (err: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;

/**
 * A `lookup` for http.request: resolves the name, and refuses the connection when any address it
 * resolves to is not allowed — checked on the very addresses the socket then connects to, so a
 * name that resolves differently a second time (DNS rebinding) gains nothing.
 */
export function guardedLookup(allow: AllowList, target: Target) {
  return (hostname: string, options: { all?: boolean; family?: number | string } | number, callback: LookupCallback): void => {
    const family = typeof options === 'number' ? options : Number(options.family ?? 0) || 0;
    dnsLookup(hostname, { all: true, family: family as 0 | 4 | 6 }, (err, addresses) => {
      if (err) return callback(err, []);
      try {
        for (const a of addresses) checkAddress(allow, target, a.address);
      } catch (e) {
        return callback(Object.assign(e as Error, { code: 'EADDRREFUSED' }), []);
      }
      if (typeof options === 'object' && options.all) return callback(null, addresses);
      return callback(null, addresses[0]!.address, addresses[0]!.family);
    });
  };
}
