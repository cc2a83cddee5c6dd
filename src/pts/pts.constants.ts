/** Internal injection tokens of the PTS module; not part of the public surface. */

/** The raw options after defaults, validation and key parsing (`PtsResolvedOptions`). */
export const PTS_RESOLVED_OPTIONS = Symbol('PTS_RESOLVED_OPTIONS');
