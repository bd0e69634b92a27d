import { z } from 'zod'
import type { Discovery } from './discover.ts'

const DiscoveryShape = z.object({
  discoveredAt: z.string(),
  source: z.object({
    entities: z.record(z.string(), z.array(z.object({ fieldName: z.string(), type: z.string() }).loose())),
    dropdowns: z.array(z.unknown()),
  }),
  counts: z.record(z.string(), z.number()),
  unreadable: z.record(z.string(), z.string()),
  users: z.array(z.unknown()),
  target: z.record(z.string(), z.object({ entitySet: z.string(), columns: z.array(z.unknown()) }).loose()),
})

/** discovery.json text → the discovery, or what is wrong with the file. */
export function parseDiscovery(text: string): { value: Discovery } | { error: string } {
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch {
    return { error: 'is not JSON; run `x2d365 discover` again' }
  }
  const parsed = DiscoveryShape.safeParse(json)
  if (!parsed.success) {
    const first = parsed.error.issues[0]
    return {
      error: `is not a discovery (${first?.path.join('.') ?? ''}: ${first?.message ?? ''}); run \`x2d365 discover\` again`,
    }
  }
  return { value: json as Discovery }
}
