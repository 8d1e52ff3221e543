//! A stand-in for a leased GPU machine's health endpoint: a real HTTP server
//! on loopback answering `200 ok` to every request, which can be stopped
//! (connections refused) and started again on the same port to make downtime.

use std::net::SocketAddr;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;
use tokio::task::JoinHandle;

/// The health endpoint; stopped on drop.
pub struct Machine {
    /// Where it listens.
    pub addr: SocketAddr,
    server: Option<JoinHandle<()>>,
}

async fn serve(listener: TcpListener) {
    loop {
        let Ok((mut stream, _)) = listener.accept().await else {
            continue;
        };
        tokio::spawn(async move {
            let mut request = [0u8; 1024];
            let _ = stream.read(&mut request).await;
            let _ = stream
                .write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 3\r\nconnection: close\r\n\r\nok\n")
                .await;
        });
    }
}

impl Machine {
    /// Starts serving on a free loopback port.
    pub async fn start() -> Machine {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let addr = listener.local_addr().expect("address");
        Machine {
            addr,
            server: Some(tokio::spawn(serve(listener))),
        }
    }

    /// The health check a listing declares for this machine.
    pub fn health_check(&self) -> String {
        format!("http://{}/health", self.addr)
    }

    /// Stops answering: new connections are refused.
    pub async fn stop(&mut self) {
        if let Some(server) = self.server.take() {
            server.abort();
            let _ = server.await;
        }
    }

    /// Serves again on the same port.
    pub async fn resume(&mut self) {
        if self.server.is_none() {
            let listener = TcpListener::bind(self.addr).await.expect("rebind");
            self.server = Some(tokio::spawn(serve(listener)));
        }
    }
}

impl Drop for Machine {
    fn drop(&mut self) {
        if let Some(server) = self.server.take() {
            server.abort();
        }
    }
}
