import { expect } from 'vitest'
import { FIXTURE_ADMIN_KEY } from '../../sim/x2crm/index.ts'

/**
 * A change made in X2CRM through its API, as a person would: PATCH `api2/{entity}/{id}.json` on the simulator's
 * handler with the fixture admin's key, expecting 200.
 */
export function x2crmChanger(handle: (request: Request) => Promise<Response>) {
  return async (entity: string, id: number, values: Record<string, unknown>): Promise<void> => {
    const response = await handle(
      new Request(`http://127.0.0.1/index.php/api2/${entity}/${id}.json`, {
        method: 'PATCH',
        headers: {
          Authorization: `Basic ${Buffer.from(`admin:${FIXTURE_ADMIN_KEY}`).toString('base64')}`,
          'Content-Type': 'application/json',
        },
        body: JSON.stringify(values),
      }),
    )
    expect(response.status).toBe(200)
  }
}
