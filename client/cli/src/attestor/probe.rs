//! The health check a listing declares, and probing it.

use std::str::FromStr;
use std::time::Duration;

/// How the attestor checks a leased machine is up.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum HealthCheck {
    /// `tcp://host:port`: up when a TCP connection opens.
    Tcp { address: String },
    /// `http://…` or `https://…`: up when a GET answers 2xx.
    Http { url: String },
}

impl FromStr for HealthCheck {
    type Err = String;

    fn from_str(text: &str) -> Result<HealthCheck, String> {
        if let Some(address) = text.strip_prefix("tcp://") {
            let address = address.trim_end_matches('/');
            let valid = address
                .rsplit_once(':')
                .is_some_and(|(host, port)| !host.is_empty() && port.parse::<u16>().is_ok());
            if !valid {
                return Err(format!("`{text}`: a TCP health check is tcp://host:port"));
            }
            return Ok(HealthCheck::Tcp {
                address: address.to_string(),
            });
        }
        if text.starts_with("http://") || text.starts_with("https://") {
            let url = reqwest::Url::parse(text)
                .map_err(|e| format!("`{text}` is not a valid URL: {e}"))?;
            if url.host_str().is_none_or(str::is_empty) {
                return Err(format!("`{text}` has no host"));
            }
            return Ok(HealthCheck::Http { url: text.into() });
        }
        Err(format!(
            "`{text}`: a health check is tcp://host:port or http(s)://host[:port]/path"
        ))
    }
}

impl std::fmt::Display for HealthCheck {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            HealthCheck::Tcp { address } => write!(f, "tcp://{address}"),
            HealthCheck::Http { url } => write!(f, "{url}"),
        }
    }
}

/// Probes health checks with one timeout.
#[derive(Debug, Clone)]
pub struct Prober {
    http: reqwest::Client,
    timeout: Duration,
}

impl Prober {
    /// A prober that gives each probe at most `timeout`.
    pub fn new(timeout: Duration) -> Prober {
        let http = reqwest::Client::builder()
            .timeout(timeout)
            .redirect(reqwest::redirect::Policy::limited(3))
            .build()
            .expect("HTTP client builds");
        Prober { http, timeout }
    }

    /// Whether `check` answers within the timeout.
    pub async fn is_up(&self, check: &HealthCheck) -> bool {
        match check {
            HealthCheck::Tcp { address } => matches!(
                tokio::time::timeout(self.timeout, tokio::net::TcpStream::connect(address)).await,
                Ok(Ok(_))
            ),
            HealthCheck::Http { url } => match self.http.get(url).send().await {
                Ok(response) => response.status().is_success(),
                Err(_) => false,
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_declared_checks_and_rejects_garbage() {
        assert_eq!(
            "tcp://10.0.0.5:22".parse(),
            Ok(HealthCheck::Tcp {
                address: "10.0.0.5:22".into()
            })
        );
        assert_eq!(
            "http://gpu.example:8000/health".parse(),
            Ok(HealthCheck::Http {
                url: "http://gpu.example:8000/health".into()
            })
        );
        for bad in [
            "",
            "gpu.example:22",
            "tcp://gpu.example",
            "tcp://:22",
            "tcp://host:99999",
            "http://",
            "ftp://x",
        ] {
            assert!(bad.parse::<HealthCheck>().is_err(), "{bad} parsed");
        }
    }
}
