//! The attestor's probe against real loopback servers: a machine that stops
//! and restarts, an endpoint that answers an error, and one that never answers.

use std::time::Duration;

use compute_escrow_cli::attestor::probe::{HealthCheck, Prober};
use compute_escrow_tests::machine::Machine;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

/// Probes `check` (the prober's own timeout bounds it; the outer one only
/// turns a hang into a failure).
async fn is_up(prober: &Prober, check: &str) -> bool {
    let check: HealthCheck = check.parse().unwrap();
    tokio::time::timeout(Duration::from_secs(20), prober.is_up(&check))
        .await
        .expect("the probe did not give up at its timeout")
}

/// Serves `reply` to every request; with `None`, accepts and never answers.
async fn server(reply: Option<&'static [u8]>) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((mut stream, _)) = listener.accept().await {
            let mut request = [0u8; 1024];
            let _ = stream.read(&mut request).await;
            match reply {
                Some(reply) => {
                    let _ = stream.write_all(reply).await;
                }
                None => held.push(stream),
            }
        }
    });
    format!("http://{addr}/health")
}

#[tokio::test]
async fn tcp_probe_follows_the_machine_down_and_up() {
    let prober = Prober::new(Duration::from_secs(2));
    let mut machine = Machine::start().await;
    let check = format!("tcp://{}", machine.addr);
    assert!(is_up(&prober, &check).await);
    machine.stop().await;
    assert!(
        !is_up(&prober, &check).await,
        "a refused connection is down"
    );
    machine.resume().await;
    assert!(is_up(&prober, &check).await);
}

#[tokio::test]
async fn http_probe_needs_a_2xx_answer_in_time() {
    let prober = Prober::new(Duration::from_secs(1));
    let mut machine = Machine::start().await;
    assert!(is_up(&prober, &machine.health_check()).await);
    machine.stop().await;
    assert!(!is_up(&prober, &machine.health_check()).await);
    machine.resume().await;
    assert!(is_up(&prober, &machine.health_check()).await);

    let failing = server(Some(
        b"HTTP/1.1 503 Service Unavailable\r\ncontent-length: 0\r\nconnection: close\r\n\r\n",
    ))
    .await;
    assert!(!is_up(&prober, &failing).await, "503 is down");
    let silent = server(None).await;
    assert!(!is_up(&prober, &silent).await, "no answer is down");
    let nothing_listens = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        format!("tcp://{}", listener.local_addr().unwrap())
    };
    assert!(!is_up(&prober, &nothing_listens).await);
}
