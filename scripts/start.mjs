#!/usr/bin/env node
// `npm start`: build the web app if needed, then run the server (API + web on one port).
import { spawn } from 'node:child_process'
import { join } from 'node:path'
import { ensureWebBuild } from './build-web.mjs'

const root = join(import.meta.dirname, '..')
if (!ensureWebBuild()) process.exit(1)
const server = spawn(process.execPath, ['--import', 'tsx', join(root, 'api', 'server.ts')], { stdio: 'inherit', cwd: root })
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => server.kill(sig))
server.on('exit', (code) => process.exit(code ?? 0))
