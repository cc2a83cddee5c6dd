import { BlockList, isIP } from 'node:net';
import { PtsConfigurationError } from '../errors/pts-error.js';

/**
 * Which addresses may post callbacks (`callbackAllowedIps`): single IPs and CIDRs, IPv4 and
 * IPv6. An empty list admits every address. IPv4-mapped IPv6 (`::ffff:1.2.3.4`) is checked as
 * the IPv4 address it is.
 */
export class PtsIpAllowList {
  private readonly list = new BlockList();
  readonly empty: boolean;

  constructor(entries: readonly string[], option = 'callbackAllowedIps') {
    this.empty = entries.length === 0;
    for (const raw of entries) {
      const entry = raw.trim();
      const [address, prefixText] = entry.split('/');
      const family = isIP(address);
      const prefix = prefixText === undefined ? undefined : Number(prefixText);
      const maxPrefix = family === 6 ? 128 : 32;
      if (
        family === 0 ||
        (prefix !== undefined && (!Number.isInteger(prefix) || prefix < 0 || prefix > maxPrefix))
      ) {
        throw new PtsConfigurationError({
          code: 'invalid_ip',
          message: `PTS: option \`${option}\` has "${entry}", which is neither an IP address nor a CIDR such as 203.0.113.0/24`,
          option,
        });
      }
      const type = family === 6 ? 'ipv6' : 'ipv4';
      if (prefix === undefined) this.list.addAddress(address, type);
      else this.list.addSubnet(address, prefix, type);
    }
  }

  allows(remoteAddress: string | undefined): boolean {
    if (this.empty) return true;
    if (!remoteAddress) return false;
    const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(remoteAddress);
    const address = mapped ? mapped[1] : remoteAddress;
    const family = isIP(address);
    if (family === 0) return false;
    return this.list.check(address, family === 6 ? 'ipv6' : 'ipv4');
  }
}
