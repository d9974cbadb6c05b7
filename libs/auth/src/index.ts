export { createTokenVerifier } from './verifier.js';
export { verifierFromSettings, type TokenSettings } from './from-config.js';
export { MIN_SECRET_BYTES } from './options.js';
export type { TokenVerifierOptions } from './options.js';
export { signToken } from './sign.js';
export type { SignClaims, SignOptions } from './sign.js';
export type { AuthFailureReason, TokenClaims, TokenVerifier, VerifyResult } from './types.js';
