// IPv4 CIDR arithmetic done at synth time, so subnet ranges are plain strings in the synthesized
// JSON (readable in a plan and checkable in tests) rather than Terraform function calls.

const CIDR = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/;

/** Whether `value` is an IPv4 CIDR whose address is the network address (e.g. 10.0.0.0/16). */
export function isIpv4Cidr(value: string): boolean {
  const parsed = parse(value);
  return parsed !== undefined && parsed.address === network(parsed.address, parsed.prefix);
}

/**
 * Like Terraform's `cidrsubnet(prefix, newbits, netnum)`: the `index`-th subnet that is `newBits`
 * longer than `parent`.
 */
export function subnetCidr(parent: string, newBits: number, index: number): string {
  const parsed = parse(parent);
  if (!parsed) throw new Error(`"${parent}" is not an IPv4 CIDR`);
  const prefix = parsed.prefix + newBits;
  if (!Number.isInteger(newBits) || newBits < 1 || prefix > 32) {
    throw new Error(`cannot add ${newBits} bits to /${parsed.prefix}`);
  }
  if (!Number.isInteger(index) || index < 0 || index >= 2 ** newBits) {
    throw new Error(`subnet ${index} does not fit in ${newBits} more bits of ${parent}`);
  }
  const address = network(parsed.address, parsed.prefix) + index * 2 ** (32 - prefix);
  return `${format(address)}/${prefix}`;
}

function parse(value: string): { address: number; prefix: number } | undefined {
  const match = CIDR.exec(value);
  if (!match) return undefined;
  const octets = match.slice(1, 5).map(Number);
  const prefix = Number(match[5]);
  if (octets.some((o) => o > 255) || prefix > 32) return undefined;
  const address = octets.reduce((sum, octet) => sum * 256 + octet, 0);
  return { address, prefix };
}

const network = (address: number, prefix: number) => address - (address % 2 ** (32 - prefix));

const format = (address: number) =>
  [24, 16, 8, 0].map((shift) => Math.floor(address / 2 ** shift) % 256).join('.');
