//! Limits on what a client address may do per minute (anonymous searches of
//! the public list, sign-in attempts), with governor's GCRA limiter, and the
//! client address itself: the peer, or the address a trusted reverse proxy
//! says it forwarded for.

use std::net::{IpAddr, SocketAddr};
use std::num::NonZeroU32;

use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::request::Parts;
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};

use crate::AppState;
use crate::error::ApiError;

/// Requests per minute per client address. Each limit also allows a burst of
/// its size at once.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LimitSettings {
    /// Searches of the public list by anyone but staff.
    pub public_searches_per_minute: u32,
    /// Reads of the public list (any page) by anyone but staff.
    pub public_reads_per_minute: u32,
    /// Sign-in attempts, right or wrong, from one address (the per-account
    /// backoff is the store's: see `Store::record_sign_in`).
    pub sign_ins_per_minute: u32,
}

impl Default for LimitSettings {
    fn default() -> LimitSettings {
        LimitSettings { public_searches_per_minute: 30, public_reads_per_minute: 120, sign_ins_per_minute: 20 }
    }
}

/// Addresses remembered by a limiter before idle ones are forgotten.
const MAX_TRACKED_ADDRESSES: usize = 100_000;

pub struct Limits {
    public_search: DefaultKeyedRateLimiter<IpAddr>,
    public_read: DefaultKeyedRateLimiter<IpAddr>,
    sign_in: DefaultKeyedRateLimiter<IpAddr>,
}

impl Limits {
    pub fn new(settings: &LimitSettings) -> Limits {
        let quota = |per_minute: u32| Quota::per_minute(NonZeroU32::new(per_minute.max(1)).expect("at least one"));
        Limits {
            public_search: RateLimiter::keyed(quota(settings.public_searches_per_minute)),
            public_read: RateLimiter::keyed(quota(settings.public_reads_per_minute)),
            sign_in: RateLimiter::keyed(quota(settings.sign_ins_per_minute)),
        }
    }

    /// A search of the public list from `address`, or 429 naming the field and the wait.
    pub fn public_search(&self, address: IpAddr) -> Result<(), ApiError> {
        check(&self.public_search, address, "search", "input-rate-public-search")
    }

    /// A read of the public list (paging through it is reading it).
    pub fn public_read(&self, address: IpAddr) -> Result<(), ApiError> {
        check(&self.public_read, address, "offset", "input-rate-public-read")
    }

    /// The public list's limits for one request: staff are not limited; a
    /// search counts as a search and as a read.
    pub fn public_list(&self, caller: Option<&crate::auth::Caller>, address: IpAddr, searching: bool) -> Result<(), ApiError> {
        let staff = caller.is_some_and(|caller| {
            matches!(
                caller.account.role,
                socred_auth::Role::Officer | socred_auth::Role::Reviewer | socred_auth::Role::Auditor | socred_auth::Role::Admin
            )
        });
        if staff {
            return Ok(());
        }
        self.public_read(address)?;
        if searching { self.public_search(address) } else { Ok(()) }
    }

    pub fn sign_in(&self, address: IpAddr) -> Result<(), ApiError> {
        check(&self.sign_in, address, "username", "input-rate-sign-in")
    }
}

/// The key an address is limited by: an IPv6 address by its /64 (one
/// subscriber's network hands out as many /128s as it likes), IPv4 as is.
fn limit_key(address: IpAddr) -> IpAddr {
    match address {
        IpAddr::V6(v6) if v6.to_ipv4_mapped().is_none() => {
            let segments = v6.segments();
            IpAddr::V6(std::net::Ipv6Addr::new(segments[0], segments[1], segments[2], segments[3], 0, 0, 0, 0))
        }
        IpAddr::V6(v6) => IpAddr::V4(v6.to_ipv4_mapped().expect("checked")),
        v4 => v4,
    }
}

/// `what` is the message (`inputs.ftl`) that names the requests and the wait.
fn check(limiter: &DefaultKeyedRateLimiter<IpAddr>, address: IpAddr, field: &str, what: &'static str) -> Result<(), ApiError> {
    if limiter.len() > MAX_TRACKED_ADDRESSES {
        limiter.retain_recent();
    }
    limiter.check_key(&limit_key(address)).map_err(|not_until| {
        let wait = not_until.wait_time_from(governor::clock::Clock::now(&governor::clock::DefaultClock::default()));
        let seconds = socred_i18n::Argument::Number(wait.as_secs() as i64 + 1);
        let cause = socred_i18n::reasons::Cause::message(what, vec![("seconds", seconds)]);
        ApiError::new(axum::http::StatusCode::TOO_MANY_REQUESTS, "rate_limited", cause.text(socred_i18n::Language::English), Some(field))
            .because(cause)
    })
}

/// The address a request came from. Behind a reverse proxy named in
/// `ServerConfig::trusted_proxies`, the last address that proxy appended to
/// `X-Forwarded-For`; anyone else's header is ignored.
#[derive(Debug, Clone, Copy)]
pub struct ClientAddress(pub IpAddr);

impl FromRequestParts<AppState> for ClientAddress {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let peer =
            parts.extensions.get::<ConnectInfo<SocketAddr>>().map_or(IpAddr::from([0, 0, 0, 0]), |ConnectInfo(address)| address.ip());
        Ok(ClientAddress(client_address(peer, &parts.headers, &state.trusted_proxies)))
    }
}

pub fn client_address(peer: IpAddr, headers: &axum::http::HeaderMap, trusted_proxies: &[IpAddr]) -> IpAddr {
    if !trusted_proxies.contains(&peer) {
        return peer;
    }
    headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .filter_map(|item| item.trim().parse::<IpAddr>().ok())
        .next_back()
        .unwrap_or(peer)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_trusted_proxy_names_the_client() {
        let mut headers = axum::http::HeaderMap::new();
        headers.append("x-forwarded-for", "203.0.113.9, 198.51.100.7".parse().unwrap());
        let proxy: IpAddr = "127.0.0.1".parse().unwrap();
        let stranger: IpAddr = "192.0.2.1".parse().unwrap();
        assert_eq!(client_address(stranger, &headers, &[proxy]), stranger, "a forged header from a client is ignored");
        assert_eq!(client_address(proxy, &headers, &[proxy]), "198.51.100.7".parse::<IpAddr>().unwrap(), "the proxy's own entry");
        assert_eq!(client_address(proxy, &axum::http::HeaderMap::new(), &[proxy]), proxy);
    }

    #[test]
    fn a_burst_then_refusals_per_address() {
        let limits = Limits::new(&LimitSettings { public_searches_per_minute: 3, public_reads_per_minute: 3, sign_ins_per_minute: 3 });
        let one: IpAddr = "192.0.2.1".parse().unwrap();
        let two: IpAddr = "192.0.2.2".parse().unwrap();
        for _ in 0..3 {
            limits.public_search(one).unwrap();
        }
        let refused = limits.public_search(one).unwrap_err();
        assert_eq!(refused.status, axum::http::StatusCode::TOO_MANY_REQUESTS);
        assert_eq!(refused.detail.field.as_deref(), Some("search"));
        limits.public_search(two).expect("another address has its own allowance");
        // Addresses of one IPv6 /64 share an allowance.
        let a: IpAddr = "2001:db8:1:2::1".parse().unwrap();
        let b: IpAddr = "2001:db8:1:2:ffff::9".parse().unwrap();
        for _ in 0..3 {
            limits.public_search(a).unwrap();
        }
        assert!(limits.public_search(b).is_err());
        limits.public_search("2001:db8:1:3::1".parse().unwrap()).expect("the next /64 is another network");
    }
}
