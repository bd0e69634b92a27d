import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import type { Discovery } from '../../src/discover/discover.ts'
import { proposeMapping } from '../../src/mapping/propose-mapping.ts'
import { writeMapping } from '../../src/mapping/write-mapping.ts'
import type { PageView } from '../../src/web/review-view.ts'
import { serveBothSimulators } from '../helpers/sims.ts'
import { defaultSourceSchema, defaultTargetSchema } from './mapping-schemas.ts'

const cli = new URL('../helpers/cli-from-source.js', import.meta.url).pathname
const dir = mkdtempSync(join(tmpdir(), 'x2d365-review-cli-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

describe('x2d365 map review', () => {
  it('reads both simulators, prints a URL with a token, serves the map, and stops on Ctrl-C', async () => {
    const sims = await serveBothSimulators(dir, { accounts: 10, contacts: 20 })
    let running: ReturnType<typeof spawn> | undefined
    try {
      const source = defaultSourceSchema()
      const target = defaultTargetSchema()
      const discovery: Discovery = {
        discoveredAt: '2026-11-26T00:00:00Z',
        source,
        counts: { Accounts: 10, Contacts: 20 },
        unreadable: {},
        users: [],
        target,
      }
      writeFileSync(join(dir, 'discovery.json'), JSON.stringify(discovery))
      const proposal = proposeMapping(source, target)
      writeFileSync(join(dir, 'mapping.yaml'), writeMapping(proposal.written, proposal.evidence))

      const child = spawn(process.execPath, [cli, 'map', 'review', '--sample', '20'], {
        cwd: dir,
        env: { ...process.env, ...sims.env },
        stdio: ['ignore', 'pipe', 'pipe'],
      })
      running = child
      let stdout = ''
      let stderr = ''
      child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
      const url = await new Promise<string>((resolve, reject) => {
        child.stdout.on('data', (chunk: Buffer) => {
          stdout += chunk.toString()
          const found = /Review the map at (http:\/\/127\.0\.0\.1:\d+\/[\w-]+\/)/.exec(stdout)
          if (found?.[1] !== undefined) resolve(found[1])
        })
        child.on('close', (code) => reject(new Error(`exited ${code}: ${stderr}`)))
      })
      const exited = new Promise<number | null>((resolve) => child.on('close', resolve))

      expect((await fetch(new URL('/', url))).status).toBe(403)
      const view = (await (await fetch(`${url}api/state`)).json()) as PageView
      expect(view.objects.find((o) => o.entity === 'Contacts')?.split?.preview.total).toBe(20)
      expect(view.owners.length).toBeGreaterThan(0)
      expect(view.dataverseUsers.length).toBeGreaterThan(0)

      child.kill('SIGINT')
      expect(await exited).toBe(0)
      expect(stdout).toContain('Stopped.')
    } finally {
      if (running?.exitCode === null) running.kill('SIGKILL')
      await sims.close()
    }
  }, 30_000)
})
