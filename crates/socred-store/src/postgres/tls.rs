//! TLS to PostgreSQL, asked for in the URL as libpq spells it:
//! `?sslmode=verify-full&sslrootcert=/etc/socred/db-ca.pem`.
//!
//! Servers on another machine are reached over a network that may be read or
//! rewritten, so an encrypted connection is only worth having when the server
//! is the one named: every TLS mode socred accepts verifies the certificate's
//! chain against the root certificates and its name against the host of the
//! URL. The modes of libpq that would accept an unverified server or fall
//! back to plain text without a word (`allow`, `prefer`, `verify-ca`) are
//! refused with the reason, so that nobody believes a connection is protected
//! when it is not.
//!
//! | URL                                   | connection                                    |
//! |---------------------------------------|-----------------------------------------------|
//! | no `sslmode`, or `sslmode=disable`    | plain (loopback, a private network, a socket) |
//! | `sslmode=require` or `verify-full`    | TLS, chain and host name verified             |
//! | `sslrootcert=FILE` (PEM)              | the roots trusted; alone it means verify-full |
//! | `sslrootcert=system` or no root named | the system's bundle (`SSL_CERT_FILE`, else Debian's) |

use std::path::{Path, PathBuf};
use std::sync::Arc;

use postgres::config::SslMode;
use rustls::pki_types::CertificateDer;
use rustls::pki_types::pem::PemObject;
use tokio_postgres_rustls::MakeRustlsConnect;

/// The longest root-certificate file read (every public CA in one bundle is ~220 KB).
const MAX_ROOT_FILE_BYTES: u64 = 4 << 20;
/// The system's bundle of root certificates when `SSL_CERT_FILE` names none (Debian's).
const SYSTEM_ROOTS: &str = "/etc/ssl/certs/ca-certificates.crt";

/// Whether a connection is encrypted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TlsMode {
    Disable,
    /// TLS with the server's chain and host name verified.
    VerifyFull,
}

/// What to connect to and how: the driver's configuration and the TLS
/// connector every connection of the store (pooled or listening) uses.
#[derive(Clone)]
pub(crate) struct Target {
    pub config: postgres::Config,
    pub connector: MakeRustlsConnect,
}

/// A URL split into what the driver reads and what socred's TLS reads.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct Split {
    /// The URL without `sslmode` and `sslrootcert`.
    pub driver_url: String,
    pub mode: TlsMode,
    pub roots: Option<String>,
}

/// Splits the TLS parameters off `url`. The error is the reason, for the `db` field.
pub(crate) fn split(url: &str) -> Result<Split, String> {
    let (base, query) = match query_start(url) {
        Some(start) => (&url[..start], &url[start + 1..]),
        None => (url, ""),
    };
    let mut kept = Vec::new();
    let (mut mode, mut roots) = (None, None);
    for pair in query.split('&').filter(|pair| !pair.is_empty()) {
        let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
        // Keys and values as the driver reads them: percent-decoded, so no
        // spelling of `sslmode` reaches it past this check.
        let key = percent_decoded(key).ok_or("a parameter's name is not valid percent-encoded UTF-8")?;
        let value = percent_decoded(value).ok_or("a parameter's value is not valid percent-encoded UTF-8")?;
        let value = value.as_str();
        match key.as_str() {
            "sslmode" => {
                if mode.is_some() {
                    return Err("sslmode is given twice".into());
                }
                mode = Some(match value {
                    "disable" => TlsMode::Disable,
                    "require" | "verify-full" => TlsMode::VerifyFull,
                    "allow" | "prefer" => {
                        return Err(format!(
                            "sslmode={value} would fall back to an unencrypted connection without a word: \
                             choose sslmode=disable or sslmode=verify-full"
                        ));
                    }
                    "verify-ca" => {
                        return Err("sslmode=verify-ca does not check that the certificate names the server: \
                                    choose sslmode=verify-full"
                            .into());
                    }
                    other => {
                        return Err(format!("sslmode={other:?} is not a mode (disable, require, verify-full)"));
                    }
                });
            }
            "sslrootcert" => {
                if roots.is_some() {
                    return Err("sslrootcert is given twice".into());
                }
                let path = value.to_string();
                if path.is_empty() {
                    return Err("sslrootcert is empty: name a PEM file of root certificates, or system".into());
                }
                roots = Some(path);
            }
            _ => kept.push(pair),
        }
    }
    let mode = match (mode, &roots) {
        (Some(TlsMode::Disable), Some(_)) => {
            return Err("sslrootcert is given with sslmode=disable: choose one".into());
        }
        (Some(mode), _) => mode,
        (None, Some(_)) => TlsMode::VerifyFull,
        (None, None) => TlsMode::Disable,
    };
    let driver_url = if kept.is_empty() { base.to_string() } else { format!("{base}?{}", kept.join("&")) };
    Ok(Split { driver_url, mode, roots })
}

