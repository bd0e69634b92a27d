import { formatDuration, throughputFromLimits } from './scope-report.ts'

/**
 * What a load the demo ran in `seconds` against a fast simulator would take under Dataverse's service protection
 * limits (the cost model `sim dataverse` runs by default), with one application user and with `appUsers`. Pure.
 */
export function describeUnderLimits(
  records: number,
  seconds: number,
  appUsers: number,
  batchSize: number,
): string {
  const at = (users: number) => records / throughputFromLimits(users, batchSize).recordsPerSecond
  const one = at(1)
  const line =
    `Under Dataverse's service protection limits (https://aka.ms/serviceprotectionlimits; ${throughputFromLimits(1, batchSize).recordsPerSecond.toFixed(0)} ` +
    `records/s per application user at batches of ${batchSize}), these ${records.toLocaleString('en-US')} records would take ` +
    `${formatDuration(one)} with 1 application user`
  const users = Math.max(1, appUsers)
  const more =
    users > 1
      ? ` and ${formatDuration(at(users))} with the ${users} configured`
      : `; ${formatDuration(at(3))} with 3 (target.dataverse.additionalAppUsers)`
  return `${line}${more}. This demo took ${formatDuration(seconds)} against a simulator without limits.\n`
}
