//! [`LoopbackServer`]: the listener, one thread per connection, and the script they share.

use std::collections::VecDeque;
use std::io::{self, BufRead, BufReader, ErrorKind, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

use super::recorded::Recorded;
use super::scripted::Scripted;

/// A client that sends nothing for this long is gone: its thread ends.
const CLIENT_SILENCE: Duration = Duration::from_secs(10);

/// An HTTP/1.1 server on `127.0.0.1` at a free port, serving [`Scripted`] responses in order,
/// one per request, and recording every request. Stops when dropped.
#[derive(Debug)]
pub struct LoopbackServer {
    addr: SocketAddr,
    shared: Arc<Shared>,
    acceptor: Option<JoinHandle<()>>,
}

#[derive(Debug, Default)]
struct Shared {
    script: Mutex<VecDeque<Scripted>>,
    requests: Mutex<Vec<Recorded>>,
    stopping: AtomicBool,
}

impl LoopbackServer {
    /// Listens on a free loopback port, with `script` to serve. A request that finds the script
    /// empty gets a 500 saying so.
    pub fn start(script: impl IntoIterator<Item = Scripted>) -> io::Result<LoopbackServer> {
        let listener = TcpListener::bind("127.0.0.1:0")?;
        let addr = listener.local_addr()?;
        let shared = Arc::new(Shared {
            script: Mutex::new(script.into_iter().collect()),
            ..Shared::default()
        });
        let acceptor = {
            let shared = Arc::clone(&shared);
            thread::Builder::new()
                .name("loopback-accept".to_owned())
                .spawn(move || accept(&listener, &shared))?
        };
        Ok(LoopbackServer {
            addr,
            shared,
            acceptor: Some(acceptor),
        })
    }

    /// The base URL, `/v1` included, as the providers take it: `http://127.0.0.1:PORT/v1`.
    pub fn url(&self) -> String {
        format!("http://{}/v1", self.addr)
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Adds a response at the end of the script.
    pub fn push(&self, response: Scripted) {
        lock(&self.shared.script).push_back(response);
    }

    /// Scripted responses not served yet.
    pub fn remaining(&self) -> usize {
        lock(&self.shared.script).len()
    }

    /// Every request received so far, in arrival order.
    pub fn requests(&self) -> Vec<Recorded> {
        lock(&self.shared.requests).clone()
    }
}

impl Drop for LoopbackServer {
    fn drop(&mut self) {
        self.shared.stopping.store(true, Ordering::SeqCst);
        // The acceptor is blocked in `accept`: one more connection wakes it to see the flag.
        let _ = TcpStream::connect(self.addr);
        if let Some(acceptor) = self.acceptor.take() {
            let _ = acceptor.join();
        }
    }
}

/// A poisoned lock only means another test thread panicked; the data is still good to read.
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

fn accept(listener: &TcpListener, shared: &Arc<Shared>) {
    for stream in listener.incoming() {
        if shared.stopping.load(Ordering::SeqCst) {
            return;
        }
        let Ok(stream) = stream else { continue };
        let shared = Arc::clone(shared);
        // Connections are independent: a stalled one must not hold up the next.
        let _ = thread::Builder::new()
            .name("loopback-conn".to_owned())
            .spawn(move || {
                // The client may hang up at any point; that ends the exchange, nothing more.
                let _ = serve(stream, &shared);
            });
    }
}

fn serve(stream: TcpStream, shared: &Shared) -> io::Result<()> {
    stream.set_read_timeout(Some(CLIENT_SILENCE))?;
    let mut reader = BufReader::new(stream.try_clone()?);
    let request = read_request(&mut reader)?;
    let target = format!("{} {}", request.method, request.path);
    lock(&shared.requests).push(request);
    let next = lock(&shared.script).pop_front();
    let mut stream = stream;
    match next {
        Some(Scripted::Json {
            status,
            headers,
            body,
        }) => {
            write_head(
                &mut stream,
                status,
                "application/json",
                Some(body.len()),
                &headers,
            )?;
            stream.write_all(body.as_bytes())?;
        }
        Some(Scripted::Sse {
            status,
            events,
            delay_between,
        }) => {
            write_head(&mut stream, status, "text/event-stream", None, &[])?;
            for (i, event) in events.iter().enumerate() {
                if i > 0 && !delay_between.is_zero() {
                    thread::sleep(delay_between);
                }
                stream.write_all(event.as_bytes())?;
                stream.flush()?;
            }
        }
        Some(Scripted::Stall {
            after_headers,
            for_,
        }) => {
            if after_headers {
                write_head(&mut stream, 200, "text/event-stream", None, &[])?;
                stream.flush()?;
            }
            wait_for_hangup(&stream, for_)?;
        }
        Some(Scripted::Close) => {}
        None => {
            let body = format!(
                r#"{{"error":{{"message":"loopback server: no scripted response left for {target}","type":"script_exhausted"}}}}"#
            );
            write_head(&mut stream, 500, "application/json", Some(body.len()), &[])?;
            stream.write_all(body.as_bytes())?;
        }
    }
    stream.flush()?;
    stream.shutdown(Shutdown::Both)
}

fn read_request(reader: &mut impl BufRead) -> io::Result<Recorded> {
    let mut line = String::new();
    reader.read_line(&mut line)?;
    let mut parts = line.split_whitespace();
    let (Some(method), Some(path)) = (parts.next(), parts.next()) else {
        return Err(io::Error::new(ErrorKind::InvalidData, "no request line"));
    };
    let (method, path) = (method.to_owned(), path.to_owned());
    let mut headers = Vec::new();
    loop {
        line.clear();
        if reader.read_line(&mut line)? == 0 {
            return Err(ErrorKind::UnexpectedEof.into());
        }
        let header = line.trim_end_matches(['\r', '\n']);
        if header.is_empty() {
            break;
        }
        if let Some((name, value)) = header.split_once(':') {
            headers.push((name.trim().to_owned(), value.trim().to_owned()));
        }
    }
    let length = headers
        .iter()
        .find(|(name, _)| name.eq_ignore_ascii_case("content-length"))
        .and_then(|(_, value)| value.parse::<usize>().ok())
        .unwrap_or(0);
    let mut body = vec![0; length];
    reader.read_exact(&mut body)?;
    Ok(Recorded {
        method,
        path,
        headers,
        body: String::from_utf8_lossy(&body).into_owned(),
    })
}

fn write_head(
    stream: &mut TcpStream,
    status: u16,
    content_type: &str,
    length: Option<usize>,
    extra: &[(String, String)],
) -> io::Result<()> {
    let mut head = format!(
        "HTTP/1.1 {status} {}\r\nContent-Type: {content_type}\r\nConnection: close\r\n",
        reason(status)
    );
    match length {
        Some(length) => head.push_str(&format!("Content-Length: {length}\r\n")),
        // The body ends when the connection closes.
        None => head.push_str("Cache-Control: no-cache\r\n"),
    }
    for (name, value) in extra {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str("\r\n");
    stream.write_all(head.as_bytes())
}

/// Silent until `limit` has passed or the client has hung up, whichever comes first, so
/// stalled connections do not outlive the test that gave up on them.
fn wait_for_hangup(stream: &TcpStream, limit: Duration) -> io::Result<()> {
    let start = Instant::now();
    let mut probe = stream;
    let mut byte = [0u8; 1];
    while start.elapsed() < limit {
        let left = limit.saturating_sub(start.elapsed());
        stream.set_read_timeout(Some(
            left.clamp(Duration::from_millis(1), Duration::from_millis(50)),
        ))?;
        match probe.read(&mut byte) {
            Ok(0) => return Ok(()),
            Ok(_) => {}
            Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {}
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        408 => "Request Timeout",
        413 => "Content Too Large",
        422 => "Unprocessable Content",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        504 => "Gateway Timeout",
        529 => "Overloaded",
        _ => "Status",
    }
}
