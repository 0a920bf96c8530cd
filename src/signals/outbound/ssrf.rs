//! The SSRF guard's rules (pure): which addresses an outbound request may reach, and which URLs
//! it may be sent to. Internal addresses (loopback, private networks, link-local, cloud metadata
//! services, …) are refused unless an operator allow-lists them
//! (`FLEETDECK_OUTBOUND_ALLOW_CIDRS`), so an alert channel cannot be pointed at the cluster's
//! own services or the node's credentials.

use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use ipnet::IpNet;
use reqwest::Url;

use crate::error::ApiError;

/// Why an address is refused; `Public` is the one class that is allowed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AddressClass {
    Public,
    Loopback,
    Unspecified,
    /// 0.0.0.0/8: "this network".
    ThisNetwork,
    /// RFC 1918: 10/8, 172.16/12, 192.168/16.
    Private,
    /// 100.64/10: carrier-grade NAT, also used inside clusters and clouds.
    SharedAddressSpace,
    LinkLocal,
    /// 169.254.169.254, fd00:ec2::254, 100.100.100.200: the cloud's instance metadata services.
    CloudMetadata,
    /// fc00::/7.
    UniqueLocal,
    Multicast,
    Broadcast,
    /// 240/4 and the IETF's other special-purpose ranges no public service uses.
    Reserved,
}

impl AddressClass {
    /// What the class is, for people (named in `destination_not_allowed` messages).
    pub fn describe(self) -> &'static str {
        match self {
            AddressClass::Public => "a public address",
            AddressClass::Loopback => "a loopback address",
            AddressClass::Unspecified => "the unspecified address",
            AddressClass::ThisNetwork => "a \"this network\" address (0.0.0.0/8)",
            AddressClass::Private => "a private address (RFC 1918)",
            AddressClass::SharedAddressSpace => "a shared (carrier-grade NAT) address (100.64.0.0/10)",
            AddressClass::LinkLocal => "a link-local address",
            AddressClass::CloudMetadata => "a cloud metadata service address",
            AddressClass::UniqueLocal => "a unique-local address (fc00::/7)",
            AddressClass::Multicast => "a multicast address",
            AddressClass::Broadcast => "the broadcast address",
            AddressClass::Reserved => "a reserved address",
        }
    }
}

/// The class of an IPv4 address.
fn classify_v4(ip: Ipv4Addr) -> AddressClass {
    let [a, b, c, _] = ip.octets();
    // Metadata first: its addresses are also link-local or shared, and the message should say which.
    if ip == Ipv4Addr::new(169, 254, 169, 254) || ip == Ipv4Addr::new(100, 100, 100, 200) {
        AddressClass::CloudMetadata
    } else if ip.is_unspecified() {
        AddressClass::Unspecified
    } else if a == 0 {
        AddressClass::ThisNetwork
    } else if ip.is_loopback() {
        AddressClass::Loopback
    } else if ip.is_private() {
        AddressClass::Private
    } else if a == 100 && (64..128).contains(&b) {
        AddressClass::SharedAddressSpace
    } else if ip.is_link_local() {
        AddressClass::LinkLocal
    } else if ip.is_multicast() {
        AddressClass::Multicast
    } else if ip.is_broadcast() {
        AddressClass::Broadcast
    } else if a >= 240
        // 192.0.0.0/24 (IETF protocol assignments), 198.18.0.0/15 (benchmarking)
        || (a == 192 && b == 0 && c == 0)
        || (a == 198 && (b == 18 || b == 19))
    {
        AddressClass::Reserved
    } else {
        AddressClass::Public
    }
}

/// The IPv4 address an IPv6 address carries, for the forms that reach it: mapped
/// (::ffff:a.b.c.d), compatible (::a.b.c.d), NAT64 (64:ff9b::/96) and 6to4 (2002::/16).
pub fn embedded_v4(ip: Ipv6Addr) -> Option<Ipv4Addr> {
    let s = ip.segments();
    let tail = Ipv4Addr::new((s[6] >> 8) as u8, s[6] as u8, (s[7] >> 8) as u8, s[7] as u8);
    match s {
        [0, 0, 0, 0, 0, 0xffff, _, _] => Some(tail),
        // ::/96 but not :: and ::1, which are IPv6's own unspecified and loopback.
        [0, 0, 0, 0, 0, 0, _, _] if !ip.is_unspecified() && !ip.is_loopback() => Some(tail),
        [0x64, 0xff9b, 0, 0, 0, 0, _, _] => Some(tail),
        [0x2002, hi, lo, ..] => Some(Ipv4Addr::new((hi >> 8) as u8, hi as u8, (lo >> 8) as u8, lo as u8)),
        _ => None,
    }
}

