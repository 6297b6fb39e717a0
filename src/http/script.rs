//! A scripted [`Io`] for native tests: answers from a queue, records what was sent and every
//! sleep, yields between steps so that concurrent calls interleave, and honours an abort flag
//! per call. Also a tiny executor that polls several futures in turn.

use std::cell::{Cell, RefCell};
use std::collections::VecDeque;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::sync::Arc;
use std::task::{Context, Poll, Wake, Waker};

use super::engine::aborted;
use super::io::{Failure, Io, Opened, ResponseBody};
use super::retry::Attempt;
use super::{Request, ResponseHead};
use crate::error::{Error, ErrorCode};

/// One scripted answer.
#[derive(Clone, Debug)]
pub enum Reply {
    /// A response: status, headers, body chunks, and whether the body then breaks.
    Answer {
        /// Status.
        status: u16,
        /// Headers.
        headers: Vec<(String, String)>,
        /// Body chunks.
        chunks: Vec<Vec<u8>>,
        /// The connection drops after the chunks.
        cut: bool,
    },
    /// No response: a network error or a timeout.
    Fail(Attempt),
    /// No answer until the call is aborted.
    Hang,
}

impl Reply {
    /// A response with a body in one chunk.
    pub fn new(status: u16, body: &str) -> Reply {
        Reply::Answer {
            status,
            headers: vec![],
            chunks: if body.is_empty() {
                vec![]
            } else {
                vec![body.as_bytes().to_vec()]
            },
            cut: false,
        }
    }

    /// Adds a header.
    pub fn header(mut self, name: &str, value: &str) -> Reply {
        if let Reply::Answer { headers, .. } = &mut self {
            headers.push((name.into(), value.into()));
        }
        self
    }

    /// The body breaks after what was sent.
    pub fn cut(mut self) -> Reply {
        if let Reply::Answer { cut, .. } = &mut self {
            *cut = true;
        }
        self
    }
}

/// The state shared by every call of a test.
#[derive(Default)]
pub struct Script {
    /// Answers, in order.
    pub replies: RefCell<VecDeque<Reply>>,
    /// Every request sent, in order.
    pub sent: RefCell<Vec<Request>>,
    /// Every sleep asked for (ms), in order.
    pub sleeps: RefCell<Vec<u64>>,
    /// The clock.
    pub now: Cell<u64>,
    /// How many polls a request stays in flight before its answer.
    pub latency: Cell<u32>,
}

impl Script {
    /// A script with these answers.
    pub fn new(replies: Vec<Reply>) -> Rc<Script> {
        Rc::new(Script {
            replies: RefCell::new(replies.into()),
            now: Cell::new(1_000_000),
            ..Script::default()
        })
    }

    /// A call's [`Io`] on this script.
    pub fn io(self: &Rc<Script>) -> ScriptIo {
        ScriptIo {
            script: self.clone(),
            aborted: Rc::new(Cell::new(false)),
        }
    }

    /// The operations sent, in order.
    pub fn ops(&self) -> Vec<&'static str> {
        self.sent.borrow().iter().map(|r| r.operation).collect()
    }

    /// The `Authorization` header of request `i`.
    pub fn auth_header(&self, i: usize) -> Option<String> {
        self.sent.borrow()[i]
            .header_value("authorization")
            .map(str::to_string)
    }

    /// Sleeps that were not the waiting polls of a token waiter (retry delays).
    pub fn retry_sleeps(&self) -> Vec<u64> {
        self.sleeps
            .borrow()
            .iter()
            .copied()
            .filter(|ms| *ms > super::auth::WAIT_MAX_MS)
            .collect()
    }
}

/// One call on a [`Script`].
#[derive(Clone)]
pub struct ScriptIo {
    /// The shared script.
    pub script: Rc<Script>,
    /// This call's abort flag.
    pub aborted: Rc<Cell<bool>>,
}

/// Pending once, then ready.
struct Yield(bool);
impl Future for Yield {
    type Output = ();
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if self.0 {
            Poll::Ready(())
        } else {
            self.0 = true;
            cx.waker().wake_by_ref();
            Poll::Pending
        }
    }
}

/// A scripted body.
pub struct ScriptBody {
    chunks: VecDeque<Vec<u8>>,
    cut: bool,
    aborted: Rc<Cell<bool>>,
}

