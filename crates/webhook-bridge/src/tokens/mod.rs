//! Users' bearer tokens: verified here, before anything else about an invoke request is read.
//! The verifier is chosen by the token's algorithm family and each is pinned to its own
//! algorithms and keys, so a token never picks what checks it: HS256 goes to the shared secret
//! (`x-chat-auth` front ends), every asymmetric algorithm to the OIDC issuer's JWKS.

mod claims;
mod jwks;

mod verifier;

pub use verifier::{PresentedToken, TokenError, TokenHeader, UserTokens};
