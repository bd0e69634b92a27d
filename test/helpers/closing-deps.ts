import type { SourceKey } from '../../src/domain/source-key.ts'
import type { Ledger } from '../../src/ledger/ledger.ts'
import { servicesMap } from '../../src/mapping/default-cases.ts'
import { accountsContactsMapping, ACCOUNT, CONTACT } from '../../src/mapping/default-map.ts'
import { opportunityMap } from '../../src/mapping/default-timeline.ts'
import { targetIdFor } from '../../src/mapping/target-id.ts'
import { planLoad } from '../../src/plan/plan-load.ts'
import type { X2crmRecord, X2crmSource } from '../../src/source/x2crm/types.ts'

/**
 * What a closing step reads, for these records of one class: a source holding them, and a ledger that says each was
 * loaded by its pass-1 phase under the id `targetIdFor(instance, entity, id)` gives it.
 */
export function closingDeps<T>(instance: string, entity: string, records: X2crmRecord[], target: T) {
  const source = {
    async *records(name: string) {
      if (name === entity) yield* records
    },
  } as unknown as X2crmSource
  const ledger = {
    loaded: async (keys: readonly SourceKey[]) =>
      new Map(
        keys.map((key) => [
          key,
          {
            sourceKey: key,
            runId: 'r',
            phase: entity,
            targetId: targetIdFor(instance, entity, Number(key.split(':')[1])),
          },
        ]),
      ),
    sourcesOf: async () => new Map(),
  } as unknown as Pick<Ledger, 'loaded' | 'sourcesOf'>
  return { source, ledger, target }
}

/** The load plan the closing steps read: accounts and contacts, opportunities, and cases (Services) on contacts. */
export function closingPhases() {
  return planLoad({
    ...accountsContactsMapping(),
    entities: [
      ...accountsContactsMapping().entities,
      opportunityMap(ACCOUNT, CONTACT),
      servicesMap({ entity: 'Contacts', table: CONTACT }),
    ],
  }).phases
}
