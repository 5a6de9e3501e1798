export * from './areas.ts'
export * from './incidents.ts'
export * from './stations.ts'
export * from './patrols.ts'
