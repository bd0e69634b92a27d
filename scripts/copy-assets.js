/* global console */
// Copies the data files that src/ and sim/ read at run time (relative to import.meta.url, e.g.
// sim/dataverse/tables.json) into dist/ at the same relative place, so the compiled code finds them as the
// sources do under tsx. Every file that is not TypeScript counts as data.
import { copyFileSync, mkdirSync, readdirSync, statSync } from 'node:fs'
import { dirname, join } from 'node:path'

const root = join(import.meta.dirname, '..')
let copied = 0
for (const folder of ['src', 'sim']) {
  for (const name of readdirSync(join(root, folder), { recursive: true })) {
    const from = join(root, folder, name)
    if (name.endsWith('.ts') || !statSync(from).isFile()) continue
    const to = join(root, 'dist', folder, name)
    mkdirSync(dirname(to), { recursive: true })
    copyFileSync(from, to)
    copied++
  }
}
console.log(`copied ${copied} data files into dist/`)
