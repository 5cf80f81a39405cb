/**
 * The server's part in the TUF repository: with the online keys (snapshot, timestamp) in
 * SEALHOUSE_TUF_KEYS_DIR it re-signs timestamp.json and the snapshot before they expire, so a
 * repository stays valid for as long as the server runs, and it says when the documents it
 * serves are no longer the published targets (a new targets version needs the offline targets
 * key: `sealhouse tuf update`). Several processes may share one repository directory: each
 * replaces timestamp.json by rename, and a second writer of the same version only repeats it.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { publishes, refreshRepository, type Refreshed, type TrustTargets } from './repository.js';
import { hasOnlineKeys, loadRoleKeys, ONLINE_ROLES } from './role-keys.js';

export interface RefresherEvents {
  readonly onRefreshed: (what: Exclude<Refreshed, 'nothing'>) => void;
  /** The repository's targets are not the documents served at /trusted_root.json and /signing_config.json. */
  readonly onStale: () => void;
  readonly onError: (err: unknown) => void;
}

/** How often the repository is looked at: far below the timestamp's half-life of 12 hours. */
export const REFRESH_INTERVAL_MS = 10 * 60_000;

export class TufRefresher {
  private timer: NodeJS.Timeout | undefined;
  private warnedStale = false;

  constructor(
    private readonly repo: string,
    private readonly keysDir: string,
    private documents: TrustTargets,
    private readonly events: RefresherEvents,
  ) {}

  /** The server now serves other trust documents (a key rotation): compare the repository with those from now on. */
  serving(documents: TrustTargets): void {
    this.documents = documents;
    this.warnedStale = false;
    try {
      this.refreshNow();
    } catch (err) {
      this.events.onError(err);
    }
  }

  /** Whether there is a repository to keep and the keys to keep it with. */
  get active(): boolean {
    return existsSync(join(this.repo, 'timestamp.json')) && hasOnlineKeys(this.keysDir);
  }

  /** One look: re-sign what is due, report targets that differ from the served documents. */
  refreshNow(now = new Date()): Refreshed {
    if (!this.active) return 'nothing';
    const what = refreshRepository(this.repo, loadRoleKeys(this.keysDir, ONLINE_ROLES), { now });
    if (what !== 'nothing') this.events.onRefreshed(what);
    const stale = !publishes(this.repo, this.documents);
    if (stale && !this.warnedStale) this.events.onStale();
    this.warnedStale = stale;
    return what;
  }

  start(intervalMs = REFRESH_INTERVAL_MS): void {
    const tick = (): void => {
      try {
        this.refreshNow();
      } catch (err) {
        this.events.onError(err);
      }
    };
    tick();
    this.timer = setInterval(tick, intervalMs);
    this.timer.unref();
  }

  close(): void {
    clearInterval(this.timer);
  }
}