impl ResponseBody for ScriptBody {
    async fn read_chunk(
        &mut self,
        out: &mut Vec<u8>,
        room: usize,
    ) -> Result<Option<usize>, Failure> {
        Yield(false).await;
        if self.aborted.get() {
            return Err(Failure::new(Attempt::Aborted, aborted("read")));
        }
        match self.chunks.pop_front() {
            Some(c) if c.len() > room => Err(Failure::fatal(Error::new(
                ErrorCode::LimitExceeded,
                "chunk over the limit",
            ))),
            Some(c) => {
                out.extend_from_slice(&c);
                Ok(Some(c.len()))
            }
            None if self.cut => Err(Failure::new(
                Attempt::Network,
                Error::new(ErrorCode::Network, "connection reset"),
            )),
            None => Ok(None),
        }
    }
}

impl Io for ScriptIo {
    type Body = ScriptBody;

    async fn send(&self, req: &Request) -> Result<Opened<ScriptBody>, Failure> {
        let op = req.operation;
        if self.aborted.get() {
            return Err(Failure::new(Attempt::Aborted, aborted(op)));
        }
        self.script.sent.borrow_mut().push(req.clone());
        let reply = self.script.replies.borrow_mut().pop_front();
        for _ in 0..self.script.latency.get().max(1) {
            Yield(false).await;
            if self.aborted.get() {
                return Err(Failure::new(Attempt::Aborted, aborted(op)));
            }
        }
        match reply {
            None => Err(Failure::new(
                Attempt::Network,
                Error::new(
                    ErrorCode::Network,
                    format!("{op}: the script has no answer left"),
                ),
            )),
            Some(Reply::Fail(kind)) => {
                let code = if kind == Attempt::Timeout {
                    ErrorCode::Timeout
                } else {
                    ErrorCode::Network
                };
                Err(Failure::new(kind, Error::new(code, format!("{op} failed"))))
            }
            Some(Reply::Hang) => loop {
                Yield(false).await;
                if self.aborted.get() {
                    return Err(Failure::new(Attempt::Aborted, aborted(op)));
                }
            },
            Some(Reply::Answer {
                status,
                headers,
                chunks,
                cut,
            }) => Ok(Opened {
                head: ResponseHead::new(status, headers),
                body: ScriptBody {
                    chunks: chunks.into(),
                    cut,
                    aborted: self.aborted.clone(),
                },
            }),
        }
    }

    async fn sleep(&self, ms: u64) -> Result<(), Error> {
        self.script.sleeps.borrow_mut().push(ms);
        if self.aborted.get() {
            return Err(aborted("the call"));
        }
        Yield(false).await;
        if self.aborted.get() {
            return Err(aborted("the call"));
        }
        Ok(())
    }

    fn is_aborted(&self) -> bool {
        self.aborted.get()
    }

    fn now_ms(&self) -> u64 {
        self.script.now.get()
    }

    fn random(&self) -> f64 {
        0.5
    }
}

struct Noop;
impl Wake for Noop {
    fn wake(self: Arc<Self>) {}
}

/// A boxed future for [`run_all`].
pub type Task<'a, T> = Pin<Box<dyn Future<Output = T> + 'a>>;

/// Polls every task in turn until all are ready; `between(round)` runs after each round (to
/// abort a call or move the clock at a chosen moment).
pub fn run_all_with<'a, T>(mut tasks: Vec<Task<'a, T>>, mut between: impl FnMut(u32)) -> Vec<T> {
    let waker = Waker::from(Arc::new(Noop));
    let mut cx = Context::from_waker(&waker);
    let mut out: Vec<Option<T>> = tasks.iter().map(|_| None).collect();
    for round in 0..100_000 {
        for (i, t) in tasks.iter_mut().enumerate() {
            if out[i].is_none() {
                if let Poll::Ready(v) = t.as_mut().poll(&mut cx) {
                    out[i] = Some(v);
                }
            }
        }
        if out.iter().all(Option::is_some) {
            return out.into_iter().map(Option::unwrap).collect();
        }
        between(round);
    }
    panic!("tasks never completed");
}

/// Polls every task in turn until all are ready.
pub fn run_all<'a, T>(tasks: Vec<Task<'a, T>>) -> Vec<T> {
    run_all_with(tasks, |_| {})
}

/// Runs one future to completion.
pub fn block_on<F: Future>(f: F) -> F::Output {
    run_all(vec![Box::pin(f)]).pop().unwrap()
}
