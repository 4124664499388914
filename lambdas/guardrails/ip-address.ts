/**
 * IP addresses as the allowlist stores and looks them up: one canonical text per address (IPv6 in
 * RFC 5952 form, IPv4-mapped IPv6 as plain IPv4), the form API Gateway reports as the source IP, so
 * a grant matches the requests it is meant for. Parsing is `ipaddr.js` (strict: no zone ids, no
 * octal or shortened IPv4).
 */
import ipaddr from 'ipaddr.js';
import { GuardrailInputError } from './errors';

function parse(text: string): ipaddr.IPv4 | ipaddr.IPv6 | undefined {
  const trimmed = text.trim();
  if (trimmed.includes('%') || !ipaddr.isValid(trimmed)) return undefined;
  // isValid accepts shortened IPv4 ("1.2.3"); an address here must be four parts.
  if (ipaddr.IPv4.isValid(trimmed) && !ipaddr.IPv4.isValidFourPartDecimal(trimmed)) return undefined;
  const address = ipaddr.parse(trimmed);
  return address instanceof ipaddr.IPv6 && address.isIPv4MappedAddress() ? address.toIPv4Address() : address;
}

/** The canonical text of an address, or undefined when `text` is not one. */
export function canonicalIp(text: string): string | undefined {
  const address = parse(text);
  if (!address) return undefined;
  return address instanceof ipaddr.IPv6 ? address.toRFC5952String() : address.toString();
}

/**
 * The canonical text of an address that can be a client's source IP on the internet: unicast and
 * globally routable. Refuses with a 400-worthy error naming the reason (unspecified, loopback,
 * private, link-local, multicast, reserved or documentation ranges...). `allowLoopback` is for the
 * local dev server, whose clients connect from loopback addresses.
 */
export function routableUnicastIp(text: string, allowLoopback = false): string {
  const address = parse(text);
  if (!address) {
    throw new GuardrailInputError('invalid_ip', `ip must be an IPv4 or IPv6 address without a zone, got ${JSON.stringify(text.slice(0, 64))}`);
  }
  const range = address.range();
  if (range !== 'unicast' && !(allowLoopback && range === 'loopback')) {
    throw new GuardrailInputError('invalid_ip', `ip must be a routable unicast address, got ${JSON.stringify(text.slice(0, 64))} (${range})`);
  }
  return address instanceof ipaddr.IPv6 ? address.toRFC5952String() : address.toString();
}
