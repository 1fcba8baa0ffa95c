//! A service app's private key, and the compact JWS (RFC 7515) a client assertion is
//! signed into: RS256 or ES256 on `ring`, the crypto provider TLS already uses.

use std::fmt;
use std::fs::File;
use std::io::Read;
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

/// Why an encrypted key is refused, and what to do.
const ENCRYPTED: &str = "it is encrypted, and encrypted keys are not supported: decrypt it \
     with `openssl pkey -in key.pem -out plain.pem` (it asks for the passphrase) and keep \
     plain.pem as safe as the key";

/// Whether `pem` holds an encrypted private key: PKCS#8 (`BEGIN ENCRYPTED PRIVATE KEY`) or
/// the older form whose headers say `Proc-Type: 4,ENCRYPTED`.
fn is_encrypted(pem: &[u8]) -> bool {
    contains(pem, b"-----BEGIN ENCRYPTED PRIVATE KEY-----")
        || contains(pem, b"Proc-Type: 4,ENCRYPTED")
}

/// Whether `needle` is in `pem`.
fn contains(pem: &[u8], needle: &[u8]) -> bool {
    pem.windows(needle.len()).any(|window| window == needle)
}

impl PrivateKey {
    /// Reads a PEM private key: RSA (PKCS#1 or PKCS#8, 2048 bits or more) or EC P-256
    /// (PKCS#8).
    pub fn from_pem(pem: &[u8]) -> Result<Self, ConfigError> {
        Self::parse(pem).map_err(|why| {
            ConfigError::new(format!(
                "the service app's private key is not a PEM RSA or EC P-256 private key: {why}"
            ))
        })
    }

    /// Reads a PEM private key from a file of at most 1 MiB (a key is a few kilobytes: a
    /// larger file, or a device that never ends, is not one).
    pub fn from_pem_file(path: impl AsRef<Path>) -> Result<Self, ConfigError> {
        const MAX_BYTES: u64 = 1 << 20;
        let path = path.as_ref();
        let refused = |why: fmt::Arguments<'_>| {
            ConfigError::new(format!(
                "the service app's private key {} {why}",
                path.display()
            ))
        };
        let mut pem = Vec::new();
        File::open(path)
            .and_then(|file| file.take(MAX_BYTES + 1).read_to_end(&mut pem))
            .map_err(|error| refused(format_args!("could not be read: {error}")))?;
        if pem.len() as u64 > MAX_BYTES {
            return Err(refused(format_args!(
                "is larger than 1 MiB: not a PEM private key"
            )));
        }
        Self::parse(&pem).map_err(|why| {
            refused(format_args!(
                "is not a PEM RSA or EC P-256 private key: {why}"
            ))
        })
    }

    /// The key in `pem`, or why it is not one.
    fn parse(pem: &[u8]) -> Result<Self, String> {
        if is_encrypted(pem) {
            return Err(ENCRYPTED.to_owned());
        }
        // Two keys in one file (an RSA and an EC one, an old and a new): which one signs
        // would be a guess.
        let keys = String::from_utf8_lossy(pem)
            .lines()
            .map(str::trim)
            .filter(|line| line.starts_with("-----BEGIN ") && line.ends_with("PRIVATE KEY-----"))
            .count();
        if keys > 1 {
            return Err(format!(
                "it holds {keys} private keys; give the file of the service app's one"
            ));
        }
        let der = PrivateKeyDer::from_pem_slice(pem).map_err(|_| {
            if contains(pem, b"-----BEGIN PUBLIC KEY-----") {
                "it is a public key; the service app signs with its private key".to_owned()
            } else if contains(pem, b"-----BEGIN ") && contains(pem, b"PRIVATE KEY-----") {
                "its private key block does not read as PEM (cut short, or changed?)".to_owned()
            } else {
                "no private key".to_owned()
            }
        })?;
        let pair = match &der {
            PrivateKeyDer::Pkcs1(rsa) => {
                RsaKeyPair::from_der(rsa.secret_pkcs1_der()).map(KeyPair::Rsa)
            }
            PrivateKeyDer::Pkcs8(pkcs8) => {
                let der = pkcs8.secret_pkcs8_der();
                match RsaKeyPair::from_pkcs8(der) {
                    Ok(rsa) => Ok(KeyPair::Rsa(rsa)),
                    // An RSA key refused for itself (too small) is said to be, not tried as
                    // another kind.
                    Err(rejected) if rejected.to_string() != "WrongAlgorithm" => Err(rejected),
                    Err(_) => EcdsaKeyPair::from_pkcs8(
                        &ECDSA_P256_SHA256_FIXED_SIGNING,
                        der,
                        &SystemRandom::new(),
                    )
                    .map(KeyPair::Ec),
                }
            }
            _ => {
                return Err(
                    "an EC key must be P-256 in PKCS#8 (`BEGIN PRIVATE KEY`); convert \
                     one in `BEGIN EC PRIVATE KEY` with `openssl pkcs8 -topk8 -nocrypt -in KEY \
                     -out KEY.pkcs8.pem`"
                        .to_owned(),
                );
            }
        };
        let pair = pair.map_err(|rejected| {
            // ring names its reasons as identifiers; the common ones in words.
            match rejected.to_string().as_str() {
                "TooSmall" => "an RSA key must be 2048 bits or more".to_owned(),
                "InvalidEncoding" => "its DER encoding is not valid".to_owned(),
                "WrongAlgorithm" => "it is neither an RSA nor an EC P-256 key".to_owned(),
                other => other.to_owned(),
            }
        })?;
        Ok(Self {
            pair: Arc::new(pair),
        })
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
