/**
 * The services a signing client uses, chosen from a sigstore signing config v0.2
 * (protobuf-specs dev.sigstore.trustroot.v1.SigningConfig, JSON form; fulcio-and-clients.md
 * §4.2): of the services valid now whose API version the client speaks, the one that started
 * most recently (the spec's rule: operators add the new URL with a later start and let the
 * old one run out), and for Rekor and the TSA as many as `rekorTlogConfig`/`tsaConfig` ask for.
 */
import { SealhouseError } from '../errors.js';

export const SIGNING_CONFIG_V02 = 'application/vnd.dev.sigstore.signingconfig.v0.2+json';

export interface Service {
  readonly url: string;
  readonly majorApiVersion: number;
}

export interface SigningServices {
  readonly ca: Service;
  readonly tlogs: readonly Service[];
  readonly tsas: readonly Service[];
}

/** What @sigstore/sign speaks: Fulcio v1, Rekor v1 and v2, RFC 3161 TSA v1. */
const MAX_VERSION = { ca: 1, tlog: 2, tsa: 1 } as const;

const bad = (message: string): never => {
  throw new SealhouseError('invalid_input', `signing config: ${message}`);
};

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function time(v: unknown, where: string): number | undefined {
  if (v === undefined || v === null) return undefined;
  const t = typeof v === 'string' ? Date.parse(v) : NaN;
  return Number.isNaN(t) ? bad(`${where} is not an RFC 3339 time: ${JSON.stringify(v)}`) : t;
}

function usable(list: unknown, field: string, maxVersion: number, now: number): (Service & { start: number })[] {
  if (list === undefined) return [];
  if (!Array.isArray(list)) return bad(`"${field}" is not a list`);
  return list
    .map((s: unknown, i) => {
      const where = `${field}[${i}]`;
      if (!isObject(s) || typeof s.url !== 'string') return bad(`${where} has no "url"`);
      const majorApiVersion = s.majorApiVersion ?? 1;
      if (typeof majorApiVersion !== 'number' || !Number.isInteger(majorApiVersion)) return bad(`${where}.majorApiVersion is not an integer`);
      const validFor = isObject(s.validFor) ? s.validFor : bad(`${where} has no "validFor"`);
      const start = time(validFor.start, `${where}.validFor.start`) ?? bad(`${where}.validFor has no "start"`);
      const end = time(validFor.end, `${where}.validFor.end`);
      return { url: s.url.replace(/\/+$/, ''), majorApiVersion, start, end };
    })
    .filter((s) => s.majorApiVersion <= maxVersion && s.start <= now && (s.end === undefined || now <= s.end))
    .sort((a, b) => b.start - a.start)
    .map(({ url, majorApiVersion, start }) => ({ url, majorApiVersion, start }));
}

/** ANY: one; ALL: every one; EXACT: `count` of them (protobuf-specs ServiceConfiguration). */
function select(services: (Service & { start: number })[], config: unknown, field: string): Service[] {
  if (services.length === 0) return [];
  if (config === undefined) return [];
  const c = isObject(config) ? config : bad(`"${field}" is not an object`);
  const picked = c.selector === 'ANY' ? services.slice(0, 1) : c.selector === 'ALL' ? services : c.selector === 'EXACT' ? services.slice(0, typeof c.count === 'number' ? c.count : 0) : bad(`${field}.selector ${JSON.stringify(c.selector)} is not ANY, ALL or EXACT`);
  if (c.selector === 'EXACT' && picked.length !== c.count) bad(`${field} asks for exactly ${String(c.count)} services, ${services.length} are valid now`);
  return picked.map(({ url, majorApiVersion }) => ({ url, majorApiVersion }));
}

export function signingServices(doc: unknown, now = new Date()): SigningServices {
  if (!isObject(doc)) return bad('not a JSON object');
  if (doc.mediaType !== SIGNING_CONFIG_V02) return bad(`media type ${JSON.stringify(doc.mediaType)} is not ${SIGNING_CONFIG_V02}`);
  const t = now.getTime();
  const [ca] = usable(doc.caUrls, 'caUrls', MAX_VERSION.ca, t);
  if (!ca) return bad(`no Fulcio (caUrls) service with majorApiVersion <= ${MAX_VERSION.ca} is valid at ${now.toISOString()}`);
  const tlogs = select(usable(doc.rekorTlogUrls, 'rekorTlogUrls', MAX_VERSION.tlog, t), doc.rekorTlogConfig, 'rekorTlogConfig');
  if (tlogs.length === 0) return bad(`no Rekor (rekorTlogUrls with rekorTlogConfig) service with majorApiVersion <= ${MAX_VERSION.tlog} is valid at ${now.toISOString()}`);
  const tsas = select(usable(doc.tsaUrls, 'tsaUrls', MAX_VERSION.tsa, t), doc.tsaConfig, 'tsaConfig');
  return { ca: { url: ca.url, majorApiVersion: ca.majorApiVersion }, tlogs, tsas };
}
