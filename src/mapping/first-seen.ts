/**
 * The first record id seen under each key, keyed by a 64-bit hash of the key and held in typed arrays: 16 bytes an
 * entry (32 with the table's free slots) instead of the ~150 bytes of a `Map` from a hashed string to an id, so a run
 * that checks every record of a million-record instance for duplicates keeps tens of MB, not hundreds. Two keys
 * share a hash with a probability of about n² / 2^65 (some 10⁻⁷ for a million keys): then the second is taken for a
 * duplicate of the first, which for a finding (reported, never acted on) is harmless.
 */
export interface FirstSeen {
  /** The id first noted under `hash`, or undefined (and `id` is noted under it). `id` must be above 0. */
  noteOrGet(hash: Uint8Array, id: number): number | undefined
  readonly size: number
}

export function createFirstSeen(initialSlots = 1024): FirstSeen {
  let slots = 2 ** Math.ceil(Math.log2(Math.max(16, initialSlots)))
  // Slot i holds the hash's two 32-bit halves and the id; an id of 0 marks a free slot.
  let high = new Uint32Array(slots)
  let low = new Uint32Array(slots)
  let ids = new Float64Array(slots)
  let size = 0

  const find = (h: number, l: number): number => {
    let i = (l ^ Math.imul(h, 0x9e3779b1)) & (slots - 1)
    while (ids[i] !== 0 && (high[i] !== h || low[i] !== l)) i = (i + 1) & (slots - 1)
    return i
  }
  const grow = () => {
    const [oldHigh, oldLow, oldIds] = [high, low, ids]
    slots *= 2
    high = new Uint32Array(slots)
    low = new Uint32Array(slots)
    ids = new Float64Array(slots)
    for (let j = 0; j < oldIds.length; j++) {
      if (oldIds[j] === 0) continue
      const i = find(oldHigh[j] ?? 0, oldLow[j] ?? 0)
      high[i] = oldHigh[j] ?? 0
      low[i] = oldLow[j] ?? 0
      ids[i] = oldIds[j] ?? 0
    }
  }
  return {
    noteOrGet(hash, id) {
      const view = new DataView(hash.buffer, hash.byteOffset, hash.byteLength)
      const h = view.getUint32(0)
      const l = view.getUint32(4)
      const i = find(h, l)
      const first = ids[i] ?? 0
      if (first !== 0) return first
      high[i] = h
      low[i] = l
      ids[i] = id
      size++
      // At most half full, so a probe ends soon.
      if (size * 2 > slots) grow()
      return undefined
    },
    get size() {
      return size
    },
  }
}
