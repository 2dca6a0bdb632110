//! Which address a request comes from, when ajar runs behind a reverse proxy.
//!
//! The socket's peer is the client unless the operator named it as a trusted proxy
//! (`ajar serve --trusted-proxy IP`). Then the client is the rightmost `X-Forwarded-For`
//! entry that is not itself a trusted proxy: entries to its left were written by whoever
//! sent the request and prove nothing. Without trusted proxies the header is ignored, so a
//! client cannot pick its own address to dodge rate limits or leave kudos again.

use axum::http::HeaderMap;
use std::net::{IpAddr, Ipv6Addr, SocketAddr};

/// The client's address for a request from `peer` with these headers.
pub(crate) fn client_address(peer: IpAddr, headers: &HeaderMap, trusted: &[IpAddr]) -> IpAddr {
    let mut client = peer;
    if trusted.is_empty() {
        return client;
    }
    // Right to left: the last header line first, and each line's last entry first.
    let hops = headers
        .get_all("x-forwarded-for")
        .iter()
        .rev()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.rsplit(','));
    for hop in hops {
        if !trusted.contains(&client) {
            break;
        }
        match parse_hop(hop) {
            Some(ip) => client = ip,
            // A hop that names no address (`unknown`, garbage): the proxy that wrote it is
            // the last address known.
            None => break,
        }
    }
    client
}

/// The network a client address stands for in rate limits and guest kudos: an IPv4 address
/// itself, an IPv6 address its /64, which one household or phone usually gets whole (and can
/// pick any address in).
pub(crate) fn client_network(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V4(_) => ip,
        IpAddr::V6(v6) => IpAddr::V6(Ipv6Addr::from(u128::from(v6) & !u128::from(u64::MAX))),
    }
}

/// An `X-Forwarded-For` entry: an address, perhaps with a port (`1.2.3.4:5`, `[::1]:5`).
fn parse_hop(hop: &str) -> Option<IpAddr> {
    let hop = hop.trim();
    hop.parse::<IpAddr>()
        .ok()
        .or_else(|| hop.parse::<SocketAddr>().ok().map(|s| s.ip()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    fn xff(values: &[&'static str]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for v in values {
            h.append("x-forwarded-for", HeaderValue::from_static(v));
        }
        h
    }

    #[test]
    fn forwarded_for_is_ignored_unless_the_peer_is_trusted() {
        let h = xff(&["198.51.100.7"]);
        assert_eq!(client_address(ip("10.0.0.1"), &h, &[]), ip("10.0.0.1"));
        assert_eq!(
            client_address(ip("10.0.0.1"), &h, &[ip("10.0.0.2")]),
            ip("10.0.0.1")
        );
        assert_eq!(
            client_address(ip("10.0.0.1"), &h, &[ip("10.0.0.1")]),
            ip("198.51.100.7")
        );
    }

    #[test]
    fn an_ipv6_client_counts_as_its_64() {
        assert_eq!(
            client_network(ip("2001:db8:1:2:aaaa:bbbb:cccc:dddd")),
            ip("2001:db8:1:2::")
        );
        assert_eq!(client_network(ip("198.51.100.7")), ip("198.51.100.7"));
    }

    #[test]
    fn the_rightmost_untrusted_hop_is_the_client() {
        let trusted = [ip("10.0.0.1"), ip("10.0.0.2")];
        // The client wrote 1.1.1.1 itself; the proxies added 198.51.100.7 and 10.0.0.2.
        let h = xff(&["1.1.1.1, 198.51.100.7", "10.0.0.2"]);
        assert_eq!(
            client_address(ip("10.0.0.1"), &h, &trusted),
            ip("198.51.100.7")
        );
        let h = xff(&["garbage, 10.0.0.2"]);
        assert_eq!(client_address(ip("10.0.0.1"), &h, &trusted), ip("10.0.0.2"));
        let h = xff(&["[2001:db8::1]:443"]);
        assert_eq!(
            client_address(ip("10.0.0.1"), &h, &trusted),
            ip("2001:db8::1")
        );
    }
}