/// Where the URL's parameters start, found as the driver finds them: its
/// credentials run to the first `@` (a password may hold a `?`), then the
/// host and the database end at the first `?`.
pub(crate) fn query_start(url: &str) -> Option<usize> {
    let prefix = ["postgres://", "postgresql://"].iter().find(|prefix| url.starts_with(*prefix)).map_or(0, |prefix| prefix.len());
    let rest = &url[prefix..];
    let after_credentials = rest.find('@').map_or(0, |at| at + 1);
    rest[after_credentials..].find('?').map(|question| prefix + after_credentials + question)
}

/// Parses `url` and makes the connector its TLS mode asks for (the root
/// certificates read now, so that a wrong file is named at start).
pub(crate) fn target(url: &str) -> Result<Target, String> {
    let split = split(url)?;
    let mut config: postgres::Config = split.driver_url.parse().map_err(|e: postgres::Error| e.to_string())?;
    // Nothing the driver read may have asked for a mode of its own.
    if config.get_ssl_mode() != SslMode::Prefer {
        return Err("sslmode is given in a form socred does not read: write sslmode=disable, require or verify-full".into());
    }
    let roots = match split.mode {
        TlsMode::Disable => {
            // Nothing is encrypted, whatever the server offers: the
            // connector is there for the type and never used.
            config.ssl_mode(SslMode::Disable);
            rustls::RootCertStore::empty()
        }
        TlsMode::VerifyFull => {
            config.ssl_mode(SslMode::Require);
            let system = split.roots.as_deref().is_none_or(|named| named == "system");
            read_roots(&roots_file(split.roots.as_deref()), system)?
        }
    };
    // ring, not aws-lc-rs: no CMake-sized C build. rustls deprecates it for
    // lacking post-quantum key exchange (ML-KEM), which the OpenSSL 3.0 of
    // Debian 12's PostgreSQL does not offer either.
    #[allow(deprecated)]
    let provider = rustls::crypto::ring::default_provider();
    let client = rustls::ClientConfig::builder_with_provider(Arc::new(provider))
        .with_safe_default_protocol_versions()
        .map_err(|e| format!("TLS: {e}"))?
        .with_root_certificates(roots)
        .with_no_client_auth();
    Ok(Target { config, connector: MakeRustlsConnect::new(client) })
}

fn roots_file(named: Option<&str>) -> PathBuf {
    match named {
        Some(path) if path != "system" => PathBuf::from(path),
        _ => std::env::var_os("SSL_CERT_FILE").map_or_else(|| PathBuf::from(SYSTEM_ROOTS), PathBuf::from),
    }
}

/// The roots in `file`. A file the URL names must hold nothing but root
/// certificates; the system's bundle is taken as the system keeps it (one
/// certificate rustls cannot use does not refuse every other).
fn read_roots(file: &Path, system: bool) -> Result<rustls::RootCertStore, String> {
    let named = |reason: String| format!("sslrootcert {}: {reason}", file.display());
    let length = std::fs::metadata(file).map_err(|e| named(e.to_string()))?.len();
    if length > MAX_ROOT_FILE_BYTES {
        return Err(named(format!("{length} bytes, more than a file of root certificates holds ({MAX_ROOT_FILE_BYTES})")));
    }
    let pem = std::fs::read(file).map_err(|e| named(e.to_string()))?;
    let mut roots = rustls::RootCertStore::empty();
    let certificates =
        CertificateDer::pem_slice_iter(&pem).collect::<Result<Vec<_>, _>>().map_err(|e| named(format!("not PEM certificates: {e}")))?;
    if system {
        roots.add_parsable_certificates(certificates);
    } else {
        for certificate in certificates {
            roots.add(certificate).map_err(|e| named(format!("a certificate that is not a root: {e}")))?;
        }
    }
    if roots.is_empty() {
        return Err(named("holds no certificate".into()));
    }
    Ok(roots)
}

