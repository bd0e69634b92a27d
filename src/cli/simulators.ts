import { writeFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { createDataverseSimulator, type DataverseSimOptions } from '../../sim/dataverse/index.ts'
import { serve, type Handler } from '../../sim/serve.ts'
import { generateCertificate } from '../../sim/tls.ts'
import { demoSystemUsers } from './demo-users.ts'

/**
 * The Dataverse simulator served over TLS on 127.0.0.1 (`port` 0: any free port), with a certificate made for the
 * occasion written to `caFile` for clients to trust, and a user to own what no X2CRM owner can. For `x2d365 sim
 * dataverse` and the demo.
 */
export async function startDataverseSimulator(
  port: number,
  caFile: string,
  options: DataverseSimOptions = {},
) {
  const tls = await generateCertificate()
  writeFileSync(caFile, tls.cert)
  let handler: Handler = async () => new Response('starting', { status: 503 })
  const served = await serve((request) => handler(request), { port, tls })
  const sim = createDataverseSimulator({ ...options, origin: served.origin })
  // A user to own the records whose X2CRM owner has no Dataverse user (`run.defaultOwnerEmail`).
  sim.seed('systemuser', demoSystemUsers([]))
  handler = sim.handle
  return { sim, served, caFile: resolve(caFile) }
}
