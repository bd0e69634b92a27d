import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { createDataverseSimulator, defaultCostModel, realLatency } from '../../sim/dataverse/index.ts'
import { requestToken } from '../../sim/dataverse/test-helpers.ts'
import { dataverseSimOptions } from '../../src/cli/commands/sim.ts'

const cli = new URL('../helpers/cli-from-source.js', import.meta.url).pathname

/** Starts `x2d365 sim dataverse --json …` on a free port, reads the settings it prints, and stops it. */
async function startedWith(args: string[]): Promise<Record<string, unknown>> {
  const dir = mkdtempSync(join(tmpdir(), 'x2d365-sim-'))
  const child = spawn(
    process.execPath,
    [cli, 'sim', 'dataverse', '--json', '--ca-file', join(dir, 'ca.pem'), ...args],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  )
  try {
    let out = ''
    let err = ''
    child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()))
    return await new Promise((resolve, reject) => {
      child.stdout.on('data', (chunk: Buffer) => {
        out += chunk.toString()
        const line = out.split('\n')[0]
        if (out.includes('\n') && line) resolve(JSON.parse(line) as Record<string, unknown>)
      })
      child.on('exit', (code) => reject(new Error(`sim dataverse exited with ${code}: ${err}`)))
    })
  } finally {
    child.kill('SIGTERM')
    rmSync(dir, { recursive: true, force: true })
  }
}

describe('x2d365 sim dataverse', () => {
  // Execution time and latency per operation: sim/dataverse/costs.ts, after the published sample timings
  // (https://learn.microsoft.com/en-us/power-apps/developer/data-platform/bulk-operations#performance).
  it('runs with the documented cost model and latency by default; --fast turns both off', async () => {
    expect(await startedWith([])).toMatchObject({ costs: 'documented' })
    expect(await startedWith(['--fast', '--app-users', '2'])).toMatchObject({
      costs: 'off',
      appUsers: [expect.anything(), expect.anything()] as unknown,
    })
    const standard = dataverseSimOptions({})
    expect(standard.costModel).toEqual({})
    expect(standard.latency).toBe(realLatency)
    const fast = dataverseSimOptions({ fast: true })
    expect(fast.costModel).toBeUndefined()
    expect(fast.latency).toBeUndefined()

    const slept: number[] = []
    const sim = createDataverseSimulator({
      ...standard,
      latency: { sleep: async (ms) => void slept.push(ms) },
    })
    const token = String((await requestToken(sim)).body.access_token)
    await sim.handle(
      new Request(`${sim.settings().apiUrl}WhoAmI`, { headers: { authorization: `Bearer ${token}` } }),
    )
    expect(slept).toEqual([defaultCostModel.roundTripMs + defaultCostModel.readMs])
    expect(sim.executionMs()).toBe(defaultCostModel.readMs)
  })

  // Limits apply per user (https://learn.microsoft.com/en-us/power-apps/developer/data-platform/api-limits#how-service-protection-api-limits-are-enforced).
  it('serves several application users, each with its own service protection limits', async () => {
    const options = dataverseSimOptions({ fast: true, appUsers: 2, requestsPerWindow: 1, concurrent: 3 })
    expect(options.limits).toEqual({ requestsPerWindow: 1, concurrent: 3 })
    expect(options.appUsers).toHaveLength(2)
    const sim = createDataverseSimulator(options)
    expect(options.appUsers?.[0]?.clientId).toBe(createDataverseSimulator().settings().clientId)
    const statuses: number[] = []
    for (const user of options.appUsers ?? []) {
      const token = String(
        (await requestToken(sim, { client_id: user.clientId, client_secret: user.clientSecret })).body
          .access_token,
      )
      for (let i = 0; i < 2; i++) {
        const response = await sim.handle(
          new Request(`${sim.settings().apiUrl}WhoAmI`, { headers: { authorization: `Bearer ${token}` } }),
        )
        statuses.push(response.status)
      }
    }
    expect(statuses).toEqual([200, 429, 200, 429])
  })

  it('refuses a count below one', async () => {
    await expect(startedWith(['--app-users', '0'])).rejects.toThrow(/--app-users must be a whole number ≥ 1/)
  })
})
