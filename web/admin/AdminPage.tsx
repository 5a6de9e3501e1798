import { useQuery } from '@tanstack/react-query'
import { useState, type FormEvent } from 'react'
import { useTranslation } from 'react-i18next'
import type { User } from '../auth/queries.ts'
import { formatDateTime } from '../app/format.ts'
import { Header } from '../app/Header.tsx'
import { IncidentTypes } from './IncidentTypes.tsx'
import { useAdminAction } from './useAdminAction.ts'
import { auditQuery, createUser, updateUser, usersQuery, type AdminUser, type AuditFilter } from './queries.ts'

const ROLES = ['admin', 'commander', 'grid_leader', 'grid_member', 'planner'] as const
const ACTIONS = ['read', 'insert', 'update', 'delete', 'login', 'login_failed', 'logout', 'admin'] as const

/** Comma-separated area ids typed by the admin. */
const parseIds = (s: string) =>
  s
    .split(/[,\s]+/)
    .filter(Boolean)
    .map(Number)
    .filter((n) => Number.isSafeInteger(n) && n > 0)

/** Accounts (roles, areas, disabling) and the audit log, for admins. */
export function AdminPage({ user }: { user: User }) {
  const { t } = useTranslation()
  const [tab, setTab] = useState<'users' | 'types' | 'audit'>('users')
  return (
    <div className="app admin">
      <Header user={user} />
      <main className="admin-main">
        <div className="tabs" role="tablist">
          {(['users', 'types', 'audit'] as const).map((k) => (
            <button key={k} type="button" role="tab" aria-selected={tab === k} className={tab === k ? 'active' : ''} onClick={() => setTab(k)} data-testid={`tab-${k}`}>
              {t(`admin.${k}`)}
            </button>
          ))}
        </div>
        {tab === 'users' ? <Users self={user} /> : tab === 'types' ? <IncidentTypes /> : <Audit />}
      </main>
    </div>
  )
}

