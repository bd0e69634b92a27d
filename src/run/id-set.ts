/** A set of X2CRM record ids, one bit each: a million records take 125 KB, not the ~40 MB of a `Set<number>`. */
export interface IdSet {
  add: (id: number) => void
  has: (id: number) => boolean
  readonly size: number
}

/** Ids past this go to a plain Set: X2CRM ids are auto-increment, so this only guards against odd data. */
const BITMAP_LIMIT = 2 ** 27

export function createIdSet(): IdSet {
  let bits = new Uint8Array(1024)
  const others = new Set<number>()
  let size = 0
  return {
    add(id) {
      if (!Number.isSafeInteger(id) || id < 0 || id >= BITMAP_LIMIT) {
        if (!others.has(id)) size++
        others.add(id)
        return
      }
      const byte = id >>> 3
      if (byte >= bits.length) {
        const grown = new Uint8Array(Math.max(bits.length * 2, byte + 1))
        grown.set(bits)
        bits = grown
      }
      const mask = 1 << (id & 7)
      if (((bits[byte] ?? 0) & mask) === 0) size++
      bits[byte] = (bits[byte] ?? 0) | mask
    },
    has(id) {
      if (!Number.isSafeInteger(id) || id < 0 || id >= BITMAP_LIMIT) return others.has(id)
      return ((bits[id >>> 3] ?? 0) & (1 << (id & 7))) !== 0
    },
    get size() {
      return size
    },
  }
}
