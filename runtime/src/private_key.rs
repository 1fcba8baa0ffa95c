//! A service app's private key, and the compact JWS (RFC 7515) a client assertion is
//! signed into: RS256 or ES256 on `ring`, the crypto provider TLS already uses.

use std::fmt;
use std::path::Path;
use std::sync::Arc;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use ring::rand::SystemRandom;
use ring::signature::{
    EcdsaKeyPair, RsaKeyPair, ECDSA_P256_SHA256_FIXED_SIGNING, RSA_PKCS1_SHA256,
};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::PrivateKeyDer;
use serde::Serialize;

use super::error::ConfigError;

/// A service app's private key (PEM, RSA or EC P-256), used to sign client assertions with
/// RS256 or ES256. Its `Debug` shows only the algorithm.
#[derive(Clone)]
pub struct PrivateKey {
    pair: Arc<KeyPair>,
}

enum KeyPair {
    Rsa(RsaKeyPair),
    Ec(EcdsaKeyPair),
}

/// The protected header of a client assertion.
#[derive(Serialize)]
struct JwsHeader<'a> {
    alg: &'static str,
    typ: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    kid: Option<&'a str>,
}

impl PrivateKey {
    /// Reads a PEM private key: RSA (PKCS#1 or PKCS#8, 2048 bits or more) or EC P-256
    /// (PKCS#8).
    pub fn from_pem(pem: &[u8]) -> Result<Self, ConfigError> {
        let refused = |why: &str| {
            ConfigError::new(format!(
                "the service app's private key is not a PEM RSA or EC P-256 private key: {why}"
            ))
        };
        let der = PrivateKeyDer::from_pem_slice(pem).map_err(|_| refused("no private key"))?;
        let pair = match &der {
            PrivateKeyDer::Pkcs1(rsa) => {
                RsaKeyPair::from_der(rsa.secret_pkcs1_der()).map(KeyPair::Rsa)
            }
            PrivateKeyDer::Pkcs8(pkcs8) => {
                let der = pkcs8.secret_pkcs8_der();
                RsaKeyPair::from_pkcs8(der).map(KeyPair::Rsa).or_else(|_| {
                    EcdsaKeyPair::from_pkcs8(
                        &ECDSA_P256_SHA256_FIXED_SIGNING,
                        der,
                        &SystemRandom::new(),
                    )
                    .map(KeyPair::Ec)
                })
            }
            _ => return Err(refused("an EC key must be PKCS#8 (`BEGIN PRIVATE KEY`)")),
        };
        let pair = pair.map_err(|rejected| refused(&rejected.to_string()))?;
        Ok(Self {
            pair: Arc::new(pair),
        })
    }

    /// Reads a PEM private key from a file.
    pub fn from_pem_file(path: impl AsRef<Path>) -> Result<Self, ConfigError> {
        let path = path.as_ref();
        let pem = std::fs::read(path).map_err(|error| {
            ConfigError::new(format!(
                "the service app's private key {} could not be read: {error}",
                path.display()
            ))
        })?;
        Self::from_pem(&pem)
    }

    /// `RS256` or `ES256`.
    pub fn algorithm(&self) -> &'static str {
        match *self.pair {
            KeyPair::Rsa(_) => "RS256",
            KeyPair::Ec(_) => "ES256",
        }
    }

    /// `claims` as a compact JWS signed with this key, its header naming `key_id` as `kid`.
    pub(crate) fn sign_jwt(
        &self,
        key_id: Option<&str>,
        claims: &impl Serialize,
    ) -> std::result::Result<String, String> {
        let header = JwsHeader {
            alg: self.algorithm(),
            typ: "JWT",
            kid: key_id,
        };
        let mut jws = json_segment(&header)?;
        jws.push('.');
        jws.push_str(&json_segment(claims)?);
        let signature = self
            .signature(jws.as_bytes())
            .map_err(|_| "the signature failed".to_owned())?;
        jws.push('.');
        URL_SAFE_NO_PAD.encode_string(signature, &mut jws);
        Ok(jws)
    }

    fn signature(&self, message: &[u8]) -> std::result::Result<Vec<u8>, ring::error::Unspecified> {
        let random = SystemRandom::new();
        match &*self.pair {
            KeyPair::Rsa(pair) => {
                let mut signature = vec![0; pair.public().modulus_len()];
                pair.sign(&RSA_PKCS1_SHA256, &random, message, &mut signature)?;
                Ok(signature)
            }
            KeyPair::Ec(pair) => Ok(pair.sign(&random, message)?.as_ref().to_vec()),
        }
    }
}

/// `value` as JSON in base64url without padding: a JWS header or payload.
fn json_segment(value: &impl Serialize) -> std::result::Result<String, String> {
    let json = serde_json::to_vec(value)
        .map_err(|error| format!("its JSON could not be written: {error}"))?;
    Ok(URL_SAFE_NO_PAD.encode(json))
}

impl fmt::Debug for PrivateKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PrivateKey({}, <redacted>)", self.algorithm())
    }
}