function Users({ self }: { self: User }) {
  const { t, i18n } = useTranslation()
  const users = useQuery(usersQuery())
  const { error, run } = useAdminAction([['admin']])

  const [draft, setDraft] = useState({ username: '', password: '', role: 'grid_member' as AdminUser['role'], areas: '' })
  const submit = (e: FormEvent) => {
    e.preventDefault()
    void run(async () => {
      await createUser({ username: draft.username.trim(), password: draft.password, role: draft.role, areas: parseIds(draft.areas) })
      setDraft({ username: '', password: '', role: draft.role, areas: '' })
    })
  }

  return (
    <section className="panel admin-section" data-testid="admin-users">
      <h2>{t('admin.users')}</h2>
      {error && <p className="form-error" role="alert">{error}</p>}
      <form className="row" onSubmit={submit}>
        <input placeholder={t('login.username')} value={draft.username} onChange={(e) => setDraft({ ...draft, username: e.target.value })} required />
        <input placeholder={t('login.password')} type="password" autoComplete="new-password" value={draft.password} onChange={(e) => setDraft({ ...draft, password: e.target.value })} required minLength={10} />
        <select value={draft.role} onChange={(e) => setDraft({ ...draft, role: e.target.value as AdminUser['role'] })}>
          {ROLES.map((r) => (
            <option key={r} value={r}>
              {t(`role.${r}`)}
            </option>
          ))}
        </select>
        <input placeholder={t('admin.areaIds')} value={draft.areas} onChange={(e) => setDraft({ ...draft, areas: e.target.value })} />
        <button type="submit" className="button primary">
          {t('admin.create')}
        </button>
      </form>
      {users.isPending && <p className="hint">{t('app.loading')}</p>}
      <table className="table">
        <thead>
          <tr>
            <th>{t('login.username')}</th>
            <th>{t('admin.role')}</th>
            <th>{t('admin.areaIds')}</th>
            <th>{t('admin.lastLogin')}</th>
            <th>{t('admin.status')}</th>
          </tr>
        </thead>
        <tbody>
          {(users.data ?? []).map((u) => (
            <tr key={u.id} className={u.disabled ? 'dim' : ''} data-username={u.username}>
              <td>{u.username}</td>
              <td>
                <select value={u.role} onChange={(e) => void run(() => updateUser(u.id, { role: e.target.value as AdminUser['role'] }))}>
                  {ROLES.map((r) => (
                    <option key={r} value={r}>
                      {t(`role.${r}`)}
                    </option>
                  ))}
                </select>
              </td>
              <td>
                <input
                  defaultValue={u.areas.join(', ')}
                  onBlur={(e) => {
                    const next = parseIds(e.target.value)
                    if (next.join(',') !== u.areas.join(',')) void run(() => updateUser(u.id, { areas: next }))
                  }}
                />
              </td>
              <td>{u.last_login_at ? formatDateTime(new Date(u.last_login_at), i18n.language) : '–'}</td>
              <td>
                <label className="check">
                  <input type="checkbox" checked={!u.disabled} disabled={u.id === self.id} onChange={(e) => void run(() => updateUser(u.id, { disabled: !e.target.checked }))} />
                  {u.disabled ? t('admin.disabled') : t('admin.active')}
                </label>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  )
}

function Audit() {
  const { t, i18n } = useTranslation()
  const [filter, setFilter] = useState<AuditFilter>({})
  const [before, setBefore] = useState<number[]>([])
  const page = useQuery(auditQuery(filter, before.at(-1)))
  const set = (patch: Partial<AuditFilter>) => {
    setFilter({ ...filter, ...patch })
    setBefore([])
  }
  return (
    <section className="panel admin-section" data-testid="admin-audit">
      <h2>{t('admin.audit')}</h2>
      <div className="row">
        <input placeholder={t('login.username')} value={filter.user ?? ''} onChange={(e) => set({ user: e.target.value.trim() || undefined })} />
        <select value={filter.action ?? ''} onChange={(e) => set({ action: (e.target.value || undefined) as AuditFilter['action'] })}>
          <option value="">{t('admin.anyAction')}</option>
          {ACTIONS.map((a) => (
            <option key={a} value={a}>
              {t(`admin.action.${a}`)}
            </option>
          ))}
        </select>
        <input placeholder={t('admin.target')} value={filter.target ?? ''} onChange={(e) => set({ target: e.target.value.trim() || undefined })} />
        <label className="field inline">
          {t('admin.from')}
          <input type="date" value={filter.from ?? ''} onChange={(e) => set({ from: e.target.value || undefined })} />
        </label>
        <label className="field inline">
          {t('admin.to')}
          <input type="date" value={filter.to ?? ''} onChange={(e) => set({ to: e.target.value || undefined })} />
        </label>
      </div>
      {page.error && <p className="form-error">{page.error.message}</p>}
      <table className="table" data-testid="audit-table">
        <thead>
          <tr>
            <th>{t('admin.when')}</th>
            <th>{t('login.username')}</th>
            <th>{t('admin.role')}</th>
            <th>{t('admin.client')}</th>
            <th>{t('admin.actionLabel')}</th>
            <th>{t('admin.target')}</th>
            <th>{t('admin.rows')}</th>
          </tr>
        </thead>
        <tbody>
          {(page.data?.entries ?? []).map((e) => (
            <tr key={e.id}>
              <td>{formatDateTime(new Date(e.at), i18n.language)}</td>
              <td>{e.username ?? '–'}</td>
              <td>{e.role ? t(`role.${e.role}`, { defaultValue: e.role }) : '–'}</td>
              <td>{e.client ?? '–'}</td>
              <td>{t(`admin.action.${e.action}`)}</td>
              <td>{e.target}</td>
              <td title={e.ids.join(', ')}>{e.row_count}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <div className="row">
        <button type="button" className="button" disabled={before.length === 0} onClick={() => setBefore(before.slice(0, -1))}>
          ‹ {t('admin.newer')}
        </button>
        <button type="button" className="button" disabled={!page.data?.next_before} onClick={() => page.data?.next_before && setBefore([...before, page.data.next_before])}>
          {t('admin.older')} ›
        </button>
      </div>
    </section>
  )
}
