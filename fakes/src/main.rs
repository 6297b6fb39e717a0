//! `passerelle-fakes [--port N]`: serves both fake APIs on 127.0.0.1 and prints the base URL
//! (`http://127.0.0.1:PORT`) as its first stdout line.

use passerelle_fakes::server::{start, Config};

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
            "--help" | "-h" => {
                println!("usage: passerelle-fakes [--port N]");
                return;
            }
            other => fail(&format!("unknown argument {other}")),
        }
    }
    let running = start(config).await.unwrap_or_else(|e| fail(&e.to_string()));
    println!("{}", running.base_url());
    let _ = running.task.await;
}

fn fail(msg: &str) -> ! {
    eprintln!("passerelle-fakes: {msg}");
    std::process::exit(2)
}
