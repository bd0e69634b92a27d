/**
 * The first record id seen under each key, keyed by a 64-bit hash of the key and held in one typed array: 12 bytes
 * an entry (16 with the table's free slots) instead of the ~150 bytes of a `Map` from a hashed string to an id, so a
 * run that checks every record of a million-record instance for duplicates keeps about 12 MB, not hundreds. Two keys
 * share a hash with a probability of about n² / 2^65 (some 10⁻⁷ for a million keys): then the second is taken for a
 * duplicate of the first, which for a finding (reported, never acted on) is harmless.
 */
export interface FirstSeen {
  /** The id first noted under `hash`, or undefined (and `id` is noted under it). `id` must be above 0. */
  noteOrGet(hash: Uint8Array, id: number): number | undefined
  readonly size: number
}

/** Slot i is `table[3i]` and `table[3i + 1]` (the hash's two 32-bit halves) and `table[3i + 2]` (the id, 0: free). */
const WIDTH = 3
/** Ids above this (X2CRM's are INT columns, so never in practice) are kept beside the table. */
const MAX_SLOT_ID = 0xffff_ffff

export function createFirstSeen(initialSlots = 1024): FirstSeen {
  let slots = 2 ** Math.ceil(Math.log2(Math.max(16, initialSlots)))
  let table = new Uint32Array(slots * WIDTH)
  /** The ids too large for a slot, by slot hash; their slot holds MAX_SLOT_ID. */
  const large = new Map<string, number>()
  let size = 0

  const find = (h: number, l: number): number => {
    let i = (l ^ Math.imul(h, 0x9e3779b1)) & (slots - 1)
    while (table[i * WIDTH + 2] !== 0 && (table[i * WIDTH] !== h || table[i * WIDTH + 1] !== l))
      i = (i + 1) & (slots - 1)
    return i
  }
  const grow = () => {
    const old = table
    slots *= 2
    table = new Uint32Array(slots * WIDTH)
    for (let j = 0; j < old.length; j += WIDTH) {
      if (old[j + 2] === 0) continue
      const h = old[j] ?? 0
      const l = old[j + 1] ?? 0
      const at = find(h, l) * WIDTH
      table[at] = h
      table[at + 1] = l
      table[at + 2] = old[j + 2] ?? 0
    }
  }
  return {
    noteOrGet(hash, id) {
      const view = new DataView(hash.buffer, hash.byteOffset, hash.byteLength)
      const h = view.getUint32(0)
      const l = view.getUint32(4)
      const at = find(h, l) * WIDTH
      const first = table[at + 2] ?? 0
      if (first === MAX_SLOT_ID) return large.get(`${h}:${l}`)
      if (first !== 0) return first
      table[at] = h
      table[at + 1] = l
      if (id >= MAX_SLOT_ID) large.set(`${h}:${l}`, id)
      table[at + 2] = Math.min(id, MAX_SLOT_ID)
      size++
      // At most three quarters full: a linear probe still ends within a few slots on average.
      if (size * 4 > slots * 3) grow()
      return undefined
    },
    get size() {
      return size
    },
  }
}
