/**
 * A small C2SP tlog-witness for tests (https://c2sp.org/tlog-witness §add-checkpoint): per-origin
 * state in memory, the log's Ed25519 checkpoint signature and the consistency proof verified as
 * the spec orders its checks (404 unknown origin, 403 no trusted signature, 400 old > size, 409
 * with its size in text/x.tlog.size, 422 bad proof or root), and a cosignature/v1 line answered.
 * Modes let a test make it misbehave: down (503), a wrong-key or corrupted cosignature.
 */
import { generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { verifyConsistency } from '../../src/core/merkle.js';
import { EMPTY_ROOT } from '../../src/merkle/hash.js';
import { verifyCheckpoint, type Checkpoint } from '../../src/note/checkpoint.js';
import { ed25519NoteVerifier } from '../../src/note/ed25519-note.js';
import { parseSignedNote, type NoteVerifier } from '../../src/note/signed-note.js';
import { nodeSha256 } from '../../src/node-crypto.js';
import { cosignatureKeyId, cosignatureMessage, encodeTimestampedSignature, formatCosignerVkey } from '../../src/witness/cosignature.js';

export type WitnessMode = 'ok' | 'down' | 'wrong-key' | 'corrupt';

export interface WitnessRequest {
  readonly old: number;
  readonly proofLines: number;
  readonly treeSize: number | undefined;
  readonly status: number;
}

interface Cosigner {
  readonly name: string;
  readonly privateKey: KeyObject;
  readonly publicKey: Buffer;
}

function cosigner(name: string): Cosigner {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  return { name, privateKey, publicKey: Buffer.from(publicKey.export({ format: 'jwk' }).x ?? '', 'base64url') };
}

class Refusal extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly contentType = 'text/plain; charset=utf-8',
  ) {
    super(message);
  }
}

export class TestWitness {
  mode: WitnessMode = 'ok';
  /** Answer every request with this instead (statuses other witnesses use, e.g. a bare 409 or 429). */
  override: { status: number; body: string } | undefined;
  readonly requests: WitnessRequest[] = [];
  private readonly logs = new Map<string, NoteVerifier>();
  private readonly state = new Map<string, { size: number; root: Uint8Array }>();
  private readonly key: Cosigner;
  private readonly impostor: Cosigner;

  private constructor(
    private readonly server: Server,
    readonly url: string,
    name: string,
  ) {
    this.key = cosigner(name);
    // Same name, different key: its lines carry another key ID, so a client must ignore them.
    this.impostor = cosigner(name);
  }

