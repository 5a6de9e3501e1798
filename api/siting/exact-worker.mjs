// Entry of the exact solver's worker thread (see solveMipInWorker in exact.ts): a plain module that
// registers tsx in this thread (workers get no loader from their parent's flags) and then runs the
// TypeScript worker.
import { register } from 'tsx/esm/api'

register()
await import('./exact-worker.ts')
