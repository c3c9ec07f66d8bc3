//! `cargo xtask bench` (or `cargo bench --bench throughput`): the typed client against the
//! generated method alone, a hand-written reqwest call and raw hyper, on one loopback server,
//! in one process.
//!
//! Each round sends N PATCH requests with each client in turn, at concurrency 1 and 16; the
//! rounds go through every order of the clients, so that drift in the machine's speed hits
//! all alike. Throughputs are medians over rounds; ratios are medians of the ratios within a
//! round. Also: validating and serializing one update, and signing one OCI request with an
//! RSA-2048 key. `BENCH_REQUESTS` (per round, 400) and `BENCH_ROUNDS` (96) change the run;
//! `BENCH_ONLY=typed|generated|reqwest|hyper` (with `BENCH_CONCURRENCY`) sends with one client
//! only, for profilers.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::{Request, Response};
use infisical_oci_auth::{Client, IdentityId, RetryPolicy, UpdateOciAuth};
use serde::Deserialize;

const TOKEN: &str = "bench-token-0123456789abcdef";
const IDENTITY: &str = "6511e966-169d-4653-a191-c559fe230086";
/// The body a real server answered to a full PATCH (transcript 04).
const ANSWER: &str = r#"{"identityOciAuth":{"id":"05ecb3db-8fef-46a6-b010-a95ce0a94b01","accessTokenTTL":1800,"accessTokenMaxTTL":3600,"accessTokenNumUsesLimit":5,"accessTokenTrustedIps":[{"type":"ipv4","prefix":0,"ipAddress":"0.0.0.0"},{"type":"ipv6","prefix":0,"ipAddress":"::"}],"createdAt":"2026-11-27T00:52:28.855Z","updatedAt":"2026-11-27T00:52:33.045Z","identityId":"6511e966-169d-4653-a191-c559fe230086","type":"iam","tenancyOcid":"ocid1.tenancy.oc1..bbbb","allowedUsernames":"alice, bob, carol","accessTokenPeriod":0}}"#;

fn env_usize(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// A loopback HTTP/1.1 server answering every request with `ANSWER`.
async fn serve() -> SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        loop {
            let Ok((stream, _)) = listener.accept().await else {
                continue;
            };
            let _ = stream.set_nodelay(true);
            tokio::spawn(async move {
                let service = hyper::service::service_fn(|request: Request<Incoming>| async move {
                    let _ = request.into_body().collect().await;
                    Ok::<_, Infallible>(
                        Response::builder()
                            .header("content-type", "application/json; charset=utf-8")
                            .body(Full::new(Bytes::from_static(ANSWER.as_bytes())))
                            .unwrap(),
                    )
                });
                let _ = hyper::server::conn::http1::Builder::new()
                    .serve_connection(hyper_util::rt::TokioIo::new(stream), service)
                    .await;
            });
        }
    });
    addr
}

fn update() -> UpdateOciAuth {
    UpdateOciAuth::builder()
        .tenancy_ocid("ocid1.tenancy.oc1..bbbb")
        .allowed_usernames("alice, bob ,carol")
        .access_token_ttl(1800)
        .access_token_max_ttl(3600)
        .access_token_num_uses_limit(5)
        .access_token_trusted_ips(["0.0.0.0/0", "::/0"])
        .build()
        .unwrap()
}

/// What a hand-written client decodes the answer into: the same value the typed client
/// returns, so that the comparison measures the client, not the decoding.
#[derive(Deserialize)]
struct HandWritten {
    #[serde(rename = "identityOciAuth")]
    #[allow(dead_code)]
    identity_oci_auth: infisical_oci_auth::IdentityOciAuth,
}

#[derive(Clone)]
struct Clients {
    typed: Client,
    reqwest: reqwest::Client,
    hyper: hyper_util::client::legacy::Client<
        hyper_util::client::legacy::connect::HttpConnector,
        Full<Bytes>,
    >,
    /// `http://127.0.0.1:<port>`; the hand-written calls add the path per request, as a
    /// client serving more than one identity must.
    base: String,
    identity: IdentityId,
    update: Arc<UpdateOciAuth>,
}

