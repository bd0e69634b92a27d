/**
 * Exact names → the ids of the records that bear them, for the name index (name-index.ts), in typed arrays: each name
 * once as UTF-8 bytes in one growing buffer, and a slot of 16 bytes (where its bytes are, how long, its id), so a
 * million names cost their bytes and some 20 MB, where a `Map` from strings costs ~100 bytes a name. Lookups compare
 * the bytes, so two names never share an entry (a hash only chooses where to look).
 */
export interface NameTable {
  /** Notes `id` under `name` (once: the same id twice is kept once). */
  add(name: string, id: number): void
  /** The ids noted under exactly `name`, in the order they were noted; empty when none. */
  get(name: string): readonly number[]
  readonly size: number
}

const encoder = new TextEncoder()

export function createNameTable(initialSlots = 1024): NameTable {
  let slots = 2 ** Math.ceil(Math.log2(Math.max(16, initialSlots)))
  // Slot i: offsets[i] is where its bytes start plus one (0: a free slot), lengths[i] how many, ids[i] its one id or,
  // for a name several records bear, -(1 + its index in `several`).
  let offsets = new Uint32Array(slots)
  let lengths = new Uint32Array(slots)
  let ids = new Float64Array(slots)
  const several: number[][] = []
  let bytes = new Uint8Array(1 << 16)
  let used = 0
  let size = 0

  const hashOf = (from: Uint8Array, start: number, length: number): number => {
    let h = 0x811c9dc5
    for (let i = start; i < start + length; i++) h = Math.imul(h ^ (from[i] ?? 0), 0x01000193)
    return h >>> 0
  }
  const sameBytes = (slot: number, key: Uint8Array): boolean => {
    const length = lengths[slot] ?? 0
    if (length !== key.length) return false
    const start = (offsets[slot] ?? 1) - 1
    for (let i = 0; i < length; i++) if (bytes[start + i] !== key[i]) return false
    return true
  }
  /** The slot holding `key`, or the free slot where it would go. */
  const find = (key: Uint8Array, hash: number): number => {
    let i = hash & (slots - 1)
    while (offsets[i] !== 0 && !sameBytes(i, key)) i = (i + 1) & (slots - 1)
    return i
  }
  const grow = () => {
    const [oldOffsets, oldLengths, oldIds] = [offsets, lengths, ids]
    slots *= 2
    offsets = new Uint32Array(slots)
    lengths = new Uint32Array(slots)
    ids = new Float64Array(slots)
    for (let j = 0; j < oldOffsets.length; j++) {
      const offset = oldOffsets[j] ?? 0
      if (offset === 0) continue
      const length = oldLengths[j] ?? 0
      let i = hashOf(bytes, offset - 1, length) & (slots - 1)
      while (offsets[i] !== 0) i = (i + 1) & (slots - 1)
      offsets[i] = offset
      lengths[i] = length
      ids[i] = oldIds[j] ?? 0
    }
  }
  const store = (key: Uint8Array): number => {
    if (used + key.length > bytes.length) {
      const larger = new Uint8Array(Math.max(bytes.length * 2, used + key.length))
      larger.set(bytes.subarray(0, used))
      bytes = larger
    }
    bytes.set(key, used)
    used += key.length
    return used - key.length + 1
  }
  return {
    add(name, id) {
      const key = encoder.encode(name)
      const slot = find(key, hashOf(key, 0, key.length))
      if (offsets[slot] === 0) {
        offsets[slot] = store(key)
        lengths[slot] = key.length
        ids[slot] = id
        size++
        // At most three quarters full, so a probe ends soon.
        if (size * 4 > slots * 3) grow()
        return
      }
      const known = ids[slot] ?? 0
      if (known >= 0) {
        // A second record of the same name makes its entry a list.
        if (known !== id) {
          several.push([known, id])
          ids[slot] = -several.length
        }
        return
      }
      const list = several[-known - 1]
      if (list !== undefined && !list.includes(id)) list.push(id)
    },
    get(name) {
      const key = encoder.encode(name)
      const slot = find(key, hashOf(key, 0, key.length))
      if (offsets[slot] === 0) return []
      const known = ids[slot] ?? 0
      return known >= 0 ? [known] : (several[-known - 1] ?? [])
    },
    get size() {
      return size
    },
  }
}
