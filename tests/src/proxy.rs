//! A loopback TCP proxy a test can break: cut its open connections (a
//! dropped websocket), refuse every connection for a while (a node outage),
//! or deliver requests but lose the replies to those containing a marker
//! (a transaction sent whose confirmation never arrives).

use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use std::sync::Mutex;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Notify;

/// Forwards every connection on `addr` to an upstream address.
pub struct Proxy {
    /// Where clients connect.
    pub addr: SocketAddr,
    cut: Arc<Notify>,
    down: Arc<AtomicBool>,
    lose_replies_to: Arc<Mutex<Option<Vec<u8>>>>,
}

/// Forwards one connection until either side closes or it is cut; a request
/// chunk containing the marker is delivered, then the connection is dropped
/// without its reply.
async fn forward(
    client: TcpStream,
    server: TcpStream,
    cut: Arc<Notify>,
    lose_replies_to: Arc<Mutex<Option<Vec<u8>>>>,
) {
    let (mut client_read, mut client_write) = client.into_split();
    let (mut server_read, mut server_write) = server.into_split();
    // Set once a marked request is delivered: from then on replies are dropped.
    let lost = AtomicBool::new(false);
    let requests = async {
        let mut buf = vec![0u8; 64 * 1024];
        loop {
            let n = match client_read.read(&mut buf).await {
                Ok(0) | Err(_) => return,
                Ok(n) => n,
            };
            let marker = lose_replies_to.lock().unwrap().clone();
            if marker.is_some_and(|m| buf[..n].windows(m.len()).any(|w| w == m)) {
                lost.store(true, Ordering::SeqCst);
            }
            if server_write.write_all(&buf[..n]).await.is_err() {
                return;
            }
            if lost.load(Ordering::SeqCst) {
                // Let the node act on the request, then vanish before replying.
                tokio::time::sleep(std::time::Duration::from_millis(500)).await;
                return;
            }
        }
    };
    let replies = async {
        let mut buf = vec![0u8; 64 * 1024];
        loop {
            let n = match server_read.read(&mut buf).await {
                Ok(0) | Err(_) => return,
                Ok(n) => n,
            };
            if !lost.load(Ordering::SeqCst) && client_write.write_all(&buf[..n]).await.is_err() {
                return;
            }
        }
    };
    tokio::select! {
        _ = requests => {}
        _ = replies => {}
        _ = cut.notified() => {}
    }
}

impl Proxy {
    /// Starts forwarding to `upstream`.
    pub async fn start(upstream: SocketAddr) -> Proxy {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind proxy");
        let addr = listener.local_addr().unwrap();
        let cut = Arc::new(Notify::new());
        let down = Arc::new(AtomicBool::new(false));
        let lose_replies_to = Arc::new(Mutex::new(None));
        let (cut_all, refuse, lose) = (cut.clone(), down.clone(), lose_replies_to.clone());
        tokio::spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                if refuse.load(Ordering::SeqCst) {
                    continue;
                }
                let (cut, lose) = (cut_all.clone(), lose.clone());
                tokio::spawn(async move {
                    if let Ok(server) = TcpStream::connect(upstream).await {
                        forward(client, server, cut, lose).await;
                    }
                });
            }
        });
        Proxy {
            addr,
            cut,
            down,
            lose_replies_to,
        }
    }

    /// The proxy as an HTTP URL.
    pub fn http_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Drops every open connection (new ones are still accepted).
    pub fn cut(&self) {
        self.cut.notify_waiters();
    }

    /// Starts an outage: open connections are dropped and new ones closed at
    /// once, until [`Proxy::end_outage`].
    pub fn start_outage(&self) {
        self.down.store(true, Ordering::SeqCst);
        self.cut();
    }

    /// Ends an outage: connections are forwarded again.
    pub fn end_outage(&self) {
        self.down.store(false, Ordering::SeqCst);
    }

    /// From now on, requests containing `marker` reach the node but their
    /// replies are lost (the connection drops); `None` stops that.
    pub fn lose_replies_to(&self, marker: Option<&str>) {
        *self.lose_replies_to.lock().unwrap() = marker.map(|m| m.as_bytes().to_vec());
    }
}
