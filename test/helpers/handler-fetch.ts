import type { Handler } from '../../sim/serve.ts'
import type { Fetch } from '../../src/http/trusting-fetch.ts'

/** Lets a client call a simulator in-process, as if over the network. */
export function fetchFor(handler: Handler): Fetch {
  return (input, init) =>
    handler(input instanceof Request && init === undefined ? input : new Request(input, init))
}
