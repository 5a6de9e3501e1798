import '@fontsource/noto-sans-sc/400.css'
import '@fontsource/noto-sans-sc/500.css'
import '@fontsource/noto-sans-sc/700.css'
import 'maplibre-gl/dist/maplibre-gl.css'
import './app/styles.css'
import './app/i18n.ts'
import { MutationCache, QueryCache, QueryClient, QueryClientProvider } from '@tanstack/react-query'
import { StrictMode } from 'react'
import { createRoot } from 'react-dom/client'
import { Root } from './app/Root.tsx'
import { onQueryError } from './auth/queries.ts'

const isClientError = (err: unknown) => {
  const status = (err as { status?: number }).status
  return status !== undefined && status >= 400 && status < 500
}

const queryClient: QueryClient = new QueryClient({
  queryCache: new QueryCache({ onError: (err) => onQueryError(queryClient, err) }),
  mutationCache: new MutationCache({ onError: (err) => onQueryError(queryClient, err) }),
  defaultOptions: {
    queries: {
      refetchOnWindowFocus: false,
      // 4xx answers are final (401 ends the session, 403/404 are scope); retry only the rest once.
      retry: (count, err) => count < 1 && !isClientError(err),
    },
  },
})

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <QueryClientProvider client={queryClient}>
      <Root />
    </QueryClientProvider>
  </StrictMode>,
)
