//! The client's address: the TCP peer, unless the peer is a trusted proxy, in which case
//! the right-most `X-Forwarded-For` entry that is not itself a trusted proxy. Entries
//! left of that are written by the client and can be forged, so they are never used.

use crate::net::IpNet;
use axum::extract::{ConnectInfo, Request, State};
use axum::http::HeaderMap;
use axum::middleware::Next;
use axum::response::Response;
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClientIp(pub IpAddr);

pub async fn resolve(
    State(trusted): State<Arc<[IpNet]>>,
    mut request: Request,
    next: Next,
) -> Response {
    if let Some(ConnectInfo(peer)) = request.extensions().get::<ConnectInfo<SocketAddr>>() {
        let ip = client_ip(peer.ip(), request.headers(), &trusted);
        request.extensions_mut().insert(ClientIp(ip));
    }
    next.run(request).await
}

pub fn client_ip(peer: IpAddr, headers: &HeaderMap, trusted: &[IpNet]) -> IpAddr {
    let is_trusted = |ip: IpAddr| trusted.iter().any(|net| net.contains(ip));
    if !is_trusted(peer) {
        return peer;
    }
    let hops = headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(str::trim)
        .collect::<Vec<_>>();
    let mut client = peer;
    for hop in hops.iter().rev() {
        match hop.parse::<IpAddr>() {
            Ok(ip) => {
                client = ip;
                if !is_trusted(ip) {
                    break;
                }
            }
            // A garbled entry ends the chain of trust: the last good address stands.
            Err(_) => break,
        }
    }
    client
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    fn forwarded(value: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert("x-forwarded-for", value.parse().unwrap());
        headers
    }

    #[test]
    fn an_untrusted_peer_cannot_claim_another_address() {
        let trusted = ["10.0.0.0/8".parse().unwrap()];
        let got = client_ip(ip("203.0.113.9"), &forwarded("1.2.3.4"), &trusted);
        assert_eq!(got, ip("203.0.113.9"));
    }

    #[test]
    fn a_trusted_proxy_chain_yields_the_first_untrusted_hop_from_the_right() {
        let trusted = ["10.0.0.0/8".parse().unwrap()];
        // The client forged 6.6.6.6; the proxy appended the real peer 198.51.100.7, then
        // an inner proxy 10.0.0.2 forwarded to the app's peer 10.0.0.1.
        let headers = forwarded("6.6.6.6, 198.51.100.7, 10.0.0.2");
        assert_eq!(
            client_ip(ip("10.0.0.1"), &headers, &trusted),
            ip("198.51.100.7")
        );
    }

    #[test]
    fn a_trusted_peer_without_the_header_is_the_client() {
        let trusted = ["127.0.0.1".parse().unwrap()];
        assert_eq!(
            client_ip(ip("127.0.0.1"), &HeaderMap::new(), &trusted),
            ip("127.0.0.1")
        );
        let garbled = forwarded("not-an-ip");
        assert_eq!(
            client_ip(ip("127.0.0.1"), &garbled, &trusted),
            ip("127.0.0.1")
        );
    }
}
