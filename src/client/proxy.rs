//! Which proxy a request goes through, for errors that name it: the environment's rule as
//! reqwest reads it (`HTTPS_PROXY` for `https://`, `HTTP_PROXY` for `http://`, `ALL_PROXY`
//! for both, upper or lower case; `NO_PROXY` exempts hosts, domains and networks).

/// The proxy the environment gives requests to `target`, credentials left out.
pub(super) fn from_env(target: &reqwest::Url) -> Option<String> {
    from_vars(target, |name| std::env::var(name).ok())
}

/// [`from_env`] over any source of variables.
fn from_vars(target: &reqwest::Url, var: impl Fn(&str) -> Option<String>) -> Option<String> {
    let var = |name: &str| {
        var(name)
            .or_else(|| var(&name.to_ascii_lowercase()))
            .filter(|v| !v.trim().is_empty())
    };
    let host = target.host_str()?;
    if var("NO_PROXY").is_some_and(|list| exempts(&list, host)) {
        return None;
    }
    let scheme_var = if target.scheme() == "https" {
        "HTTPS_PROXY"
    } else {
        "HTTP_PROXY"
    };
    var(scheme_var)
        .or_else(|| var("ALL_PROXY"))
        .map(|url| shown(&url))
}

/// Whether `NO_PROXY` (`list`) exempts `host`: `*`, the host itself, a domain it is in
/// (`example.com` or `.example.com`), or a network it is in (`10.0.0.0/8`).
fn exempts(list: &str, host: &str) -> bool {
    let host = host.trim_start_matches('[').trim_end_matches(']');
    let ip = host.parse::<std::net::IpAddr>().ok();
    list.split(',')
        .map(str::trim)
        .filter(|e| !e.is_empty())
        .any(|entry| {
            if entry == "*" {
                return true;
            }
            if let Some(ip) = ip {
                if let Ok(net) = entry.parse::<ipnet::IpNet>() {
                    return net.contains(&ip);
                }
                return entry.parse::<std::net::IpAddr>().is_ok_and(|e| e == ip);
            }
            let domain = entry.trim_start_matches('.');
            host.eq_ignore_ascii_case(domain)
                || host
                    .to_ascii_lowercase()
                    .ends_with(&format!(".{}", domain.to_ascii_lowercase()))
        })
}

/// A proxy URL as errors show it: without user and password.
pub(super) fn shown(url: &str) -> String {
    let with_scheme = if url.contains("://") {
        url.to_owned()
    } else {
        format!("http://{url}")
    };
    match reqwest::Url::parse(&with_scheme) {
        Ok(mut parsed) => {
            let _ = parsed.set_username("");
            let _ = parsed.set_password(None);
            parsed.as_str().trim_end_matches('/').to_owned()
        }
        Err(_) => "(an unreadable proxy URL)".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn url(s: &str) -> reqwest::Url {
        reqwest::Url::parse(s).unwrap()
    }

    #[test]
    fn the_environments_proxy_is_named_without_credentials() {
        let vars = |pairs: &'static [(&'static str, &'static str)]| {
            move |name: &str| {
                pairs
                    .iter()
                    .find(|(n, _)| *n == name)
                    .map(|(_, v)| (*v).to_owned())
            }
        };
        let https = url("https://infisical.example.com");
        let env = vars(&[("HTTPS_PROXY", "http://u:p@proxy:3128")]);
        assert_eq!(from_vars(&https, env).as_deref(), Some("http://proxy:3128"));
        let env = vars(&[("https_proxy", "proxy:3128")]);
        assert_eq!(from_vars(&https, env).as_deref(), Some("http://proxy:3128"));
        let env = vars(&[("HTTP_PROXY", "http://proxy:3128")]);
        assert_eq!(
            from_vars(&https, env),
            None,
            "HTTP_PROXY is for http:// only"
        );
        let env = vars(&[("ALL_PROXY", "http://proxy:3128")]);
        assert_eq!(from_vars(&https, env).as_deref(), Some("http://proxy:3128"));
        for no_proxy in ["*", "example.com", ".example.com", "infisical.example.com"] {
            let pairs: &'static [(&str, &str)] = Box::leak(Box::new([
                ("HTTPS_PROXY", "http://proxy:3128"),
                ("NO_PROXY", no_proxy),
            ]));
            assert_eq!(from_vars(&https, vars(pairs)), None, "{no_proxy}");
        }
        let local = url("https://10.1.2.3:8443");
        let env = vars(&[
            ("HTTPS_PROXY", "http://proxy:3128"),
            ("NO_PROXY", "10.0.0.0/8"),
        ]);
        assert_eq!(from_vars(&local, env), None);
        let env = vars(&[
            ("HTTPS_PROXY", "http://proxy:3128"),
            ("NO_PROXY", "ample.com"),
        ]);
        assert!(from_vars(&https, env).is_some(), "a suffix is not a domain");
    }
}
