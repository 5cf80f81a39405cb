/**
 * The certificate authorities an instance has used (migrations/0005_authority_epochs.sql).
 * A start binds the authority it loaded: the first one is recorded, the recorded one is
 * accepted, and any other is refused — a lost and regenerated TSA directory would otherwise
 * disown every timestamp made before, silently. `sealhouse rotate` puts a new one into use: the
 * old epoch's validFor closes, the new one's opens, and both stay in trusted_root.json, so what
 * the old authority signed while it was in use keeps verifying.
 */
import { createHash, X509Certificate } from 'node:crypto';
import { readTlv } from '../core/der.js';
import { SealhouseError } from '../errors.js';
import { SecondTakenError } from './rotation-second.js';
import type { Queryable, Sql } from './sql.js';
import { toBuffer, toSafeNumber } from './sql.js';

export type AuthorityKind = 'ca' | 'tsa';

export interface AuthorityEpoch {
  readonly epoch: number;
  /** [signer, …, root], DER. */
  readonly chain: readonly Buffer[];
  readonly validFrom: Date;
  /** Undefined for the authority in use. */
  readonly validUntil?: Date;
}

/** What the refusal tells the operator: the authority's name and how to get the recorded one back. */
export interface AuthorityWording {
  readonly what: string;
  readonly restore: string;
}

/** What authority_epochs.fingerprint holds: SHA-256 of the signer certificate. */
export const fingerprintOf = (chain: readonly Buffer[]): Buffer => createHash('sha256').update(chain[0] as Buffer).digest();

function splitChain(bytes: Buffer): Buffer[] {
  const out: Buffer[] = [];
  for (let at = 0; at < bytes.length; ) {
    const cert = readTlv(bytes, at, 'a recorded certificate');
    out.push(Buffer.from(cert.raw));
    at += cert.raw.length;
  }
  return out;
}

/** validFor opens at the signer's notBefore for the first epoch: it covers all it ever signed. */
const notBefore = (chain: readonly Buffer[]): Date => new Date(new X509Certificate(chain[0] as Buffer).validFrom);

export async function authorityEpochs(q: Queryable, kind: AuthorityKind): Promise<AuthorityEpoch[]> {
  const rows = await q.query<{ epoch: unknown; chain: unknown; valid_from: Date; valid_until: Date | null }>(
    'SELECT epoch, chain, valid_from, valid_until FROM authority_epochs WHERE kind = $1 ORDER BY epoch',
    [kind],
  );
  return rows.map((r) => ({
    epoch: toSafeNumber(r.epoch),
    chain: splitChain(toBuffer(r.chain)),
    validFrom: new Date(r.valid_from),
    ...(r.valid_until ? { validUntil: new Date(r.valid_until) } : {}),
  }));
}

const current = (epochs: readonly AuthorityEpoch[]): AuthorityEpoch | undefined => epochs.find((e) => e.validUntil === undefined);
const sameAuthority = (epoch: AuthorityEpoch, chain: readonly Buffer[]): boolean => fingerprintOf(epoch.chain).equals(fingerprintOf(chain));

async function insertEpoch(q: Queryable, kind: AuthorityKind, epoch: number, chain: readonly Buffer[], validFrom: Date): Promise<void> {
  await q.query('INSERT INTO authority_epochs (kind, epoch, chain, fingerprint, valid_from) VALUES ($1, $2, $3, $4, $5)', [
    kind, epoch, Buffer.concat(chain), fingerprintOf(chain), validFrom,
  ]);
}

/**
 * At start: record `chain` if none is recorded, accept it if it is the one in use, and refuse
 * it otherwise. Returns every epoch, oldest first, for the trust documents.
 */
export async function bindAuthority(sql: Sql, kind: AuthorityKind, chain: readonly Buffer[], wording: AuthorityWording): Promise<AuthorityEpoch[]> {
  return sql.tx(async (tx) => {
    // Two processes starting at once: the second waits, then finds the first one's record.
    await tx.query('LOCK TABLE authority_epochs IN SHARE ROW EXCLUSIVE MODE');
    const epochs = await authorityEpochs(tx, kind);
    const inUse = current(epochs);
    if (!inUse) {
      if (epochs.length > 0) throw new SealhouseError('invalid_input', `no ${wording.what} is in use in this database's records; its history is damaged`);
      await insertEpoch(tx, kind, 1, chain, notBefore(chain));
      return authorityEpochs(tx, kind);
    }
    if (sameAuthority(inUse, chain)) return epochs;
    const retired = epochs.find((e) => e.validUntil !== undefined && sameAuthority(e, chain));
    throw new SealhouseError(
      'invalid_input',
      retired
        ? `the ${wording.what} configured is epoch ${retired.epoch}, retired at ${retired.validUntil?.toISOString()}; a retired authority is never used again — configure the one in use (epoch ${inUse.epoch})`
        : `the ${wording.what} is not the one this database has in use (epoch ${inUse.epoch}, since ${inUse.validFrom.toISOString()}), so what that one signed would stop verifying: ${wording.restore}, or put this one into use deliberately with \`sealhouse rotate ${kind}\``,
    );
  });
}

/**
 * Puts `chain` into use from `rotateAt`; the epoch in use ends at `graceUntil` (at or after it:
 * the overlap is the grace in which processes not yet restarted still sign validly). The old
 * one stays listed, so what it signed inside its window keeps verifying; a process still
 * signing with it after `oldUntil` makes signatures no client accepts.
 */
export async function rotateAuthority(sql: Sql, kind: AuthorityKind, chain: readonly Buffer[], rotateAt: Date, graceUntil: Date = rotateAt): Promise<AuthorityEpoch[]> {
  // An RFC 3161 genTime has whole seconds: the new window opens at the second the rotation
  // falls in and the old one closes at the next, so no token of either falls between them.
  const from = new Date(Math.floor(rotateAt.getTime() / 1000) * 1000);
  const oldUntil = new Date(Math.ceil(Math.max(graceUntil.getTime(), rotateAt.getTime()) / 1000) * 1000);
  return sql.tx(async (tx) => {
    await tx.query('LOCK TABLE authority_epochs IN SHARE ROW EXCLUSIVE MODE');
    const epochs = await authorityEpochs(tx, kind);
    if (epochs.some((e) => sameAuthority(e, chain))) {
      throw new SealhouseError('invalid_input', `this ${kind} authority is already epoch ${epochs.find((e) => sameAuthority(e, chain))?.epoch} in this database: configure (or generate) a new one to rotate to`);
    }
    const inUse = current(epochs);
    if (inUse) {
      if (from <= inUse.validFrom) throw new SecondTakenError(`the ${kind} authority in use`, inUse.validFrom);
      await tx.query('UPDATE authority_epochs SET valid_until = $3 WHERE kind = $1 AND epoch = $2', [kind, inUse.epoch, oldUntil]);
    }
    await insertEpoch(tx, kind, epochs.length + 1, chain, inUse ? from : notBefore(chain));
    return authorityEpochs(tx, kind);
  });
}
