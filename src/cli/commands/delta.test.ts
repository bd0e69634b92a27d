import { describe, expect, it } from 'vitest'
import { UsageError } from '../../errors.ts'
import { deltaCommand } from './delta.ts'

describe('x2d365 delta options', () => {
  it('refuses a --changes mode it does not know before reading the configuration', async () => {
    const refused = deltaCommand({ config: '/nonexistent/x2d365.yaml', changes: 'changes' })
    await expect(refused).rejects.toThrow(UsageError)
    await expect(refused).rejects.toThrow('--changes must be changelog or full (got "changes")')
  })
})
