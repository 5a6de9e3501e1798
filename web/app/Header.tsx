import { useState } from 'react'
import { useTranslation } from 'react-i18next'
import { useQueryClient } from '@tanstack/react-query'
import { canPatrol, canSite, signOut, type User } from '../auth/queries.ts'
import type { AppConfig } from './client.ts'
import { LANGUAGES, setLanguage, type Language } from './i18n.ts'
import { SettingsPopover } from './SettingsPopover.tsx'

const LANGUAGE_LABEL: Record<Language, string> = { 'zh-CN': '中文', en: 'EN' }

/** Title bar: the signed-in user, sign-out, admin link, basemap settings and the language switch. */
export function Header({ config, user }: { config?: AppConfig; user: User }) {
  const { t, i18n } = useTranslation()
  const qc = useQueryClient()
  const [settingsOpen, setSettingsOpen] = useState(false)
  return (
    <header className="header">
      <div className="brand">
        <span className="brand-mark" aria-hidden>◆</span>
        <h1>{t('app.title')}</h1>
        <span className="subtitle">{t('app.subtitle')}</span>
      </div>
      <div className="header-actions">
        <a className="button" href={location.hash === '#/commander' ? '#/' : '#/commander'} data-testid="commander-link">
          {location.hash === '#/commander' ? t('admin.backToMap') : t('commander.open')}
        </a>
        {canPatrol(user) && (
          <a className="button" href={location.hash === '#/patrols' ? '#/' : '#/patrols'} data-testid="patrols-link">
            {location.hash === '#/patrols' ? t('admin.backToMap') : t('patrol.open')}
          </a>
        )}
        {canSite(user) && (
          <a className="button" href={location.hash === '#/planner' ? '#/' : '#/planner'} data-testid="planner-link">
            {location.hash === '#/planner' ? t('admin.backToMap') : t('planner.open')}
          </a>
        )}
        {user.role === 'admin' && (
          <a className="button" href={location.hash === '#/admin' ? '#/' : '#/admin'} data-testid="admin-link">
            {location.hash === '#/admin' ? t('admin.backToMap') : t('admin.open')}
          </a>
        )}
        <span className="user-badge" data-testid="user-badge">
          {user.username} · {t(`role.${user.role}`)}
        </span>
        <button type="button" className="button" onClick={() => void signOut(qc)} data-testid="logout">
          {t('login.logout')}
        </button>
        {config && (
          <button type="button" className="button" onClick={() => setSettingsOpen((o) => !o)} aria-expanded={settingsOpen} data-testid="settings-button">
            {t('settings.open')}
          </button>
        )}
        <div className="lang-switch" role="group" aria-label={t('app.language')}>
          {LANGUAGES.map((lang) => (
            <button
              key={lang}
              type="button"
              className={i18n.language === lang ? 'active' : ''}
              onClick={() => setLanguage(lang)}
              data-testid={`lang-${lang}`}
            >
              {LANGUAGE_LABEL[lang]}
            </button>
          ))}
        </div>
      </div>
      {settingsOpen && <SettingsPopover config={config} onClose={() => setSettingsOpen(false)} />}
    </header>
  )
}
