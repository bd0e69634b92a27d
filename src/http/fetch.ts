/**
 * The fetch our HTTP clients take. Narrower than `typeof fetch` on purpose: a simulator's in-process handler
 * adapter, undici's fetch with a custom dispatcher and the global fetch all fit it.
 */
export type Fetch = (input: string | URL | Request, init?: RequestInit) => Promise<Response>
