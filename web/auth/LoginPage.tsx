import { useQueryClient } from '@tanstack/react-query'
import { useState, type FormEvent } from 'react'
import { useTranslation } from 'react-i18next'
import { ApiError } from '../app/api.ts'
import { LANGUAGES, setLanguage } from '../app/i18n.ts'
import { signIn } from './queries.ts'

/** The sign-in form: everything else needs a session. */
export function LoginPage() {
  const { t, i18n } = useTranslation()
  const qc = useQueryClient()
  const [username, setUsername] = useState('')
  const [password, setPassword] = useState('')
  const [error, setError] = useState<string | null>(null)
  const [busy, setBusy] = useState(false)

  const submit = async (e: FormEvent) => {
    e.preventDefault()
    setBusy(true)
    setError(null)
    try {
      await signIn(qc, username.trim(), password)
    } catch (err) {
      if (err instanceof ApiError && err.status === 401) setError(t('login.wrong'))
      else if (err instanceof ApiError && err.status === 429) setError(t('login.limited', { message: err.message }))
      else setError(`${t('app.error')}: ${(err as Error).message}`)
      setBusy(false)
    }
  }

  return (
    <div className="login-page">
      <form className="panel login-card" onSubmit={submit} data-testid="login-form">
        <div className="brand">
          <span className="brand-mark" aria-hidden>◆</span>
          <h1>{t('app.title')}</h1>
        </div>
        <p className="muted">{t('app.subtitle')}</p>
        <label className="field">
          {t('login.username')}
          <input name="username" autoComplete="username" value={username} onChange={(e) => setUsername(e.target.value)} required autoFocus data-testid="login-username" />
        </label>
        <label className="field">
          {t('login.password')}
          <input name="password" type="password" autoComplete="current-password" value={password} onChange={(e) => setPassword(e.target.value)} required data-testid="login-password" />
        </label>
        {error && (
          <p className="form-error" role="alert" data-testid="login-error">
            {error}
          </p>
        )}
        <button type="submit" className="button primary" disabled={busy} data-testid="login-submit">
          {busy ? t('app.loading') : t('login.submit')}
        </button>
        <div className="row lang-row">
          {LANGUAGES.map((lang) => (
            <button key={lang} type="button" className={`link ${i18n.language === lang ? 'active' : ''}`} onClick={() => setLanguage(lang)}>
              {lang === 'en' ? 'English' : '中文'}
            </button>
          ))}
        </div>
      </form>
    </div>
  )
}