#[derive(Clone, Copy, Debug, PartialEq)]
enum Which {
    /// `Client::update_oci_auth`.
    Typed,
    /// The generated method alone (`Client::raw`): progenitor's code and the hooks, without
    /// the retry loop and error mapping around it. Shows what the generated layer costs.
    Generated,
    /// A hand-written reqwest call.
    Reqwest,
    /// Raw hyper.
    Hyper,
}

const CLIENTS: [Which; 4] = [Which::Typed, Which::Generated, Which::Reqwest, Which::Hyper];

/// Every order of the clients (indexes into `CLIENTS`).
fn orders() -> Vec<[usize; 4]> {
    let mut all = Vec::new();
    for a in 0..4 {
        for b in 0..4 {
            for c in 0..4 {
                let d = 6 - a - b - c;
                if a != b && a != c && b != c && d < 4 && d != a && d != b && d != c {
                    all.push([a, b, c, d]);
                }
            }
        }
    }
    all
}

async fn one(c: &Clients, which: Which) {
    match which {
        Which::Typed => {
            c.typed
                .update_oci_auth(&c.identity, &c.update)
                .await
                .unwrap();
        }
        Which::Generated => {
            c.typed
                .raw()
                .update_oci_auth(c.identity.as_uuid(), &c.update)
                .await
                .unwrap();
        }
        Which::Reqwest => {
            let response = c
                .reqwest
                .patch(format!(
                    "{}/api/v1/auth/oci-auth/identities/{}",
                    c.base, c.identity
                ))
                .bearer_auth(TOKEN)
                .header("accept", "application/json")
                .json(&*c.update)
                .send()
                .await
                .unwrap();
            assert!(response.status().is_success());
            let answer: HandWritten = response.json().await.unwrap();
            std::hint::black_box(answer);
        }
        Which::Hyper => {
            let body = serde_json::to_vec(&*c.update).unwrap();
            let url = format!("{}/api/v1/auth/oci-auth/identities/{}", c.base, c.identity);
            let request = Request::patch(url)
                .header("authorization", format!("Bearer {TOKEN}"))
                .header("accept", "application/json")
                .header("content-type", "application/json")
                .body(Full::new(Bytes::from(body)))
                .unwrap();
            let response = c.hyper.request(request).await.unwrap();
            assert!(response.status().is_success());
            let bytes = response.into_body().collect().await.unwrap().to_bytes();
            let answer: HandWritten = serde_json::from_slice(&bytes).unwrap();
            std::hint::black_box(answer);
        }
    }
}

/// Requests per second for `n` requests spread over `concurrency` tasks.
async fn round(c: &Clients, which: Which, n: usize, concurrency: usize) -> f64 {
    let started = Instant::now();
    let tasks: Vec<_> = (0..concurrency)
        .map(|_| {
            let c = c.clone();
            tokio::spawn(async move {
                for _ in 0..n / concurrency {
                    one(&c, which).await;
                }
            })
        })
        .collect();
    for t in tasks {
        t.await.unwrap();
    }
    (n / concurrency * concurrency) as f64 / started.elapsed().as_secs_f64()
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    v[v.len() / 2]
}

fn validate_and_serialize() -> Duration {
    const BATCH: u32 = 2000;
    let mut samples = Vec::new();
    for _ in 0..200 {
        let started = Instant::now();
        for _ in 0..BATCH {
            let update = UpdateOciAuth::builder()
                .tenancy_ocid(std::hint::black_box("ocid1.tenancy.oc1..bbbb"))
                .allowed_usernames(std::hint::black_box("alice, bob ,carol"))
                .access_token_ttl(1800)
                .access_token_max_ttl(3600)
                .access_token_num_uses_limit(5)
                .access_token_trusted_ips(["0.0.0.0/0", "::/0"])
                .build()
                .unwrap();
            std::hint::black_box(serde_json::to_vec(&update).unwrap());
        }
        samples.push(started.elapsed().as_secs_f64() / f64::from(BATCH));
    }
    Duration::from_secs_f64(median(samples))
}

