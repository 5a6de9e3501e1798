/** Login throttling: failed attempts counted per key (account, client address) in a fixed window. */
export interface LoginLimits {
  /** Failed logins per account within the window before it is locked until the window ends. */
  perAccount: number
  /** Failed logins per client address within the window (many accounts from one address). */
  perAddress: number
  windowMs: number
}

/** OWASP-style defaults: 10 failures per account, 50 per address, per 15 minutes. */
export const DEFAULT_LOGIN_LIMITS: LoginLimits = { perAccount: 10, perAddress: 50, windowMs: 15 * 60 * 1000 }

interface Bucket {
  failures: number
  resetAt: number
}

/**
 * In-memory counters (one server process; a cluster of servers would keep them in the database or
 * a shared cache). A locked key refuses even the right password until its window ends, so guessing
 * cannot continue by interleaving a known password.
 */
export class LoginLimiter {
  private readonly buckets = new Map<string, Bucket>()

  constructor(
    readonly limits: LoginLimits = DEFAULT_LOGIN_LIMITS,
    private readonly now: () => number = Date.now,
  ) {}

  private keys(username: string, address: string | null) {
    return [
      { key: `u:${username.toLowerCase()}`, max: this.limits.perAccount },
      { key: `a:${address ?? 'unknown'}`, max: this.limits.perAddress },
    ]
  }

  private live(key: string): Bucket | undefined {
    const b = this.buckets.get(key)
    if (b && b.resetAt <= this.now()) {
      this.buckets.delete(key)
      return undefined
    }
    return b
  }

  /** Seconds until the account or address may try again, or 0 when it may try now. */
  retryAfter(username: string, address: string | null): number {
    let wait = 0
    for (const { key, max } of this.keys(username, address)) {
      const b = this.live(key)
      if (b && b.failures >= max) wait = Math.max(wait, Math.ceil((b.resetAt - this.now()) / 1000))
    }
    return wait
  }

  fail(username: string, address: string | null): void {
    if (this.buckets.size > 100_000) this.sweep()
    for (const { key } of this.keys(username, address)) {
      const b = this.live(key)
      if (b) b.failures++
      else this.buckets.set(key, { failures: 1, resetAt: this.now() + this.limits.windowMs })
    }
  }

  /** A successful login clears the account's failures (not the address's). */
  succeed(username: string): void {
    this.buckets.delete(`u:${username.toLowerCase()}`)
  }

  private sweep() {
    const t = this.now()
    for (const [k, b] of this.buckets) if (b.resetAt <= t) this.buckets.delete(k)
  }
}
