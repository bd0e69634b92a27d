import { extractClass, type CompletenessReport, type ExtractOptions } from './extract.ts'
import type { X2crmSource } from './types.ts'

export interface CompleteSourceOptions {
  /** Per-class extraction options, e.g. `probeUpTo` from a reference tracker. */
  extractOptions?: (entity: string) => ExtractOptions
  /** Called once a class has been read to the end. */
  onReport?: (report: CompletenessReport) => void
}

/**
 * `source` with `records()` replaced by {@link extractClass}: records hidden from lists come in id order among the
 * listed ones, so a migration reading through it migrates them and can reconcile against the reports. Filtered
 * reads (delta) pass through unchanged: a filtered list has gaps by design.
 */
export function createCompleteSource(source: X2crmSource, options: CompleteSourceOptions = {}): X2crmSource {
  return {
    ...source,
    async *records(entity, readOptions = {}) {
      if (readOptions.filters && Object.keys(readOptions.filters).length > 0) {
        yield* source.records(entity, readOptions)
        return
      }
      const extraction = extractClass(source, entity, {
        ...options.extractOptions?.(entity),
        afterId: readOptions.afterId ?? 0,
        ...(readOptions.pageSize ? { pageSize: readOptions.pageSize } : {}),
      })
      yield* extraction
      options.onReport?.(extraction.report())
    },
  }
}