/// The class of an IPv6 address; one carrying an IPv4 address has that address's class.
fn classify_v6(ip: Ipv6Addr) -> AddressClass {
    if let Some(v4) = embedded_v4(ip) {
        return classify_v4(v4);
    }
    let first = ip.segments()[0];
    if ip == Ipv6Addr::new(0xfd00, 0xec2, 0, 0, 0, 0, 0, 0x254) {
        AddressClass::CloudMetadata
    } else if ip.is_unspecified() {
        AddressClass::Unspecified
    } else if ip.is_loopback() {
        AddressClass::Loopback
    } else if first & 0xffc0 == 0xfe80 {
        AddressClass::LinkLocal
    } else if first & 0xfe00 == 0xfc00 {
        AddressClass::UniqueLocal
    } else if ip.is_multicast() {
        AddressClass::Multicast
    } else {
        AddressClass::Public
    }
}

pub fn classify(ip: IpAddr) -> AddressClass {
    match ip {
        IpAddr::V4(v4) => classify_v4(v4),
        IpAddr::V6(v6) => classify_v6(v6),
    }
}

/// CIDRs an operator allows despite their class (e.g. an in-cluster Alertmanager's Service range).
#[derive(Debug, Clone, Default)]
pub struct AllowList(Vec<IpNet>);

impl AllowList {
    pub fn new(nets: Vec<IpNet>) -> AllowList {
        AllowList(nets)
    }

    /// A comma separated list of CIDRs or single addresses (`FLEETDECK_OUTBOUND_ALLOW_CIDRS`).
    pub fn parse(list: &str) -> Result<AllowList, String> {
        let nets = list.split(',').map(str::trim).filter(|s| !s.is_empty()).map(|s| {
            let net = s.parse::<IpNet>().or_else(|_| s.parse::<IpAddr>().map(IpNet::from));
            net.map_err(|_| format!("{s:?} is not a CIDR or IP address"))
        });
        nets.collect::<Result<_, _>>().map(AllowList)
    }

    /// Whether a net holds `ip`, or the IPv4 address it carries (an allowed 10.0.0.0/8 allows
    /// ::ffff:10.0.0.1 too).
    fn contains(&self, ip: IpAddr) -> bool {
        let carried = match ip {
            IpAddr::V6(v6) => embedded_v4(v6).map(IpAddr::V4),
            IpAddr::V4(_) => None,
        };
        self.0
            .iter()
            .any(|net| net.contains(&ip) || carried.is_some_and(|v4| net.contains(&v4)))
    }
}

/// Why an outbound request was refused before it was sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// The URL itself: not http(s), no host, credentials in it, unparsable.
    UrlNotAllowed(String),
    /// The host is or resolves to an address of a refused class.
    DestinationNotAllowed {
        host: String,
        ip: IpAddr,
        class: AddressClass,
    },
}

impl Refusal {
    /// The stable code: `url_not_allowed` or `destination_not_allowed`.
    pub fn code(&self) -> &'static str {
        match self {
            Refusal::UrlNotAllowed(_) => "url_not_allowed",
            Refusal::DestinationNotAllowed { .. } => "destination_not_allowed",
        }
    }
}

impl fmt::Display for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Refusal::UrlNotAllowed(why) => write!(f, "the URL is not allowed: {why}"),
            Refusal::DestinationNotAllowed { host, ip, class } if host == &ip.to_string() => write!(
                f,
                "{ip} is {}; outbound requests may not go there unless FLEETDECK_OUTBOUND_ALLOW_CIDRS allows it",
                class.describe()
            ),
            Refusal::DestinationNotAllowed { host, ip, class } => write!(
                f,
                "{host} resolves to {ip}, {}; outbound requests may not go there unless \
                 FLEETDECK_OUTBOUND_ALLOW_CIDRS allows it",
                class.describe()
            ),
        }
    }
}

