-- Storage for scale (issue 13 item 4): proofs that read instead of re-hash, and less disk per
-- entry. Same SQL on Postgres and PGlite.

-- A full tile's inner levels: the 128 + 64 + … + 2 = 254 node hashes between its 256 hashes and
-- its root (tree levels 8·level+1 … 8·level+7), concatenated level by level, left to right.
-- A proof needs up to eight nodes of each tile it touches; with these stored, a tile read cold
-- from disk answers them with lookups instead of 255 SHA-256 hashes. Written with the tile when
-- it completes (a full tile never changes again); NULL while a tile is partial — the only
-- partial tiles are the right edge's, one per level, which every process keeps cached.
ALTER TABLE tiles ADD COLUMN inner_hashes bytea
  CHECK (inner_hashes IS NULL OR (length(inner_hashes) = 8128 AND length(hashes) = 8192));

-- Hashes do not compress: skip the compression attempt TOAST makes on every wide tile row.
ALTER TABLE tiles ALTER COLUMN hashes SET STORAGE EXTERNAL;
ALTER TABLE tiles ALTER COLUMN inner_hashes SET STORAGE EXTERNAL;

-- Backfill the full tiles of existing trees: halve each level with SHA-256(0x01 || left || right)
-- (RFC 6962 node hash) seven times, in SQL, so no process ever serves a full tile without them.
WITH RECURSIVE lv (tree_id, level, idx, k, h) AS (
  SELECT tree_id, level, idx, 0, hashes FROM tiles WHERE length(hashes) = 8192
  UNION ALL
  SELECT tree_id, level, idx, k + 1,
         (SELECT string_agg(sha256('\x01'::bytea || substring(h FROM i * 64 + 1 FOR 64)), ''::bytea ORDER BY i)
          FROM generate_series(0, length(h) / 64 - 1) AS i)
  FROM lv WHERE k < 7
)
UPDATE tiles t SET inner_hashes = agg.inner
FROM (SELECT tree_id, level, idx, string_agg(h, ''::bytea ORDER BY k) AS inner FROM lv WHERE k > 0 GROUP BY tree_id, level, idx) agg
WHERE t.tree_id = agg.tree_id AND t.level = agg.level AND t.idx = agg.idx;

-- Search-index keys: the primary key (key_hash, tree_id, idx) was a second copy of every row
-- (a B-tree entry of ~48 bytes per key beside the 64-byte heap row), and the only lookup is by
-- key_hash (rekor-store.ts searchIndex). A hash index holds a 4-byte hash code per row instead.
-- The writer never inserts a key twice for one entry (it de-duplicates an entry's keys), and
-- fsck compares each entry's stored keys with the keys its body yields.
ALTER TABLE rekor_index_keys DROP CONSTRAINT rekor_index_keys_pkey;
CREATE INDEX rekor_index_keys_key_hash ON rekor_index_keys USING hash (key_hash);
