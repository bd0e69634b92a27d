#!/usr/bin/env node
// The CLI run from its TypeScript sources through tsx, so the e2e tests check the code as it is, never a stale dist/.
import { register } from 'tsx/esm/api'
register()
await import('../../src/cli/main.ts')