fn sign_one_request() -> Duration {
    use infisical_oci_auth::oci::{PrivateKey, sign_request};
    let pem = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/keys/pkcs1.pem"
    ))
    .unwrap();
    let key = PrivateKey::from_pem(&pem, None).unwrap();
    let date = httpdate::fmt_http_date(std::time::SystemTime::now());
    let mut samples = Vec::new();
    for _ in 0..100 {
        let started = Instant::now();
        std::hint::black_box(
            sign_request(
                &key,
                "ocid1.tenancy.oc1..aaaa/ocid1.user.oc1..bbbb/fd:92",
                "GET",
                "/20160918/users/ocid1.user.oc1..bbbb",
                &[
                    ("x-date", &date),
                    ("(request-target)", ""),
                    ("host", "identity.us-ashburn-1.oraclecloud.com"),
                ],
            )
            .unwrap(),
        );
        samples.push(started.elapsed().as_secs_f64());
    }
    Duration::from_secs_f64(median(samples))
}

fn main() {
    let profiling = std::env::var("BENCH_ONLY").is_ok();
    let n = env_usize("BENCH_REQUESTS", 400);
    let rounds = env_usize("BENCH_ROUNDS", 96);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let addr = serve().await;
        // One reqwest client (one pool) for the typed client and the hand-written calls: the
        // one the typed client built, as a user calling other Infisical APIs would share it.
        let typed = Client::builder()
            .base_url(format!("http://{addr}"))
            .token(TOKEN)
            .retry(RetryPolicy::default())
            .build()
            .unwrap();
        let reqwest = typed.http_client().clone();
        let hyper = hyper_util::client::legacy::Client::builder(hyper_util::rt::TokioExecutor::new())
            .build(hyper_util::client::legacy::connect::HttpConnector::new());
        let clients = Clients {
            typed,
            reqwest,
            hyper,
            base: format!("http://{addr}"),
            identity: IDENTITY.parse().unwrap(),
            update: Arc::new(update()),
        };
        // For profilers: BENCH_ONLY=typed|generated|reqwest|hyper sends n requests with one
        // client.
        if let Ok(only) = std::env::var("BENCH_ONLY") {
            let which = match only.as_str() {
                "typed" => Which::Typed,
                "reqwest" => Which::Reqwest,
                "generated" => Which::Generated,
                _ => Which::Hyper,
            };
            let concurrency = env_usize("BENCH_CONCURRENCY", 1);
            round(&clients, which, n / 4, concurrency).await;
            println!("{which:?}: {:.0} req/s", round(&clients, which, n, concurrency).await);
            return;
        }
        println!(
            "{n} PATCH requests per client per round, {rounds} rounds through every order of the clients, one loopback server, 2 runtime workers"
        );
        let orders = orders();
        for concurrency in [1, 16] {
            // Warm up the pools.
            for which in CLIENTS {
                round(&clients, which, n / 4, concurrency).await;
            }
            // Rounds go through every order of the clients in turn, so that each runs first,
            // last, and after each of the others equally often. A ratio is the median of the
            // ratios within each round, which cancels drift in the machine's speed between
            // rounds (short rounds cancel more of it).
            let mut rates = vec![Vec::new(); CLIENTS.len()];
            let (mut typed_ratios, mut generated_ratios) = (Vec::new(), Vec::new());
            for r in 0..rounds {
                let mut this = [0.0; 4];
                for i in orders[r % orders.len()] {
                    this[i] = round(&clients, CLIENTS[i], n, concurrency).await;
                }
                for (i, rate) in this.iter().enumerate() {
                    rates[i].push(*rate);
                }
                typed_ratios.push(this[0] / this[2]);
                generated_ratios.push(this[1] / this[2]);
            }
            let [typed, generated, reqwest, hyper] =
                [0, 1, 2, 3].map(|i| median(rates[i].clone()));
            println!(
                "concurrency {concurrency}: typed client {typed:.0} req/s, generated method alone {generated:.0} req/s, hand-written reqwest {reqwest:.0} req/s, raw hyper {hyper:.0} req/s (medians)"
            );
            println!(
                "generated method alone / hand-written reqwest throughput: {:.3}",
                median(generated_ratios)
            );
            println!(
                "typed client / hand-written reqwest throughput: {:.2}",
                median(typed_ratios)
            );
        }
    });
    if profiling {
        return;
    }
    println!(
        "validate+serialize update: {} ns",
        validate_and_serialize().as_nanos()
    );
    println!(
        "sign one RSA-2048 OCI request: {:.2} ms",
        sign_one_request().as_secs_f64() * 1000.0
    );
}
