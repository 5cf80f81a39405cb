/**
 * Verifying RFC 6962 proofs, following RFC 9162 §2.1.3.2 (inclusion) and §2.1.4.2 (consistency),
 * with the stricter rules of transparency-dev/merkle: a consistency proof from size 0 is an
 * error, equal sizes need an empty proof and equal roots, every hash is exactly 32 bytes, and a
 * proof must have exactly the expected length.
 * https://www.rfc-editor.org/rfc/rfc9162#section-2.1.3.2
 */
import { SealhouseError } from '../errors.js';
import { HASH_SIZE, nodeHash } from './hash.js';
import { consistencyRanges, inclusionRanges } from './ranges.js';

function checkHashes(what: string, hashes: readonly Uint8Array[]): void {
  hashes.forEach((h, i) => {
    if (h.length !== HASH_SIZE) {
      throw new SealhouseError('malformed_proof', `${what}[${i}] is ${h.length} bytes, expected ${HASH_SIZE}`);
    }
  });
}

function checkSize(what: string, n: number): void {
  if (!Number.isSafeInteger(n) || n < 0) throw new SealhouseError('malformed_proof', `${what} must be a non-negative integer`);
}

/** The root implied by an inclusion proof; throws if the proof is malformed for (index, treeSize). */
export function rootFromInclusionProof(index: number, treeSize: number, leaf: Uint8Array, proof: readonly Uint8Array[]): Buffer {
  checkSize('leaf index', index);
  checkSize('tree size', treeSize);
  if (index >= treeSize) throw new SealhouseError('malformed_proof', `leaf index ${index} is not below tree size ${treeSize}`);
  checkHashes('leaf hash', [leaf]);
  checkHashes('proof', proof);
  const expected = inclusionRanges(index, treeSize).length;
  if (proof.length !== expected) {
    throw new SealhouseError('malformed_proof', `inclusion proof has ${proof.length} hashes, expected ${expected} for index ${index} in size ${treeSize}`);
  }
  let fn = index;
  let sn = treeSize - 1;
  let r: Buffer = Buffer.from(leaf);
  for (const p of proof) {
    if (fn % 2 === 1 || fn === sn) {
      r = nodeHash(p, r);
      while (fn % 2 === 0 && fn !== 0) {
        fn /= 2;
        sn = Math.floor(sn / 2);
      }
    } else {
      r = nodeHash(r, p);
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  return r;
}

export function verifyInclusion(index: number, treeSize: number, leaf: Uint8Array, proof: readonly Uint8Array[], root: Uint8Array): void {
  checkHashes('root', [root]);
  const computed = rootFromInclusionProof(index, treeSize, leaf, proof);
  if (!computed.equals(root)) {
    throw new SealhouseError('verification_failed', `inclusion proof for index ${index} does not lead to the root of tree size ${treeSize}`);
  }
}

export function verifyConsistency(
  size1: number,
  size2: number,
  root1: Uint8Array,
  root2: Uint8Array,
  proof: readonly Uint8Array[],
): void {
  checkSize('first size', size1);
  checkSize('second size', size2);
  if (size1 > size2) throw new SealhouseError('malformed_proof', `first size ${size1} is greater than second size ${size2}`);
  if (size1 === 0) throw new SealhouseError('malformed_proof', 'a consistency proof from the empty tree is meaningless');
  if (size1 === size2) {
    // Equal sizes: nothing to prove beyond identical roots (compared byte for byte, as upstream).
    if (proof.length !== 0) throw new SealhouseError('malformed_proof', 'sizes are equal but the proof is not empty');
    if (!Buffer.from(root1).equals(root2)) throw new SealhouseError('verification_failed', 'sizes are equal but the roots differ');
    return;
  }
  checkHashes('first root', [root1]);
  checkHashes('second root', [root2]);
  checkHashes('proof', proof);
  const expected = consistencyRanges(size1, size2).length;
  if (proof.length !== expected) {
    throw new SealhouseError('malformed_proof', `consistency proof has ${proof.length} hashes, expected ${expected} for sizes ${size1} → ${size2}`);
  }
  // RFC 9162 §2.1.4.2: when size1 is a power of two the first root is the starting node.
  const path = isPowerOfTwo(size1) ? [root1, ...proof] : [...proof];
  let fn = size1 - 1;
  let sn = size2 - 1;
  while (fn % 2 === 1) {
    fn = (fn - 1) / 2;
    sn = Math.floor(sn / 2);
  }
  let fr: Buffer = Buffer.from(path[0] as Uint8Array);
  let sr: Buffer = fr;
  for (const c of path.slice(1)) {
    if (sn === 0) throw new SealhouseError('malformed_proof', 'consistency proof is too long');
    if (fn % 2 === 1 || fn === sn) {
      fr = nodeHash(c, fr);
      sr = nodeHash(c, sr);
      while (fn % 2 === 0 && fn !== 0) {
        fn /= 2;
        sn = Math.floor(sn / 2);
      }
    } else {
      sr = nodeHash(sr, c);
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  if (sn !== 0) throw new SealhouseError('malformed_proof', 'consistency proof is too short');
  if (!fr.equals(root1)) throw new SealhouseError('verification_failed', `consistency proof does not lead to the root of size ${size1}`);
  if (!sr.equals(root2)) throw new SealhouseError('verification_failed', `consistency proof does not lead to the root of size ${size2}`);
}

function isPowerOfTwo(n: number): boolean {
  let k = 1;
  while (k < n) k *= 2;
  return k === n;
}
