import { formatVerification } from '../../report/verify-summary.ts'
import { exitCodeForVerify } from '../exit-codes.ts'
import { readConfig } from '../inputs.ts'
import { runVerify } from '../runs.ts'

export interface VerifyCommandOptions {
  config: string
  mapping?: string
  sample?: number
  all?: boolean
  json?: boolean
}

export async function verifyCommand(options: VerifyCommandOptions): Promise<number> {
  const config = readConfig(options.config)
  const result = await runVerify(config, {
    json: options.json,
    ...(options.mapping !== undefined && { mapping: options.mapping }),
    sample: options.all ? undefined : (options.sample ?? 200),
  })
  process.stdout.write(
    options.json ? `${JSON.stringify({ type: 'verify.finished', ...result })}\n` : formatVerification(result),
  )
  return exitCodeForVerify(result)
}
