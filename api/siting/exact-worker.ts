// Worker thread of solveMipInWorker (exact.ts): solves one MIP and posts the result back, so a
// HiGHS run of up to `time_limit` seconds never blocks the server's event loop.
import { parentPort, workerData } from 'node:worker_threads'
import { solveMip, type CoverMip } from './exact.ts'

const { mip, opts } = workerData as { mip: CoverMip; opts: Parameters<typeof solveMip>[1] }
solveMip(mip, opts).then(
  (result) => parentPort!.postMessage({ result }),
  (err: unknown) => parentPort!.postMessage({ error: String(err) }),
)
