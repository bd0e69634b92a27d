/** A uniform random sample of a fixed size, drawn from a stream of unknown length as it goes by (Algorithm R). */
export interface Reservoir<T> {
  add(item: T): void
  /** The items kept, in the order they came. */
  items(): T[]
}

export function createReservoir<T>(size: number, random: () => number): Reservoir<T> {
  const kept: { item: T; index: number }[] = []
  let seen = 0
  return {
    add(item) {
      if (kept.length < size) kept.push({ item, index: seen })
      else {
        const j = Math.floor(random() * (seen + 1))
        if (j < size) kept[j] = { item, index: seen }
      }
      seen++
    },
    items: () => [...kept].sort((a, b) => a.index - b.index).map((k) => k.item),
  }
}

/** A uniform random sample of `size` items from a stream of unknown length, in the stream's order. */
export async function reservoir<T>(
  items: AsyncIterable<T>,
  size: number,
  random: () => number,
): Promise<T[]> {
  const sample = createReservoir<T>(size, random)
  for await (const item of items) sample.add(item)
  return sample.items()
}