  static async start(name = 'witness.test/w1'): Promise<TestWitness> {
    const holder: { witness?: TestWitness } = {};
    const server = createServer((req, res) => {
      void (holder.witness as TestWitness).handle(req).then(
        ({ status, body, contentType }) => {
          res.writeHead(status, { 'content-type': contentType });
          res.end(body);
        },
        (err: unknown) => {
          res.writeHead(500, { 'content-type': 'text/plain' });
          res.end(String(err));
        },
      );
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as AddressInfo).port;
    holder.witness = new TestWitness(server, `http://127.0.0.1:${port}/witness`, name);
    return holder.witness;
  }

  /** The witness's cosignature/v1 vkey, as SEALHOUSE_WITNESSES takes it. */
  get vkey(): string {
    return formatCosignerVkey(this.key.name, this.key.publicKey);
  }

  /** The SEALHOUSE_WITNESSES entry for this witness. */
  get configEntry(): string {
    return `${this.vkey} ${this.url}`;
  }

  /** Accept checkpoints of `origin` signed by the log's (0x01) vkey. */
  trustLog(origin: string, logVkey: string): void {
    this.logs.set(origin, ed25519NoteVerifier(logVkey));
  }

  /** What the witness last cosigned for `origin`. */
  latest(origin: string): { size: number; root: Uint8Array } | undefined {
    return this.state.get(origin);
  }

  /** Drop what it cosigned for `origin` (a witness operator re-registering a log whose key rotated under the same origin). */
  forget(origin: string): void {
    this.state.delete(origin);
  }

  /** Pretend to have cosigned `origin` at `size` (a witness that knew the log before). */
  setLatest(origin: string, size: number, root: Uint8Array): void {
    this.state.set(origin, { size, root });
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private async handle(req: IncomingMessage): Promise<{ status: number; body: string; contentType: string }> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const body = Buffer.concat(chunks).toString('utf8');
    let old = -1;
    let proofLines = 0;
    let treeSize: number | undefined;
    try {
      if (this.mode === 'down') throw new Refusal(503, 'witness is down');
      if (this.override) throw new Refusal(this.override.status, this.override.body);
      if (req.method !== 'POST' || req.url !== '/witness/add-checkpoint') throw new Refusal(404, 'not found');
      const parsed = this.parse(body);
      old = parsed.old;
      proofLines = parsed.proof.length;
      treeSize = parsed.cp.size;
      const line = this.addCheckpoint(parsed.old, parsed.proof, parsed.cp, parsed.text);
      this.requests.push({ old, proofLines, treeSize, status: 200 });
      return { status: 200, body: line, contentType: 'text/plain; charset=utf-8' };
    } catch (err) {
      if (!(err instanceof Refusal)) throw err;
      this.requests.push({ old, proofLines, treeSize, status: err.status });
      return { status: err.status, body: err.message, contentType: err.contentType };
    }
  }

  private parse(body: string): { old: number; proof: Buffer[]; cp: Checkpoint; text: string } {
    const split = body.indexOf('\n\n');
    if (split < 0) throw new Refusal(400, 'no blank line before the checkpoint');
    const [oldLine, ...proofLines] = body.slice(0, split).split('\n');
    const m = /^old (0|[1-9][0-9]*)$/.exec(oldLine ?? '');
    if (m === null) throw new Refusal(400, 'bad old size line');
    if (proofLines.length > 63) throw new Refusal(400, 'too many proof lines');
    const proof = proofLines.map((l) => Buffer.from(l, 'base64'));
    if (proof.some((p, i) => p.length !== 32 || p.toString('base64') !== proofLines[i])) throw new Refusal(400, 'bad proof line');
    const note = body.slice(split + 2);
    let origin: string;
    try {
      origin = parseSignedNote(note).text.split('\n')[0] as string;
    } catch {
      throw new Refusal(400, 'not a signed note');
    }
    const verifier = this.logs.get(origin);
    if (verifier === undefined) throw new Refusal(404, `unknown origin ${origin}`);
    let cp: Checkpoint;
    try {
      cp = verifyCheckpoint(note, [verifier]);
    } catch {
      throw new Refusal(403, 'no valid signature by a trusted log key');
    }
    return { old: Number(m[1]), proof, cp, text: parseSignedNote(note).text };
  }

  private addCheckpoint(old: number, proof: Buffer[], cp: Checkpoint, text: string): string {
    if (old > cp.size) throw new Refusal(400, 'old size is larger than the checkpoint');
    const latest = this.state.get(cp.origin);
    const have = latest?.size ?? 0;
    if (old !== have) throw new Refusal(409, `${have}\n`, 'text/x.tlog.size');
    if (cp.size === 0 && !cp.rootHash.equals(EMPTY_ROOT)) throw new Refusal(422, 'size 0 needs the empty root');
    if (old === 0) {
      if (proof.length !== 0) throw new Refusal(422, 'a proof from size 0 must be empty');
    } else if (old === cp.size) {
      if (proof.length !== 0 || !Buffer.from(latest?.root ?? []).equals(cp.rootHash)) throw new Refusal(422, 'same size, different root');
    } else {
      try {
        verifyConsistency(nodeSha256, old, cp.size, latest?.root, cp.rootHash, proof);
      } catch {
        throw new Refusal(422, 'the consistency proof does not verify');
      }
    }
    this.state.set(cp.origin, { size: cp.size, root: cp.rootHash });
    return this.cosign(text);
  }

  private cosign(text: string): string {
    const key = this.mode === 'wrong-key' ? this.impostor : this.key;
    const timestamp = BigInt(Math.floor(Date.now() / 1000));
    const signature = Buffer.from(sign(null, cosignatureMessage(text, timestamp), key.privateKey));
    if (this.mode === 'corrupt') signature[0] = (signature[0] as number) ^ 1;
    const keyId = cosignatureKeyId(key.name, key.publicKey);
    // A wrong-key witness still claims the configured key ID, so only the signature check can catch it.
    const hint = this.mode === 'wrong-key' ? cosignatureKeyId(this.key.name, this.key.publicKey) : keyId;
    const payload = Buffer.concat([hint, encodeTimestampedSignature(timestamp, signature)]);
    return `— ${key.name} ${payload.toString('base64')}\n`;
  }
}