fn percent_decoded(text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut index = 0;
    while index < bytes.len() {
        if bytes[index] == b'%' {
            let hex = std::str::from_utf8(bytes.get(index + 1..index + 3)?).ok()?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            index += 3;
        } else {
            out.push(bytes[index]);
            index += 1;
        }
    }
    String::from_utf8(out).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_modes_socred_accepts_all_verify_the_server() {
        let plain = split("postgres://u@h/db").unwrap();
        assert_eq!((plain.driver_url.as_str(), plain.mode, plain.roots), ("postgres://u@h/db", TlsMode::Disable, None));
        for mode in ["require", "verify-full"] {
            let split = split(&format!("postgres://u@h/db?connect_timeout=5&sslmode={mode}&sslrootcert=%2Fetc%2Fca.pem")).unwrap();
            assert_eq!(split.driver_url, "postgres://u@h/db?connect_timeout=5");
            assert_eq!((split.mode, split.roots.as_deref()), (TlsMode::VerifyFull, Some("/etc/ca.pem")));
        }
        assert_eq!(split("postgres://u@h/db?sslrootcert=system").unwrap().mode, TlsMode::VerifyFull, "a root named asks for TLS");
        // A password holding a `?` is no query: the parameters start after the host.
        let odd = split("postgres://u:pa?ss@db.example.org/db?sslmode=require").unwrap();
        assert_eq!((odd.driver_url.as_str(), odd.mode), ("postgres://u:pa?ss@db.example.org/db", TlsMode::VerifyFull));
        let encoded = split("postgres://u@h/db?ssl%6Dode=require&sslrootcert=/ca.pem").unwrap();
        assert_eq!((encoded.driver_url.as_str(), encoded.mode), ("postgres://u@h/db", TlsMode::VerifyFull));
    }

    #[test]
    fn modes_that_could_deceive_are_refused_with_the_reason() {
        for (url, reason) in [
            ("postgres://u@h/db?sslmode=prefer", "fall back to an unencrypted connection"),
            ("postgres://u@h/db?sslmode=allow", "fall back to an unencrypted connection"),
            ("postgres://u@h/db?sslmode=verify-ca", "does not check that the certificate names the server"),
            ("postgres://u@h/db?sslmode=on", "is not a mode"),
            ("postgres://u@h/db?sslmode=require&sslmode=disable", "given twice"),
            ("postgres://u@h/db?sslmode=disable&sslrootcert=/ca.pem", "choose one"),
            ("postgres://u@h/db?sslrootcert=", "is empty"),
            ("postgres://u@h/db?sslrootcert=%ZZ", "percent-encoded"),
            ("postgres://u@h/db?sslrootcert=%C3", "percent-encoded"),
            // Spelt as the driver would still read it: decoded first, so refused here too.
            ("postgres://u@h/db?ssl%6Dode=prefer", "fall back to an unencrypted connection"),
        ] {
            let refused = split(url).unwrap_err();
            assert!(refused.contains(reason), "{url}: {refused}");
        }
    }

    #[test]
    fn a_root_file_that_is_missing_empty_or_not_pem_is_named() {
        let dir = tempfile::tempdir().unwrap();
        let empty = dir.path().join("empty.pem");
        std::fs::write(&empty, "not a certificate\n").unwrap();
        // Past the limit, refused before it is read (a sparse file: no 4 MiB written).
        let huge = dir.path().join("huge.pem");
        std::fs::File::create(&huge).unwrap().set_len(MAX_ROOT_FILE_BYTES + 1).unwrap();
        for (file, reason) in [
            (dir.path().join("missing.pem"), "No such file"),
            (empty.clone(), "holds no certificate"),
            (huge, "more than a file of root certificates holds"),
        ] {
            let refused = target(&format!("postgres://u@h/db?sslmode=verify-full&sslrootcert={}", file.display())).err().unwrap();
            assert!(refused.starts_with(&format!("sslrootcert {}", file.display())) && refused.contains(reason), "{refused}");
        }
    }
}
