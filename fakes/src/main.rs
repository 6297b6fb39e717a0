//! `passerelle-fakes [--port N] [--token-ttl SECS] [--lang fr|en]`: serves both fake APIs on
//! 127.0.0.1 and prints the base URL (`http://127.0.0.1:PORT`) as its first stdout line.

use std::io::Write;

use passerelle_fakes::server::{start, Config};

const USAGE: &str = "usage: passerelle-fakes [--port N] [--token-ttl SECS] [--lang fr|en]";

#[tokio::main]
async fn main() {
    let mut config = Config::default();
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--port" => {
                config.port = args
                    .next()
                    .and_then(|p| p.parse().ok())
                    .unwrap_or_else(|| fail("--port needs a number"))
            }
            "--token-ttl" => {
                config.token_ttl_secs = Some(
                    args.next()
                        .and_then(|p| p.parse().ok())
                        .unwrap_or_else(|| fail("--token-ttl needs a number of seconds")),
                )
            }
            "--lang" => {
                config.lang = match args.next().as_deref() {
                    Some("fr") => "fr".to_string(),
                    Some("en") => "en".to_string(),
                    _ => fail("--lang needs fr or en"),
                }
            }
            "--help" | "-h" => {
                println!("{USAGE}");
                return;
            }
            other => fail(&format!("unknown argument {other}\n{USAGE}")),
        }
    }
    let running = start(config).await.unwrap_or_else(|e| fail(&e.to_string()));
    // Handlers first: whoever reads the URL may send SIGTERM at once.
    let stop = stop_signal();
    println!("{}", running.base_url());
    let _ = std::io::stdout().flush();
    stop.await;
}

/// Installs the SIGTERM and SIGINT handlers now and resolves when either arrives.
#[cfg(unix)]
fn stop_signal() -> impl std::future::Future<Output = ()> {
    use tokio::signal::unix::{signal, SignalKind};
    let term = signal(SignalKind::terminate());
    let int = signal(SignalKind::interrupt());
    async move {
        match (term, int) {
            (Ok(mut term), Ok(mut int)) => {
                tokio::select! {
                    _ = term.recv() => {}
                    _ = int.recv() => {}
                }
            }
            _ => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
}

#[cfg(not(unix))]
fn stop_signal() -> impl std::future::Future<Output = ()> {
    async {
        let _ = tokio::signal::ctrl_c().await;
    }
}

fn fail(msg: &str) -> ! {
    eprintln!("passerelle-fakes: {msg}");
    std::process::exit(2)
}
