/**
 * The audit record, format version 1. This is a contract: `meshguard audit verify`, the NATS stream's
 * consumers and compliance tooling read it. Extend it (new optional fields), never rename.
 */
export const RECORD_VERSION = 1;

export interface CapturedBody {
  encoding: 'utf8' | 'base64';
  data: string;
  /** Bytes the body had in total (as seen by the proxy). */
  bytes: number;
  /** Bytes captured (≤ maxBodyBytes). */
  captured: number;
  /** True when the body was longer than maxBodyBytes and `data` holds only its first bytes. */
  truncated: boolean;
  /** Set when redaction could not parse a JSON body and replaced it whole. */
  redacted?: 'unparseable';
}

export interface CapturedMessage {
  headers?: Record<string, string | string[]>;
  body?: CapturedBody;
}

export interface AuditRecord {
  v: number;
  /** Unique per record (also the NATS `Nats-Msg-Id`). */
  id: string;
  /** Wall-clock time the request headers were complete (ISO 8601, UTC). */
  time: string;
  requestId: string;
  listener: 'inbound' | 'outbound';
  /** Index of the mirror rule that selected this exchange. */
  rule: number;
  caller: { spiffeId: string; certSha256: string } | null;
  identity: string;
  method: string;
  authority: string;
  path: string;
  query: string;
  status: number;
  outcome: string;
  bytesIn: number;
  bytesOut: number;
  timings: { totalMs: number; upstreamMs: number | null; firstByteMs: number | null };
  route: string | null;
  upstream: string | null;
  rbac: {
    decision: string;
    rule: string | null;
    policyVersion: string;
    mode: string;
    shadow: { decision: string; rule: string | null; policyVersion: string } | null;
  } | null;
  waf: { mode: string; action: string; score: number; ruleIds: number[] } | null;
  deniedBy: string | null;
  request: CapturedMessage;
  response: CapturedMessage;
  /** Set by each chaining sink: position in that sink's chain, the previous record's hash, this record's hash. */
  seq?: number;
  prevHash?: string;
  hash?: string;
}
