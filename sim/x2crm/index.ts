export { createX2crmSimulator, type X2crmSimulator, type X2crmSimulatorOptions } from './simulator.ts'
export { FIXTURE_ADMIN_KEY, loadDump, typeRecord, type UserAccess, type X2crmDataset } from './dataset.ts'
export { DEFAULT_ADMIN_KEY } from './defaults.ts'
