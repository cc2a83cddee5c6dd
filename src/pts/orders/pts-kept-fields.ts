import { readKeptFields } from '../client/pts-subscription-readers.js';
import { storableFreeText } from '../callbacks/pts-callback-storable.js';
import type { PtsJsonObject } from '../protocol/pts-json.js';
import type { PtsOrderPatch } from './pts-order-transitions.js';

/**
 * The unsigned fields of a callback or query answer that the order keeps as columns:
 * `reference_number`, `details_url`, `submit_promo`, `accept_promo` and the v1 `hash`
 * (B4.2, B4.3, B4.5, B4.6). Absent fields are left out, so they never erase a kept value.
 */
export function keptFieldsPatch(message: PtsJsonObject): PtsOrderPatch {
  const kept = readKeptFields(message);
  const patch: PtsOrderPatch = {};
  // Free text as received, made storable (no NUL, clipped to the column).
  if (kept.referenceNumber !== undefined)
    patch.referenceNumber = storableFreeText(kept.referenceNumber, 127);
  if (kept.detailsUrl !== undefined) patch.detailsUrl = storableFreeText(kept.detailsUrl, 2000);
  if (kept.submitPromo !== undefined) patch.submitPromo = kept.submitPromo;
  if (kept.acceptPromo !== undefined) patch.acceptPromo = kept.acceptPromo;
  if (kept.hash !== undefined) patch.ptsHash = storableFreeText(kept.hash, 254);
  return patch;
}
