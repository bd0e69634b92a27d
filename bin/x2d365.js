#!/usr/bin/env node
// Runs the compiled CLI: `npm run build` writes dist/ (`npm ci` and `npm pack` run it through `prepare`).
import { existsSync } from 'node:fs'

const main = new URL('../dist/src/cli/main.js', import.meta.url)
if (!existsSync(main)) {
  console.error(
    'x2d365 is not built: run `npm run build` (or `npm run x2d365 -- <command>` to run the sources).',
  )
  process.exit(1)
}
await import(main.href)
