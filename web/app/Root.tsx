import { useQuery } from '@tanstack/react-query'
import { useEffect, useState } from 'react'
import { useTranslation } from 'react-i18next'
import { AdminPage } from '../admin/AdminPage.tsx'
import { LoginPage } from '../auth/LoginPage.tsx'
import { canPatrol, canSite, meQuery } from '../auth/queries.ts'
import { CommanderPage } from '../commander/CommanderPage.tsx'
import { PatrolPage } from '../patrols/PatrolPage.tsx'
import { PlannerPage } from '../planner/PlannerPage.tsx'
import { App } from './App.tsx'

/** `#/admin` opens the admin page, `#/commander` the commander's page, `#/planner` siting, `#/patrols` patrol playback; anything else the map. */
function useHashRoute(): string {
  const [hash, setHash] = useState(() => location.hash)
  useEffect(() => {
    const on = () => setHash(location.hash)
    window.addEventListener('hashchange', on)
    return () => window.removeEventListener('hashchange', on)
  }, [])
  return hash.replace(/^#\/?/, '')
}

/** Who is signed in decides the page: the login form, the map, or (admins) the admin page. */
export function Root() {
  const { t } = useTranslation()
  const me = useQuery(meQuery())
  const route = useHashRoute()
  if (me.isPending) return <div className="splash">{t('app.loading')}</div>
  if (me.error) return <div className="splash error">{t('app.error')}: {me.error.message}</div>
  if (!me.data) return <LoginPage />
  if (route === 'admin' && me.data.role === 'admin') return <AdminPage user={me.data} />
  if (route === 'commander') return <CommanderPage user={me.data} />
  if (route === 'planner' && canSite(me.data)) return <PlannerPage user={me.data} />
  if (route === 'patrols' && canPatrol(me.data)) return <PatrolPage user={me.data} />
  return <App user={me.data} />
}
