/**
 * A simulated clock for benchmarks: time stands still while code runs and jumps to the next timer once nothing else
 * can run (checked with setImmediate, i.e. after every pending promise and nextTick callback has run). Everything in
 * the benchmark runs in-process (simulator and client, no sockets), so a run of simulated hours takes as long as the
 * CPU work it does, and the measurement does not depend on how fast the machine is: the clock is scaled infinitely.
 */
export interface VirtualTime {
  /** Simulated milliseconds since the epoch. */
  now: () => number
  /** Resolves when the simulated clock reaches now() + ms. */
  sleep: (ms: number) => Promise<void>
}

interface Timer {
  at: number
  seq: number
  resolve: () => void
}

/**
 * `busy`: while it says true (real I/O the benchmark counts as instant, such as a database round trip), the clock
 * does not move; it is asked again a millisecond later.
 */
export function createVirtualTime(start: number, busy?: () => boolean): VirtualTime {
  let current = start
  let seq = 0
  let scheduled = false
  const heap: Timer[] = []

  const before = (a: Timer, b: Timer) => a.at < b.at || (a.at === b.at && a.seq < b.seq)
  const push = (timer: Timer) => {
    heap.push(timer)
    for (let i = heap.length - 1; i > 0;) {
      const parent = (i - 1) >> 1
      const [child, up] = [heap[i] as Timer, heap[parent] as Timer]
      if (!before(child, up)) break
      heap[i] = up
      heap[parent] = child
      i = parent
    }
  }
  const pop = (): Timer | undefined => {
    const top = heap[0]
    const last = heap.pop()
    if (top === undefined || last === undefined || heap.length === 0) return top
    heap[0] = last
    for (let i = 0; ;) {
      const [l, r] = [2 * i + 1, 2 * i + 2]
      let smallest = i
      if (l < heap.length && before(heap[l] as Timer, heap[smallest] as Timer)) smallest = l
      if (r < heap.length && before(heap[r] as Timer, heap[smallest] as Timer)) smallest = r
      if (smallest === i) break
      const swap = heap[i] as Timer
      heap[i] = heap[smallest] as Timer
      heap[smallest] = swap
      i = smallest
    }
    return top
  }

  const advance = () => {
    if (busy?.() === true) {
      setTimeout(advance, 1)
      return
    }
    scheduled = false
    const first = pop()
    if (!first) return
    current = Math.max(current, first.at)
    first.resolve()
    while (heap[0] !== undefined && heap[0].at <= current) pop()?.resolve()
    schedule()
  }
  const schedule = () => {
    if (scheduled || heap.length === 0) return
    scheduled = true
    setImmediate(advance)
  }

  return {
    now: () => current,
    sleep: (ms) =>
      new Promise<void>((resolve) => {
        push({ at: current + Math.max(0, ms), seq: seq++, resolve })
        schedule()
      }),
  }
}
