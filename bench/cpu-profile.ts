/**
 * Where a CPU profile's time goes: self time by function and by area (x2d365's stages, SQLite, JSON, HTTP, GC…).
 *
 *   npx tsx bench/cpu-profile.ts prof/CPU.*.cpuprofile [--top 30]
 *
 * Take the profile with `npm run bench:scale -- "--node-flags=--cpu-prof --cpu-prof-dir=prof"`.
 */
import { readFileSync } from 'node:fs'
import { parseArgs } from 'node:util'

interface ProfileNode {
  id: number
  callFrame: { functionName: string; url: string; lineNumber: number }
  children?: number[]
}
interface Profile {
  nodes: ProfileNode[]
  samples: number[]
  timeDeltas: number[]
  startTime: number
  endTime: number
}

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { top: { type: 'string', default: '30' } },
})

/** The area a frame's code belongs to, from its file. */
function areaOf(url: string, name: string): string {
  if (name === '(garbage collector)') return 'GC'
  if (name === '(idle)' || name === '(program)') return name
  const rules: [RegExp, string][] = [
    [/better-sqlite3|src\/ledger\//, 'ledger (SQLite)'],
    [/node_modules\/mysql2\//, 'mysql2 (protocol, row parsing)'],
    [/src\/source\/x2crm\/delta/, 'hashing'],
    [/src\/source\/x2crm\//, 'extraction'],
    [/src\/mapping\//, 'transform'],
    [/src\/target\/dataverse\//, 'load (Dataverse client)'],
    [/src\/run\//, 'run (prepare, outcomes)'],
    [/src\/http\/|undici|node:internal\/deps\/undici/, 'HTTP (undici)'],
    [/node:_tls|node:tls|node:net|node:internal\/stream|node:stream/, 'sockets/TLS'],
    [/msal/, 'auth'],
    [/tsx|esbuild|node:internal\/modules/, 'module loading'],
  ]
  for (const [pattern, area] of rules) if (pattern.test(url)) return area
  if (name === 'parse' || name === 'stringify' || /JSON/.test(name)) return 'JSON'
  if (url === '') return `native: ${name || '(anonymous)'}`
  return 'other'
}

for (const file of positionals) {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile
  const byId = new Map(profile.nodes.map((n) => [n.id, n]))
  const self = new Map<number, number>()
  profile.samples.forEach((id, i) => self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)))
  const total = (profile.endTime - profile.startTime) / 1000
  const byFunction = new Map<string, number>()
  const byArea = new Map<string, number>()
  for (const [id, micros] of self) {
    const node = byId.get(id)
    if (node === undefined) continue
    const { functionName, url, lineNumber } = node.callFrame
    const where = url.replace(/^.*\/(src|sim|node_modules)\//, '$1/')
    const key = `${functionName || '(anonymous)'} ${where}:${lineNumber + 1}`
    byFunction.set(key, (byFunction.get(key) ?? 0) + micros / 1000)
    const area = areaOf(url, functionName)
    byArea.set(area, (byArea.get(area) ?? 0) + micros / 1000)
  }
  const show = (map: Map<string, number>, n: number) =>
    [...map]
      .sort((a, b) => b[1] - a[1])
      .slice(0, n)
      .map(
        ([k, ms]) =>
          `${(ms / 1000).toFixed(1).padStart(7)} s ${((100 * ms) / total).toFixed(1).padStart(5)} %  ${k}`,
      )
      .join('\n')
  console.log(`${file}: ${(total / 1000).toFixed(1)} s\n\nBy area (self time):\n${show(byArea, 40)}`)
  console.log(`\nTop functions (self time):\n${show(byFunction, Number(values.top))}\n`)
}
