/**
 * The EntryType seam (DESIGN.md §2): one implementation per Rekor v1 kind/apiVersion turns a
 * client's proposed `spec` into the canonical stored body, its RFC 6962 leaf hash and the search
 * index keys. Wire shapes: rekor-api.md §1.6 (pipeline), §1.10 (index keys), §2 (entry types).
 * https://github.com/sigstore/rekor/blob/main/openapi.yaml
 */

export interface CanonicalEntry {
  kind: string;
  apiVersion: string;
  /** RFC 8785 JCS bytes of {apiVersion, kind, spec}: exactly the Merkle leaf data. */
  body: Buffer;
  /** SHA-256(0x00 ‖ body); hex of it is the entry UUID. */
  leafHash: Buffer;
  /** Lower-cased, de-duplicated search keys in Rekor's order (rekor-api.md §1.10). */
  indexKeys: string[];
}

export interface EntryOptions {
  /**
   * hashedrekord signing-algorithm allow-list, as Rekor `--client-signing-algorithms` flag names
   * (e.g. `ecdsa-sha2-256-nistp256`). Default: Rekor's default list (DEFAULT_ALLOWED_ALGORITHMS).
   */
  allowedAlgorithms?: readonly string[];
  /**
   * `search` canonicalizes a proposed entry for POST /api/v1/log/entries/retrieve (rekor-api.md
   * §1.9): like Rekor, it skips the "insertable" checks (e.g. an intoto entry without payload
   * only needs its hashes) and the algorithm allow-list. Default `insert`.
   */
  purpose?: 'insert' | 'search';
}

export interface EntryType {
  kind: string;
  apiVersions: readonly string[];
  canonicalize(apiVersion: string, spec: unknown, opts: EntryOptions): Promise<CanonicalEntry>;
}