impl std::error::Error for Refusal {}

/// 400 with the refusal's code, for routes that take a channel's URL.
impl From<Refusal> for ApiError {
    fn from(r: Refusal) -> ApiError {
        ApiError::bad_request(r.code(), r.to_string())
    }
}

/// Whether `host`'s address `ip` may be reached.
pub fn check_ip(allow: &AllowList, host: &str, ip: IpAddr) -> Result<(), Refusal> {
    match classify(ip) {
        AddressClass::Public => Ok(()),
        _ if allow.contains(ip) => Ok(()),
        class => Err(Refusal::DestinationNotAllowed {
            host: host.to_string(),
            ip,
            class,
        }),
    }
}

/// What a checked URL leaves to check: a name, whose addresses are checked when it is resolved
/// (right before the connection), or nothing (an allowed IP literal).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UrlHost {
    Name(String),
    Address(IpAddr),
}

/// A URL an outbound request may be sent to: http or https, a host, no user or password; an IP
/// literal host is checked at once. The URL itself is never in the refusal (it may hold a token).
pub fn check_url(allow: &AllowList, url: &str) -> Result<(Url, UrlHost), Refusal> {
    let parsed = Url::parse(url.trim()).map_err(|e| Refusal::UrlNotAllowed(format!("it is not a URL ({e})")))?;
    if !matches!(parsed.scheme(), "http" | "https") {
        return Err(Refusal::UrlNotAllowed(format!(
            "the scheme is {:?}; only http and https are allowed",
            parsed.scheme()
        )));
    }
    if !parsed.username().is_empty() || parsed.password().is_some() {
        return Err(Refusal::UrlNotAllowed(
            "it holds a user or password; credentials go in the channel's settings".to_string(),
        ));
    }
    let host = match parsed.host() {
        Some(url::Host::Domain(name)) if !name.is_empty() => UrlHost::Name(name.to_string()),
        Some(url::Host::Ipv4(ip)) => UrlHost::Address(IpAddr::V4(ip)),
        Some(url::Host::Ipv6(ip)) => UrlHost::Address(IpAddr::V6(ip)),
        _ => return Err(Refusal::UrlNotAllowed("it has no host".to_string())),
    };
    if let UrlHost::Address(ip) = host {
        check_ip(allow, &ip.to_string(), ip)?;
    }
    Ok((parsed, host))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn class(s: &str) -> AddressClass {
        classify(s.parse().unwrap())
    }

    #[test]
    fn every_refused_class_and_public_addresses() {
        let cases = [
            ("127.0.0.1", AddressClass::Loopback),
            ("127.255.0.9", AddressClass::Loopback),
            ("::1", AddressClass::Loopback),
            ("0.0.0.0", AddressClass::Unspecified),
            ("::", AddressClass::Unspecified),
            ("0.1.2.3", AddressClass::ThisNetwork),
            ("10.0.0.1", AddressClass::Private),
            ("172.16.0.1", AddressClass::Private),
            ("172.31.255.255", AddressClass::Private),
            ("192.168.1.1", AddressClass::Private),
            ("100.64.0.1", AddressClass::SharedAddressSpace),
            ("100.127.255.255", AddressClass::SharedAddressSpace),
            ("169.254.1.1", AddressClass::LinkLocal),
            ("fe80::1", AddressClass::LinkLocal),
            ("febf::1", AddressClass::LinkLocal),
            ("169.254.169.254", AddressClass::CloudMetadata),
            ("100.100.100.200", AddressClass::CloudMetadata),
            ("fd00:ec2::254", AddressClass::CloudMetadata),
            ("fc00::1", AddressClass::UniqueLocal),
            ("fd12:3456::1", AddressClass::UniqueLocal),
            ("224.0.0.1", AddressClass::Multicast),
            ("239.255.255.250", AddressClass::Multicast),
            ("ff02::1", AddressClass::Multicast),
            ("255.255.255.255", AddressClass::Broadcast),
            ("240.0.0.1", AddressClass::Reserved),
            ("198.18.0.1", AddressClass::Reserved),
            ("93.184.216.34", AddressClass::Public),
            ("8.8.8.8", AddressClass::Public),
            ("172.32.0.1", AddressClass::Public),
            ("100.128.0.1", AddressClass::Public),
            ("2606:4700::1111", AddressClass::Public),
        ];
        for (ip, expected) in cases {
            assert_eq!(class(ip), expected, "{ip}");
        }
    }

    #[test]
    fn ipv6_forms_carrying_ipv4_take_its_class() {
        assert_eq!(class("::ffff:127.0.0.1"), AddressClass::Loopback);
        assert_eq!(class("::ffff:10.1.2.3"), AddressClass::Private);
        assert_eq!(class("::ffff:169.254.169.254"), AddressClass::CloudMetadata);
        assert_eq!(class("::10.0.0.1"), AddressClass::Private);
        assert_eq!(class("::127.0.0.1"), AddressClass::Loopback);
        assert_eq!(class("64:ff9b::a00:1"), AddressClass::Private);
        assert_eq!(class("2002:a9fe:a9fe::1"), AddressClass::CloudMetadata);
        assert_eq!(class("::ffff:8.8.8.8"), AddressClass::Public);
    }

    #[test]
    fn the_allow_list_overrides_a_class() {
        let none = AllowList::default();
        let refused = check_ip(&none, "10.0.0.7", "10.0.0.7".parse().unwrap()).unwrap_err();
        assert_eq!(refused.code(), "destination_not_allowed");
        assert!(
            refused.to_string().contains("a private address (RFC 1918)"),
            "{refused}"
        );
        assert!(check_ip(&none, "h", "8.8.8.8".parse().unwrap()).is_ok());

        let allow = AllowList::parse(" 10.0.0.0/24, ::1 ,").unwrap();
        assert!(AllowList::parse("10.0.0.0/8,nope").unwrap_err().contains("\"nope\""));
        assert!(AllowList::parse("").unwrap().0.is_empty());
        assert!(check_ip(&allow, "h", "10.0.0.7".parse().unwrap()).is_ok());
        assert!(check_ip(&allow, "h", "::ffff:10.0.0.7".parse().unwrap()).is_ok());
        assert!(check_ip(&allow, "h", "::1".parse().unwrap()).is_ok());
        assert!(check_ip(&allow, "h", "10.0.1.7".parse().unwrap()).is_err());
        assert!(check_ip(&allow, "h", "127.0.0.1".parse().unwrap()).is_err());
    }

    #[test]
    fn urls() {
        let none = AllowList::default();
        let code = |url: &str| check_url(&none, url).err().map(|r| r.code());
        assert_eq!(code("https://hooks.example.com/x"), None);
        assert_eq!(code("http://alertmanager.example.com:9093"), None);
        assert_eq!(code("ftp://example.com/"), Some("url_not_allowed"));
        assert_eq!(code("file:///etc/passwd"), Some("url_not_allowed"));
        assert_eq!(code("https://user:pw@example.com/"), Some("url_not_allowed"));
        assert_eq!(code("https://user@example.com/"), Some("url_not_allowed"));
        assert_eq!(code("not a url"), Some("url_not_allowed"));
        assert_eq!(code("http://127.0.0.1:9093/"), Some("destination_not_allowed"));
        assert_eq!(code("http://[::1]/"), Some("destination_not_allowed"));
        assert_eq!(code("http://[::ffff:7f00:1]/"), Some("destination_not_allowed"));
        assert_eq!(
            code("http://169.254.169.254/latest/meta-data/"),
            Some("destination_not_allowed")
        );
        // Other spellings of an address are still that address.
        assert_eq!(code("http://0x7f.1/"), Some("destination_not_allowed"));
        assert_eq!(code("http://2130706433/"), Some("destination_not_allowed"));
        assert_eq!(
            check_url(&none, "https://api.example.com/bot1:secret/x").unwrap().1,
            UrlHost::Name("api.example.com".into())
        );
        // The URL (which may hold a token) is not in the message.
        let refused = check_url(&none, "http://10.0.0.1/bot123:token/sendMessage").unwrap_err();
        assert!(!refused.to_string().contains("token"), "{refused}");
        assert!(
            refused.to_string().contains("10.0.0.1 is a private address"),
            "{refused}"
        );
    }
}
