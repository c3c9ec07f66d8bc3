use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use ipnet::{IpNet, Ipv4Net, Ipv6Net};

use super::validation::{Rule, ValidationError, js_trim, shown, string_newtype_impls};

/// An IP address or CIDR range that access tokens may be used from.
///
/// Invariant: trimmed, and either an IPv4/IPv6 address (`203.0.113.7`, `2001:db8::1`) or a
/// CIDR range (`10.0.0.0/8`, `2001:db8::/32`) with a prefix within the family's width.
/// Parsing is strict ([`std::net`] and [`ipnet`]): no leading zeros, no zone ids.
/// Wire form: `{"ipAddress": "<text>"}` in request bodies; [`Display`](fmt::Display) writes the
/// text. The server answers single addresses without a prefix and ranges with one.
///
/// Any value other than [`TrustedIp::ANY_V4`] and [`TrustedIp::ANY_V6`] needs a paid
/// Infisical plan; the server answers 400 on a free one.
///
/// ```
/// use infisical_oci_auth::model::TrustedIp;
///
/// assert_eq!(TrustedIp::new(" 10.0.0.0/8 ").unwrap().to_string(), "10.0.0.0/8");
/// assert!(TrustedIp::new("10.0.0.0/33").is_err());
/// assert!(TrustedIp::new("not-an-ip").is_err());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct TrustedIp(Repr);

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Repr {
    Addr(IpAddr),
    Net(IpNet),
}

const FIELD: &str = "ipAddress";

impl TrustedIp {
    /// Every IPv4 address, `0.0.0.0/0` (a default of attach, allowed on every plan).
    pub const ANY_V4: Self = Self(Repr::Net(IpNet::V4(
        match Ipv4Net::new(Ipv4Addr::UNSPECIFIED, 0) {
            Ok(net) => net,
            Err(_) => unreachable!(),
        },
    )));
    /// Every IPv6 address, `::/0` (a default of attach, allowed on every plan).
    pub const ANY_V6: Self = Self(Repr::Net(IpNet::V6(
        match Ipv6Net::new(Ipv6Addr::UNSPECIFIED, 0) {
            Ok(net) => net,
            Err(_) => unreachable!(),
        },
    )));

    /// Parses an address or CIDR range.
    ///
    /// # Errors
    /// A [`ValidationError`] for `ipAddress` when the trimmed text is neither.
    pub fn new(value: &str) -> Result<Self, ValidationError> {
        let value = js_trim(value);
        let parsed = if value.contains('/') {
            value.parse::<IpNet>().ok().map(Repr::Net)
        } else {
            value.parse::<IpAddr>().ok().map(Repr::Addr)
        };
        parsed.map(Self).ok_or_else(|| {
            ValidationError::new(
                FIELD,
                format!(
                    "{} is not an IPv4 or IPv6 address or CIDR range (e.g. 203.0.113.7, \
                     10.0.0.0/8, 2001:db8::/32)",
                    shown(value)
                ),
            )
        })
    }

    /// The range this value covers; a single address is a full-length prefix.
    pub fn net(&self) -> IpNet {
        match self.0 {
            Repr::Addr(addr) => IpNet::from(addr),
            Repr::Net(net) => net,
        }
    }

    /// Whether this is one of the two "anywhere" ranges that every plan allows.
    pub fn is_allowed_on_free_plan(&self) -> bool {
        is_free_plan_range(&self.to_string())
    }

    /// The family, as the server names it in answers: `ipv4` or `ipv6`.
    pub fn family(&self) -> &'static str {
        match self.net() {
            IpNet::V4(_) => "ipv4",
            IpNet::V6(_) => "ipv6",
        }
    }

    /// The prefix length, as the server reports it: `None` for a single address.
    pub fn prefix(&self) -> Option<u8> {
        match self.0 {
            Repr::Addr(_) => None,
            Repr::Net(net) => Some(net.prefix_len()),
        }
    }

    /// The address part, as the server reports it in `ipAddress`.
    pub fn addr(&self) -> IpAddr {
        match self.0 {
            Repr::Addr(addr) => addr,
            Repr::Net(net) => net.addr(),
        }
    }
}

impl From<IpAddr> for TrustedIp {
    fn from(addr: IpAddr) -> Self {
        Self(Repr::Addr(addr))
    }
}

impl From<IpNet> for TrustedIp {
    fn from(net: IpNet) -> Self {
        Self(Repr::Net(net))
    }
}

impl fmt::Display for TrustedIp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.0 {
            Repr::Addr(addr) => addr.fmt(f),
            Repr::Net(net) => net.fmt(f),
        }
    }
}

string_newtype_impls!(TrustedIp);

