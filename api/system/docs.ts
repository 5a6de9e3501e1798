import { Hono } from 'hono'
import { readFile } from 'node:fs/promises'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'

const require = createRequire(import.meta.url)
const SWAGGER_DIR = dirname(require.resolve('swagger-ui-dist/package.json'))
const ASSETS: Record<string, string> = {
  'swagger-ui.css': 'text/css',
  'swagger-ui-bundle.js': 'text/javascript',
}

const PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>GridPulse API reference</title>
<link rel="stylesheet" href="/api/docs/swagger-ui.css"></head>
<body><div id="ui"></div><script src="/api/docs/swagger-ui-bundle.js"></script>
<script src="/api/docs/init.js"></script></body></html>`

/** A readable API reference served from the installed swagger-ui-dist: no CDN, works offline. */
export function docsPage() {
  return new Hono()
    .get('/', (c) => c.html(PAGE))
    .get('/init.js', (c) =>
      c.body("SwaggerUIBundle({ url: '/api/openapi.json', dom_id: '#ui' })", 200, { 'Content-Type': 'text/javascript' }),
    )
    .get('/:file', async (c) => {
      const file = c.req.param('file')
      const type = ASSETS[file]
      if (!type) return c.json({ error: 'not_found', message: 'no such asset' }, 404)
      c.header('Cache-Control', 'public, max-age=86400')
      return c.body(await readFile(join(SWAGGER_DIR, file)), 200, { 'Content-Type': type })
    })
}
