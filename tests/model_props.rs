//! Property tests: whatever the builders accept serialises to a body that `Deserialize`
//! accepts unchanged, and no input makes the model panic.

use infisical_oci_auth::{AttachOciAuth, UpdateOciAuth};
use proptest::prelude::*;

fn username() -> impl Strategy<Value = String> {
    "[a-zA-Z0-9._@-]{1,12}"
}

fn usernames() -> impl Strategy<Value = String> {
    prop::collection::vec((username(), "[ ]{0,2}", "[ ]{0,2}"), 0..12).prop_map(|v| {
        v.into_iter()
            .map(|(n, a, b)| format!("{a}{n}{b}"))
            .collect::<Vec<_>>()
            .join(",")
    })
}

fn ip() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<std::net::Ipv4Addr>().prop_map(|a| a.to_string()),
        any::<std::net::Ipv6Addr>().prop_map(|a| a.to_string()),
        (any::<std::net::Ipv4Addr>(), 0u8..=32).prop_map(|(a, p)| format!("{a}/{p}")),
        (any::<std::net::Ipv6Addr>(), 0u8..=128).prop_map(|(a, p)| format!("{a}/{p}")),
    ]
}

fn ttl() -> impl Strategy<Value = u64> {
    prop_oneof![Just(0u64), 0u64..=315_360_000, 315_360_000u64..=u64::MAX]
}

proptest! {
    #[test]
    fn accepted_updates_round_trip(
        tenancy in "[ ]{0,2}ocid1\\.tenancy\\.oc1\\.[a-z0-9.]{1,40}[ ]{0,2}",
        names in prop::option::of(usernames()),
        ips in prop::option::of(prop::collection::vec(ip(), 0..4)),
        ttl in prop::option::of(ttl()),
        max in prop::option::of(ttl()),
        uses in prop::option::of(any::<u64>()),
    ) {
        let mut b = UpdateOciAuth::builder().tenancy_ocid(tenancy);
        b = match names { Some(n) => b.allowed_usernames(n), None => b.allow_any_username() };
        if let Some(ips) = ips { b = b.access_token_trusted_ips(ips); }
        if let Some(t) = ttl { b = b.access_token_ttl(t); }
        if let Some(m) = max { b = b.access_token_max_ttl(m); }
        if let Some(u) = uses { b = b.access_token_num_uses_limit(u); }
        if let Ok(update) = b.build() {
            let wire = serde_json::to_string(&update).unwrap();
            let back: UpdateOciAuth = serde_json::from_str(&wire).unwrap();
            prop_assert_eq!(&back, &update);
            prop_assert_eq!(serde_json::to_string(&back).unwrap(), wire);
        }
    }

    #[test]
    fn accepted_attaches_round_trip(
        names in prop::option::of(usernames()),
        ips in prop::option::of(prop::collection::vec(ip(), 0..4)),
        ttl in prop::option::of(ttl()),
        max in prop::option::of(ttl()),
    ) {
        let mut b = AttachOciAuth::builder("ocid1.tenancy.oc1..aaaa");
        if let Some(n) = names { b = b.allowed_usernames(n); }
        if let Some(ips) = ips { b = b.access_token_trusted_ips(ips); }
        if let Some(t) = ttl { b = b.access_token_ttl(t); }
        if let Some(m) = max { b = b.access_token_max_ttl(m); }
        if let Ok(attach) = b.build() {
            let back: AttachOciAuth = serde_json::from_str(&serde_json::to_string(&attach).unwrap()).unwrap();
            prop_assert_eq!(back, attach);
        }
    }

    #[test]
    fn any_string_is_handled_without_panic(s in any::<String>()) {
        let _ = infisical_oci_auth::model::TenancyOcid::new(&s);
        let _ = infisical_oci_auth::model::AllowedUsernames::new(&s);
        let _ = infisical_oci_auth::model::TrustedIp::new(&s);
        let _ = infisical_oci_auth::IdentityId::new(&s);
    }

    #[test]
    fn valid_usernames_always_normalise(names in prop::collection::vec(username(), 1..8)) {
        let joined = names.join(" , ");
        match infisical_oci_auth::model::AllowedUsernames::new(&joined) {
            Ok(list) => {
                prop_assert_eq!(list.as_str(), names.join(", "));
                prop_assert!(list.as_str().len() <= 255);
            }
            Err(e) => prop_assert!(names.join(", ").len() > 255 || joined.len() > 500, "{}", e),
        }
    }
}
