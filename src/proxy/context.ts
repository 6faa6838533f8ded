import type { IncomingHttpHeaders } from 'node:http';

/** The parsed request head filters read: the fields of `http.IncomingMessage` the proxy keeps. */
export interface RequestHead {
  readonly method: string;
  /** The request target exactly as received. */
  readonly url: string;
  /** "1.1" or "1.0". */
  readonly httpVersion: string;
  /** [name, value, ...] as received, repeated headers kept. */
  readonly rawHeaders: string[];
  /** Lower-cased names; built on first use. */
  readonly headers: IncomingHttpHeaders;
  readonly socket: { readonly remoteAddress?: string | undefined; readonly remotePort?: number | undefined };
  /** The caller's address and port when the server read them once for the connection (else from socket). */
  readonly remoteAddress?: string;
  readonly remotePort?: number;
  /** The whole body has been received. */
  readonly complete: boolean;
}

export type ListenerKind = 'inbound' | 'outbound';

/** The caller as proven by its verified X.509-SVID (inbound only; outbound callers are the local app). */
export interface PeerIdentity {
  readonly spiffeId: string;
  /** Hex SHA-256 of the DER leaf certificate (the XFCC `Hash`). */
  readonly certSha256: string;
  readonly serial: string;
}

/** Where the request goes. Inbound: the local app; outbound: the route chosen by Host. */
export interface RouteInfo {
  readonly name: string;
  readonly host: string;
  readonly endpoints: readonly string[];
  /** Outbound: the peer SPIFFE IDs accepted (any-of). Inbound: empty. */
  readonly spiffeIds: readonly string[];
}

/** What the RBAC filter decided; read by the access log and the audit record. */
export interface RbacOutcome {
  decision: 'allow' | 'deny';
  /** `file:line` of the deciding rule, or null when no rule matched (default deny). */
  rule: string | null;
  policyVersion: string;
  mode: 'enforce' | 'audit';
  /** What the shadow (candidate) policy would have decided, when one is configured. */
  shadow?: { decision: 'allow' | 'deny'; rule: string | null; policyVersion: string };
}

/** What the WAF filter found; read by the access log and the audit record. */
export interface WafOutcome {
  mode: 'block' | 'detect';
  action: 'pass' | 'block' | 'would-block';
  score: number;
  ruleIds: number[];
  messages: string[];
}

export type Outcome =
  | 'ok'
  | 'denied'            // a filter answered
  | 'not_found'         // outbound: no route for Host
  | 'bad_request'
  | 'upstream_identity' // outbound: peer SPIFFE ID not allowed
  | 'upstream_error'
  | 'upstream_timeout'
  | 'client_aborted';

/**
 * One request as it crosses the sidecar. Created by the listener, passed to every filter, logged at
 * the end. Filters write their outcome into `rbac` / `waf`, or their own data into `ext`.
 */
export class RequestContext {
  readonly requestId: string;
  readonly listener: ListenerKind;
  readonly req: RequestHead;
  readonly peer: PeerIdentity | null;
  /** This sidecar's own SPIFFE ID. */
  readonly ourIdentity: string;
  readonly method: string;
  /** The request target exactly as received. */
  readonly rawTarget: string;
  /** The normalized path (dot segments, duplicate slashes, unreserved percent-encodings resolved); what RBAC, WAF and the upstream see. */
  readonly path: string;
  /** The raw query string without `?`, or '' when none. */
  readonly query: string;
  /** The Host header (authority) as received. */
  readonly authority: string;
  readonly remoteAddress: string;
  readonly remotePort: number;
  /** process.hrtime.bigint() when the request headers were complete. */
  readonly startNs: bigint;

  route: RouteInfo | null = null;
  rbac: RbacOutcome | undefined = undefined;
  waf: WafOutcome | undefined = undefined;
  /** Per-filter data that other filters may read (e.g. mirror captures). Keyed by filter name. */
  readonly ext: Record<string, unknown> = {};

  status = 0;
  bytesIn = 0;
  bytesOut = 0;
  upstream: string | undefined = undefined;
  outcome: Outcome = 'ok';
  /** Response headers as received from upstream (before hop-by-hop removal), when there was one. */
  responseHeaders: IncomingHttpHeaders | undefined = undefined;
  /** Monotonic nanosecond marks; 0 when the stage was not reached. */
  upstreamStartNs = 0n;
  responseStartNs = 0n;
  endNs = 0n;
  /** Which filter answered, and why (for the access log; not sent to the caller unless configured). */
  deniedBy: string | undefined = undefined;
  denyDetail: string | undefined = undefined;

  constructor(init: {
    requestId: string;
    listener: ListenerKind;
    req: RequestHead;
    peer: PeerIdentity | null;
    ourIdentity: string;
    path: string;
    query: string;
    authority: string;
    startNs: bigint;
  }) {
    this.requestId = init.requestId;
    this.listener = init.listener;
    this.req = init.req;
    this.peer = init.peer;
    this.ourIdentity = init.ourIdentity;
    this.method = init.req.method;
    this.rawTarget = init.req.url;
    this.path = init.path;
    this.query = init.query;
    this.authority = init.authority;
    const req = init.req;
    this.remoteAddress = req.remoteAddress ?? req.socket.remoteAddress ?? '';
    this.remotePort = req.remotePort ?? req.socket.remotePort ?? 0;
    this.startNs = init.startNs;
  }

  /** Milliseconds from headers complete to the end of the exchange (or now). */
  durationMs(): number {
    const end = this.endNs || process.hrtime.bigint();
    return Number(end - this.startNs) / 1e6;
  }
}