/// The ranges every plan allows, as the server compares them: the trimmed `ipAddress` text
/// itself, before it is parsed (`::0/0` is the same range as `::/0` but needs a paid plan).
pub(crate) const FREE_PLAN_RANGES: [&str; 2] = ["0.0.0.0/0", "::/0"];

/// The server's plan check on one trimmed `ipAddress` text.
pub fn is_free_plan_range(ip_address: &str) -> bool {
    FREE_PLAN_RANGES.contains(&ip_address)
}

/// Attach's default `accessTokenTrustedIps`: anywhere, over IPv4 and IPv6.
pub const DEFAULT_TRUSTED_IPS: [TrustedIp; 2] = [TrustedIp::ANY_V4, TrustedIp::ANY_V6];

/// The fewest entries `accessTokenTrustedIps` may hold when given (zod `.min(1)`).
pub const MIN_TRUSTED_IPS: usize = 1;

/// Validates a request's `accessTokenTrustedIps`: at least one entry, each valid.
pub(crate) fn parse_trusted_ips<I, S>(values: I) -> Result<Vec<TrustedIp>, ValidationError>
where
    I: IntoIterator<Item = S>,
    S: AsRef<str>,
{
    let ips = values
        .into_iter()
        .enumerate()
        .map(|(i, v)| {
            TrustedIp::new(v.as_ref()).map_err(|e| e.within(&format!("accessTokenTrustedIps[{i}]")))
        })
        .collect::<Result<Vec<_>, _>>()?;
    check_trusted_ips_not_empty(&ips)?;
    Ok(ips)
}

pub(crate) fn check_trusted_ips_not_empty(ips: &[TrustedIp]) -> Result<(), ValidationError> {
    if ips.len() < MIN_TRUSTED_IPS {
        return Err(ValidationError::new(
            "accessTokenTrustedIps",
            "must hold at least one address or range; use 0.0.0.0/0 and ::/0 for anywhere",
        )
        .with_kind(Rule::TooFewItems));
    }
    Ok(())
}

/// The request wire form of a list of trusted IPs: `[{"ipAddress": "…"}, …]`.
pub(crate) mod wire_list {
    use serde::ser::SerializeSeq;
    use serde::{Deserialize, Serialize, Serializer};

    use super::TrustedIp;

    #[derive(Serialize)]
    struct Entry<'a> {
        #[serde(rename = "ipAddress")]
        ip_address: &'a TrustedIp,
    }

    /// One entry as sent; `ipAddress` is validated by the caller so that the error can
    /// name the entry's index.
    #[derive(Deserialize)]
    #[serde(deny_unknown_fields)]
    pub(crate) struct RawEntry {
        #[serde(rename = "ipAddress")]
        pub(crate) ip_address: String,
    }

    pub(crate) fn serialize<S: Serializer>(ips: &[TrustedIp], s: S) -> Result<S::Ok, S::Error> {
        let mut seq = s.serialize_seq(Some(ips.len()))?;
        for ip in ips {
            seq.serialize_element(&Entry { ip_address: ip })?;
        }
        seq.end()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_addresses_and_ranges() {
        let a = TrustedIp::new("203.0.113.7").unwrap();
        assert_eq!((a.family(), a.prefix()), ("ipv4", None));
        let n = TrustedIp::new("2001:db8::/32").unwrap();
        assert_eq!((n.family(), n.prefix()), ("ipv6", Some(32)));
        assert_eq!(TrustedIp::new("0.0.0.0/0").unwrap(), TrustedIp::ANY_V4);
        assert_eq!(TrustedIp::new("::/0").unwrap(), TrustedIp::ANY_V6);
        assert!(TrustedIp::ANY_V6.is_allowed_on_free_plan());
        assert!(!n.is_allowed_on_free_plan());
        // Host bits may be set, as the server allows.
        assert_eq!(
            TrustedIp::new("10.1.2.3/8").unwrap().to_string(),
            "10.1.2.3/8"
        );
    }

    #[test]
    fn rejects_garbage() {
        for bad in [
            "",
            "not-an-ip",
            "10.0.0.0/33",
            "::/129",
            "1.2.3.4/",
            "/8",
            "01.2.3.4",
            "1.2.3",
        ] {
            let e = TrustedIp::new(bad).unwrap_err();
            assert_eq!(e.field(), "ipAddress", "{bad}");
        }
    }

    #[test]
    fn list_errors_name_the_entry() {
        let e = parse_trusted_ips(["::/0", "nope"]).unwrap_err();
        assert_eq!(e.field(), "accessTokenTrustedIps[1].ipAddress");
        let e = parse_trusted_ips(Vec::<&str>::new()).unwrap_err();
        assert_eq!(e.field(), "accessTokenTrustedIps");
    }
}
