import { EXIT } from '../exit-codes.ts'
import { writeReport, type ReportOptions } from '../write-report.ts'

export type { ReportOptions }

/** Writes the migration's report, or with --run the report of one run (see write-report.ts). */
export async function reportCommand(options: ReportOptions): Promise<number> {
  await writeReport(options)
  return EXIT.ok
}
