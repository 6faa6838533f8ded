import { constants } from 'node:crypto';
import { createSecureContext, type SecureContext, type SecureContextOptions } from 'node:tls';
import type { CertificateMaterial } from '../identity/provider.js';

/**
 * TLS 1.2 suites: ECDHE with AES-GCM or ChaCha20-Poly1305 only (forward secrecy, AEAD). TLS 1.3
 * suites are all AEAD and stay at OpenSSL's defaults.
 */
export const TLS12_CIPHERS = [
  'ECDHE-ECDSA-AES128-GCM-SHA256',
  'ECDHE-RSA-AES128-GCM-SHA256',
  'ECDHE-ECDSA-AES256-GCM-SHA384',
  'ECDHE-RSA-AES256-GCM-SHA384',
  'ECDHE-ECDSA-CHACHA20-POLY1305',
  'ECDHE-RSA-CHACHA20-POLY1305',
].join(':');

/** Renegotiation off (OpenSSL's own flag: Node's default still allows client-initiated renegotiation). */
export const SECURE_OPTIONS = constants.SSL_OP_NO_RENEGOTIATION | constants.SSL_OP_CIPHER_SERVER_PREFERENCE;

export function contextOptions(m: CertificateMaterial): SecureContextOptions {
  return {
    cert: m.certChainPem,
    key: m.keyPem,
    ca: m.trustBundlePem,
    minVersion: 'TLSv1.2',
    ciphers: TLS12_CIPHERS,
    honorCipherOrder: true,
    secureOptions: SECURE_OPTIONS,
  };
}

/** The context for outbound connections (client side): same certificate, key, roots and suites. */
export function clientContext(m: CertificateMaterial): SecureContext {
  return createSecureContext(contextOptions(m));
}
