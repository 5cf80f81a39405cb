/**
 * The one RFC 6962 Merkle proof verifier, for the server, the CLI and the page: RFC 9162
 * §2.1.3.2 (inclusion) and §2.1.4.2 (consistency), with transparency-dev/merkle's strictness:
 * exact proof lengths, 32-byte hashes, no consistency proof from the empty tree, equal sizes
 * only with an empty proof and equal roots. SHA-256 comes from the host (CoreCrypto), so the
 * same code hashes with node:crypto on the server and @noble in the browser.
 * https://www.rfc-editor.org/rfc/rfc9162#section-2.1.3.2
 */
import { concatBytes, equalBytes, toHex } from './bytes.js';
import { CoreError } from './errors.js';

/** `malformed_proof` for a proof of the wrong shape; `verification_failed` for one that leads elsewhere. */
export class ProofError extends CoreError {
  constructor(message: string, code: 'malformed_proof' | 'verification_failed' = 'malformed_proof') {
    super(code, message);
    this.name = 'ProofError';
  }
}

/** SHA-256 as the host provides it (sha256Of(crypto), or node:crypto / @noble directly). */
export type Sha256 = (data: Uint8Array) => Uint8Array;

export const HASH_SIZE = 32;
const LEAF = Uint8Array.of(0);
const NODE = Uint8Array.of(1);

/** RFC 6962 §2.1: leaf = SHA-256(0x00 ‖ data), node = SHA-256(0x01 ‖ left ‖ right). */
export const leafHash = (sha256: Sha256, body: Uint8Array): Uint8Array => sha256(concatBytes(LEAF, body));
export const nodeHash = (sha256: Sha256, l: Uint8Array, r: Uint8Array): Uint8Array => sha256(concatBytes(NODE, l, r));

function checkSize(what: string, n: number): void {
  if (!Number.isSafeInteger(n) || n < 0) throw new ProofError(`${what} must be a non-negative integer, got ${n}`);
}

function checkHashes(what: string, hashes: readonly Uint8Array[]): void {
  hashes.forEach((h, i) => {
    if (h.length !== HASH_SIZE) throw new ProofError(`${what}${hashes.length > 1 ? `[${i}]` : ''} is ${h.length} bytes, expected ${HASH_SIZE}`);
  });
}

/** Bits of n (n ≥ 0, up to 2^53): number arithmetic, never 32-bit operators (DESIGN §3). */
function bitLength(n: number): number {
  let bits = 0;
  while (n >= 1) {
    n = Math.floor(n / 2);
    bits++;
  }
  return bits;
}

/** The inclusion proof length for (index, size): the inner part plus the border part. */
function inclusionLength(index: number, size: number): number {
  const inner = bitLength(xor(index, size - 1));
  return inner + popCount(Math.floor(index / 2 ** inner));
}

function xor(a: number, b: number): number {
  let out = 0;
  for (let bit = 1; a > 0 || b > 0; bit *= 2) {
    if (a % 2 !== b % 2) out += bit;
    a = Math.floor(a / 2);
    b = Math.floor(b / 2);
  }
  return out;
}

function popCount(n: number): number {
  let c = 0;
  for (; n > 0; n = Math.floor(n / 2)) c += n % 2;
  return c;
}

/** RFC 9162 §2.1.3.2: the root the audit path leads to from `leaf` at `index` in a tree of `size`. */
export function rootFromInclusion(sha256: Sha256, index: number, size: number, leaf: Uint8Array, proof: readonly Uint8Array[]): Uint8Array {
  checkSize('leaf index', index);
  checkSize('tree size', size);
  if (index >= size) throw new ProofError(`leaf index ${index} is not below tree size ${size}`);
  checkHashes('leaf hash', [leaf]);
  checkHashes('proof hash', proof);
  const want = inclusionLength(index, size);
  if (proof.length !== want) throw new ProofError(`inclusion proof has ${proof.length} hashes, expected ${want} for index ${index} in a tree of ${size}`);
  let fn = index;
  let sn = size - 1;
  let r = leaf;
  for (const p of proof) {
    if (fn % 2 === 1 || fn === sn) {
      r = nodeHash(sha256, p, r);
      while (fn % 2 === 0 && fn !== 0) {
        fn /= 2;
        sn = Math.floor(sn / 2);
      }
    } else {
      r = nodeHash(sha256, r, p);
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  return r;
}

export function verifyInclusion(sha256: Sha256, index: number, size: number, leaf: Uint8Array, proof: readonly Uint8Array[], root: Uint8Array): void {
  checkHashes('root hash', [root]);
  const computed = rootFromInclusion(sha256, index, size, leaf, proof);
  if (!equalBytes(computed, root)) {
    throw new ProofError(`the audit path leads to root ${toHex(computed)}, not the checkpoint's root ${toHex(root)}`, 'verification_failed');
  }
}

/**
 * RFC 9162 §2.1.4.2. Returns the root of the first tree the proof implies; when `root1` is
 * given it must equal it. The second root must equal `root2`.
 */
export function verifyConsistency(sha256: Sha256, size1: number, size2: number, root1: Uint8Array | undefined, root2: Uint8Array, proof: readonly Uint8Array[]): Uint8Array {
  checkSize('first size', size1);
  checkSize('second size', size2);
  if (size1 > size2) throw new ProofError(`first size ${size1} is greater than second size ${size2}`);
  if (size1 === 0) throw new ProofError('a consistency proof from the empty tree is meaningless');
  if (size1 === size2) {
    // Nothing to prove beyond identical roots, compared byte for byte as upstream does.
    if (proof.length !== 0) throw new ProofError('the sizes are equal but the proof is not empty');
    if (root1 && !equalBytes(root1, root2)) throw new ProofError('the sizes are equal but the roots differ', 'verification_failed');
    return root2;
  }
  checkHashes('second root', [root2]);
  if (root1) checkHashes('first root', [root1]);
  checkHashes('proof hash', proof);
  if (proof.length === 0) throw new ProofError('the consistency proof is empty');
  // RFC 9162 step 1: when size1 is a power of two its root is a node of the second tree and the
  // proof leaves it out, so the caller must supply it.
  let odd = size1;
  while (odd % 2 === 0) odd /= 2;
  if (odd === 1 && !root1) throw new ProofError(`the root at size ${size1} is needed to check this proof (size ${size1} is a power of two)`);
  const path = odd === 1 ? [root1 as Uint8Array, ...proof] : [...proof];
  let fn = size1 - 1;
  let sn = size2 - 1;
  while (fn % 2 === 1) {
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  const [first, ...rest] = path as [Uint8Array, ...Uint8Array[]];
  let fr = first;
  let sr = first;
  for (const c of rest) {
    if (sn === 0) throw new ProofError('the consistency proof is longer than expected');
    if (fn % 2 === 1 || fn === sn) {
      fr = nodeHash(sha256, c, fr);
      sr = nodeHash(sha256, c, sr);
      while (fn % 2 === 0 && fn !== 0) {
        fn = Math.floor(fn / 2);
        sn = Math.floor(sn / 2);
      }
    } else {
      sr = nodeHash(sha256, sr, c);
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  if (sn !== 0) throw new ProofError('the consistency proof is shorter than expected');
  if (!equalBytes(sr, root2)) throw new ProofError(`the proof leads to root ${toHex(sr)} at size ${size2}, not the checkpoint's root ${toHex(root2)}`, 'verification_failed');
  if (root1 && !equalBytes(fr, root1)) throw new ProofError(`the proof leads to root ${toHex(fr)} at size ${size1}, not the expected ${toHex(root1)}`, 'verification_failed');
  return fr;
}
