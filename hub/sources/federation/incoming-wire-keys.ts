import type { WireExposureKey } from '../../../core/federation/federation.proto';
import { fromWireKey } from '../../../core/federation/key-wire';
import type { IncomingKey } from '../../pool/incoming-keys';

/** A Fetch page's keys in the pool's vocabulary; report types dropped on the way in become `undefined`. */
export function incomingFromWire(wire: readonly WireExposureKey[]): (IncomingKey | undefined)[] {
  return wire.map(fromWireKey);
}
