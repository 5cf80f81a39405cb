/** The shared Merkle vectors: reference roots, classic + derived proofs, transparency-dev probes. */
import { nodeSha256 } from '../../src/node-crypto.js';
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { leafHash } from '../../src/merkle/hash.js';
import { proveConsistency, proveInclusion, rootAt } from '../../src/merkle/prove.js';
import { ProofError, verifyConsistency, verifyInclusion } from '../../src/core/merkle.js';
import { SealhouseError } from '../../src/errors.js';
import { MemoryTiles } from '../helpers/memory-tiles.js';
import { b64, hex, listJson, readVectorJson } from '../helpers/vectors.js';

interface ReferenceTree {
  leaf_inputs_hex: string[];
  leaf_hashes_hex: string[];
  root_hash_by_tree_size_hex: Record<string, string>;
}
interface InclusionVector { leafIndex: number; treeSize: number; proof_hex: string[]; leafHash_hex?: string; root_hex?: string }
interface ConsistencyVector { size1: number; size2: number; proof_hex: string[]; root1_hex?: string; root2_hex?: string }

const tree = readVectorJson<ReferenceTree>('merkle/rfc6962_reference_tree.json');
const leaves = tree.leaf_inputs_hex.map(hex);

function rootsBySize(): Map<number, string> {
  const roots = new Map<number, string>();
  for (const [size, root] of Object.entries(tree.root_hash_by_tree_size_hex)) roots.set(Number(size), root);
  return roots;
}

function treeOfSize(size: number): MemoryTiles {
  const tiles = new MemoryTiles();
  tiles.appendData(leaves.slice(0, size));
  return tiles;
}

describe('RFC 6962 reference tree', () => {
  it('hashes the eight reference leaves', () => {
    leaves.forEach((leaf, i) => assert.equal(leafHash(leaf).toString('hex'), tree.leaf_hashes_hex[i]));
  });

  it('reproduces the root of every size 0..8, incrementally and from tiles', async () => {
    const roots = rootsBySize();
    assert.equal(roots.size, 9);
    for (const [size, root] of roots) {
      const tiles = new MemoryTiles();
      // append one leaf at a time to exercise partial-tile growth
      let last = tiles.appendData([]);
      for (const leaf of leaves.slice(0, size)) last = tiles.appendData([leaf]);
      assert.equal(last.rootHash.toString('hex'), root, `incremental root of size ${size}`);
      assert.equal((await rootAt(size, treeOfSize(8))).toString('hex'), root, `root at ${size} read from a larger tree`);
    }
  });
});

for (const file of ['merkle/rfc6962_classic_proof_vectors.json', 'merkle/derived_full_proof_tables.json']) {
  const vectors = readVectorJson<{ inclusion: InclusionVector[]; consistency: ConsistencyVector[] }>(file);
  describe(file, () => {
    const full = treeOfSize(8);
    it('builds every inclusion proof byte for byte and verifies it', async () => {
      let checked = 0;
      for (const v of vectors.inclusion) {
        if (v.leafIndex < 0 || v.treeSize === 0) {
          await assert.rejects(proveInclusion(v.leafIndex, v.treeSize, full), SealhouseError);
          continue;
        }
        const proof = await proveInclusion(v.leafIndex, v.treeSize, full);
        assert.deepEqual(proof.map((h) => h.toString('hex')), v.proof_hex, `index ${v.leafIndex} size ${v.treeSize}`);
        const root = await rootAt(v.treeSize, full);
        if (v.root_hex) assert.equal(root.toString('hex'), v.root_hex);
        verifyInclusion(nodeSha256, v.leafIndex, v.treeSize, leafHash(leaves[v.leafIndex] as Buffer), proof, root);
        checked++;
      }
      assert.ok(checked >= 5);
    });

    it('builds every consistency proof byte for byte and verifies it', async () => {
      for (const v of vectors.consistency) {
        if (v.size1 === 0) {
          await assert.rejects(proveConsistency(v.size1, v.size2, full), SealhouseError);
          continue;
        }
        const proof = await proveConsistency(v.size1, v.size2, full);
        assert.deepEqual(proof.map((h) => h.toString('hex')), v.proof_hex, `sizes ${v.size1} → ${v.size2}`);
        const [root1, root2] = [await rootAt(v.size1, full), await rootAt(v.size2, full)];
        if (v.root1_hex) assert.equal(root1.toString('hex'), v.root1_hex);
        if (v.root2_hex) assert.equal(root2.toString('hex'), v.root2_hex);
        verifyConsistency(nodeSha256, v.size1, v.size2, root1, root2, proof);
      }
    });
  });
}

interface InclusionProbe { leafIdx: number; treeSize: number; root: string; leafHash: string; proof: string[] | null; desc: string; wantErr: boolean }
interface ConsistencyProbe { size1: number; size2: number; root1: string; root2: string; proof: string[] | null; desc: string; wantErr: boolean }

describe('transparency-dev/merkle probes', () => {
  const inclusion = listJson('merkle/transparency-dev-probes/inclusion');
  const consistency = listJson('merkle/transparency-dev-probes/consistency');

  it('has all 98 + 98 probe files', () => {
    assert.equal(inclusion.length, 98);
    assert.equal(consistency.length, 98);
  });

  it('inclusion: every probe passes or fails exactly as wantErr says, with a typed error', () => {
    for (const file of inclusion) {
      const p = readVectorJson<InclusionProbe>(file);
      const run = (): void => verifyInclusion(nodeSha256, p.leafIdx, p.treeSize, b64(p.leafHash), (p.proof ?? []).map(b64), b64(p.root));
      if (p.wantErr) assert.throws(run, ProofError, `${file}: ${p.desc} must fail`);
      else assert.doesNotThrow(run, `${file}: ${p.desc} must verify`);
    }
  });

  it('consistency: every probe passes or fails exactly as wantErr says, with a typed error', () => {
    for (const file of consistency) {
      const p = readVectorJson<ConsistencyProbe>(file);
      const run = (): unknown => verifyConsistency(nodeSha256, p.size1, p.size2, b64(p.root1), b64(p.root2), (p.proof ?? []).map(b64));
      if (p.wantErr) assert.throws(run, ProofError, `${file}: ${p.desc} must fail`);
      else assert.doesNotThrow(run, `${file}: ${p.desc} must verify`);
    }
  });
});
