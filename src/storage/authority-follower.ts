/**
 * How a running server follows `sealhouse rotate ca|tsa` recorded by another process: on every
 * rotation-watch change it compares the authority it signs with against the epoch now in use
 * (authority_epochs; the fingerprint is the SHA-256 of the signer certificate) and, when they
 * differ, reloads the authority from where it is configured and swaps it in — but only once the
 * files there are that epoch. Until the operator (or the CLI's rename) has put them in place,
 * `follow` throws, the watch retries at its next poll, and the old authority keeps signing: it
 * stays valid for the rotation's --grace window. Idempotent: the state the database records is
 * applied, whatever happened in between.
 */
import { SealhouseError } from '../errors.js';
import { type AuthorityEpoch, type AuthorityKind, authorityEpochs, fingerprintOf } from './authority-epochs.js';
import type { Queryable } from './sql.js';

export interface FollowedAuthority {
  /** [signer, …, root], DER. */
  readonly chain: readonly Buffer[];
}

export interface AuthorityFollowerOptions<M extends FollowedAuthority> {
  readonly kind: AuthorityKind;
  /** "the CA (/data/ca)": where the files are, for the message that says they are not there yet. */
  readonly what: string;
  /** Load the authority from its configured source, never generating one. */
  readonly load: () => Promise<M>;
  /** Start signing with it; called only with the epoch in use. */
  readonly apply: (material: M, epochs: readonly AuthorityEpoch[]) => Promise<void> | void;
}

export class AuthorityFollower<M extends FollowedAuthority> {
  constructor(
    private readonly sql: Queryable,
    private inUse: M,
    private readonly options: AuthorityFollowerOptions<M>,
  ) {}

  /** The authority signing now. */
  get current(): M {
    return this.inUse;
  }

  /** Apply the epoch the database has in use (a RotationWatch listener). */
  async follow(): Promise<void> {
    const epochs = await authorityEpochs(this.sql, this.options.kind);
    const wanted = epochs.find((e) => e.validUntil === undefined);
    if (!wanted || fingerprintOf(wanted.chain).equals(fingerprintOf(this.inUse.chain))) return;
    let loaded: M;
    try {
      loaded = await this.options.load();
    } catch (err) {
      throw this.notYet(wanted, epochs, `cannot load it yet (${(err as Error).message})`, err);
    }
    if (!fingerprintOf(loaded.chain).equals(fingerprintOf(wanted.chain))) {
      const known = epochs.find((e) => fingerprintOf(e.chain).equals(fingerprintOf(loaded.chain)));
      throw this.notYet(wanted, epochs, known ? `the files there are still epoch ${known.epoch}` : 'the files there are no recorded epoch');
    }
    await this.options.apply(loaded, epochs);
    this.inUse = loaded;
  }

  private notYet(wanted: AuthorityEpoch, epochs: readonly AuthorityEpoch[], why: string, cause?: unknown): SealhouseError {
    const signing = epochs.find((e) => fingerprintOf(e.chain).equals(fingerprintOf(this.inUse.chain)));
    const until = signing?.validUntil ? `, valid until ${signing.validUntil.toISOString()}` : '';
    return new SealhouseError(
      'unavailable',
      `${this.options.kind} epoch ${wanted.epoch} is in use, but ${this.options.what}: ${why}; still signing with epoch ${signing?.epoch ?? '?'}${until} — put the new files in place`,
      cause === undefined ? undefined : { cause },
    );
  }
}
