//! Ctrl-C (SIGINT), SIGTERM and SIGHUP (the terminal closed, an ssh connection dropped): the
//! first stops an import cleanly (its untriggered session
//! cancelled, the report written); a second stops the process at once. A signal that comes
//! before the import may have sent anything (while the files are read and checked) stops the
//! process at once too: there is nothing to clean up. Either way the process then ends by the
//! signal itself ([`end_by`]), as a program that does not catch it would: a shell reports
//! 128 + the signal's number, and a script's loop stops on Ctrl-C. SIGHUP or
//! SIGINT set to be ignored when the process started (`nohup`, `trap '' HUP`, a background
//! job of a script) stays ignored.

use std::sync::{Arc, Mutex, PoisonError};

use okta_identity_source_import::Event;
use tokio::sync::oneshot;

use crate::output::{report_file, terminal};

/// A signal that stops an import.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Signal {
    /// SIGINT: Ctrl-C at the terminal.
    Interrupt,
    /// SIGTERM: a service manager, a container runtime or `kill` stopping the process.
    Terminate,
    /// SIGHUP: the terminal was closed or the ssh connection dropped.
    Hangup,
}

impl Signal {
    /// The signal's number.
    #[cfg(unix)]
    fn number(self) -> libc::c_int {
        match self {
            Signal::Interrupt => libc::SIGINT,
            Signal::Terminate => libc::SIGTERM,
            Signal::Hangup => libc::SIGHUP,
        }
    }

    /// 128 + the signal's number: 130 for SIGINT, 143 for SIGTERM, 129 for SIGHUP.
    pub fn exit_code(self) -> u8 {
        match self {
            Signal::Interrupt => 130,
            Signal::Terminate => 143,
            Signal::Hangup => 129,
        }
    }

    /// What happened to the process, as the user knows it: `interrupted by Ctrl-C (SIGINT)`.
    pub fn stopped(self) -> &'static str {
        match self {
            Signal::Interrupt => "interrupted by Ctrl-C (SIGINT)",
            Signal::Terminate => "terminated by SIGTERM",
            Signal::Hangup => "hung up (SIGHUP)",
        }
    }

    /// The signal's name: `SIGINT`, `SIGTERM`, `SIGHUP`.
    pub fn name(self) -> &'static str {
        match self {
            Signal::Interrupt => "SIGINT",
            Signal::Terminate => "SIGTERM",
            Signal::Hangup => "SIGHUP",
        }
    }

    /// The signal's name with how it is sent.
    fn described(self) -> &'static str {
        match self {
            Signal::Interrupt => "Ctrl-C (SIGINT)",
            Signal::Terminate => "SIGTERM",
            Signal::Hangup => "SIGHUP",
        }
    }
}

/// Signals listened for from its creation on, so that one sent while the files are read is not
/// lost.
pub struct StopSignal {
    /// Told of the first signal; `None` when signals can't be listened for, so they keep their
    /// default effect.
    first: Option<oneshot::Receiver<Signal>>,
    /// The first signal, once it has arrived.
    heard: Option<Signal>,
    /// Whether the import may have sent anything yet, shared with the task that listens.
    sending: Sending,
}

/// Whether an import may have sent anything yet, and its session that is open (created, not
/// started nor cancelled), if one is. Until it may have sent anything, a signal ends the
/// process at once, since nothing needs cleaning up: [`Sending::begins`] must come before
/// the first request (the engine's first event does when it checks everything first, but a
/// streamed run creates its session before its first event).
#[derive(Clone, Default)]
pub struct Sending(Arc<Mutex<SendState>>);

#[derive(Default)]
struct SendState {
    began: bool,
    open_session: Option<String>,
    /// Whether the service is an emulator of this process (the demo), whose sessions end
    /// with it.
    in_process: bool,
}

impl Sending {
    /// Marks that requests may go out from now on: called before the first one. Waits while a
    /// signal is ending the process, so that nothing is sent after it.
    pub fn begins(&self) {
        self.lock().began = true;
    }

    /// Follows the import's session from its events: open once created, until started,
    /// cancelled or finished.
    pub fn follow(&self, event: &Event) {
        let mut state = self.lock();
        match event {
            Event::SessionCreated { id, .. } => state.open_session = Some(id.clone()),
            Event::ImportStarted { .. }
            | Event::SessionCancelled { .. }
            | Event::SessionFinished { .. } => state.open_session = None,
            _ => {}
        }
    }

    /// Whether the service is an emulator of this process (see [`StopSignal::in_process`]).
    pub fn is_in_process(&self) -> bool {
        self.lock().in_process
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, SendState> {
        self.0.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl StopSignal {
    /// Starts listening, on a task of the current runtime: it hears a second signal even while
    /// the import is busy cleaning up after the first.
    pub fn listen() -> Self {
        let sending = Sending::default();
        let Ok(signals) = Signals::register() else {
            return Self {
                first: None,
                heard: None,
                sending,
            };
        };
        let (told, first) = oneshot::channel();
        tokio::spawn(watch(signals, told, sending.clone()));
        Self {
            first: Some(first),
            heard: None,
            sending,
        }
    }

    /// Marks the service as an emulator of this process (the demo): Okta is not what a stop
    /// leaves as it was, and a stop at once leaves no session open anywhere.
    pub fn in_process(self) -> Self {
        self.sending.lock().in_process = true;
        self
    }

    /// What the import marks before it may send anything (see [`Sending::begins`]).
    pub fn sending(&self) -> Sending {
        self.sending.clone()
    }

    /// Runs `step` with a signal's exit held off until it ends: a step that must not be cut
    /// in half (the report file's check makes a temporary file beside it and removes it).
    pub fn uninterrupted<T>(&self, step: impl FnOnce() -> T) -> T {
        let _held = self.sending.lock();
        step()
    }

    /// Resolves when a stop signal arrives; [`StopSignal::heard`] then says which. Waits
    /// forever when called again, or when signals can't be listened for.
    pub async fn received(&mut self) {
        if let Some(first) = self.first.take()
            && let Ok(signal) = first.await
        {
            self.heard = Some(signal);
            return;
        }
        std::future::pending::<()>().await;
    }

    /// The signal that arrived, if one has.
    pub fn heard(&self) -> Option<Signal> {
        self.heard
    }
}

/// Tells of the first signal, and ends the process on the second, or on the first when
/// nothing may have been sent yet.
async fn watch(mut signals: Signals, first: oneshot::Sender<Signal>, sending: Sending) {
    let signal = signals.next().await;
    {
        // Held until the process ends: the import can't begin sending meanwhile.
        let sending = sending.lock();
        if !sending.began {
            let unchanged = match sending.in_process {
                true => "",
                false => "; nothing changed in Okta",
            };
            terminal::bars().suspend(|| {
                terminal::say(format_args!(
                    "error: {} before anything was sent{unchanged}",
                    signal.stopped()
                ));
            });
            end_by(signal);
        }
    }
    terminal::bars().suspend(|| {
        terminal::say(format_args!(
            "Stopping cleanly after {}; a second signal stops at once, without cleaning up.",
            signal.described()
        ));
    });
    let _ = first.send(signal);
    let heard = std::time::Instant::now();
    let second = loop {
        let second = signals.next().await;
        // GNU `timeout` sends its signal to the process and to its process group: the same
        // signal twice at once is one stop.
        if second != signal || heard.elapsed() > SAME_STOP {
            break second;
        }
    };
    let (open, in_process) = {
        let state = sending.lock();
        (state.open_session.clone(), state.in_process)
    };
    let left = match in_process {
        true => IN_PROCESS.to_owned(),
        false => may_be_open(open.as_deref()),
    };
    terminal::bars().suspend(|| {
        terminal::say(format_args!(
            "error: {}; stopped at once: {left}, and the report may be missing",
            second.stopped(),
        ));
    });
    end_by(second);
}

/// Ends the process by `signal`, at once, its default action restored: the shell or program
/// that started the command sees it stopped by the signal, as any command that does not
/// catch it (bash then stops a script's loop on Ctrl-C, where an exit code of 130 would let
/// it go on; "wait and cooperative exit"). Where the signal can't end it, the process exits
/// with 128 + the signal's number. No destructor runs, so a report being written loses its
/// temporary file here; standard output holds no part of a line, as Rust's is written a line
/// at a time.
pub fn end_by(signal: Signal) -> ! {
    report_file::remove_staged();
    #[cfg(unix)]
    // SAFETY: restoring a signal's default action and raising it run no code of ours in a
    // handler; the default action of SIGINT, SIGTERM and SIGHUP ends the process.
    unsafe {
        libc::signal(signal.number(), libc::SIG_DFL);
        libc::raise(signal.number());
    }
    std::process::exit(i32::from(signal.exit_code()));
}

/// What an import into an emulator of this process (the demo) leaves behind when it stops.
pub const IN_PROCESS: &str = "the demo's emulator ends with this command, and its sessions with it";

/// What a stop at once may have left open: the session that was, or any.
fn may_be_open(session: Option<&str>) -> String {
    match session {
        Some(id) => format!(
            "session {id} of this import may still be open (okta-import sessions cancel {id})"
        ),
        None => "a session of this import may still be open (okta-import sessions list)".into(),
    }
}

/// How soon after the first the same signal again is taken as the same stop.
const SAME_STOP: std::time::Duration = std::time::Duration::from_millis(100);

/// SIGINT, SIGTERM and SIGHUP (Ctrl-C elsewhere); `None` for a signal ignored at the start.
struct Signals {
    #[cfg(unix)]
    interrupt: Option<tokio::signal::unix::Signal>,
    #[cfg(unix)]
    terminate: tokio::signal::unix::Signal,
    #[cfg(unix)]
    hangup: Option<tokio::signal::unix::Signal>,
}

impl Signals {
    #[cfg(unix)]
    fn register() -> std::io::Result<Self> {
        use tokio::signal::unix::{SignalKind, signal};
        let unless_ignored = |kind: SignalKind| match ignored_from_the_start(kind.as_raw_value()) {
            true => Ok(None),
            false => signal(kind).map(Some),
        };
        Ok(Self {
            interrupt: unless_ignored(SignalKind::interrupt())?,
            terminate: signal(SignalKind::terminate())?,
            hangup: unless_ignored(SignalKind::hangup())?,
        })
    }

    #[cfg(not(unix))]
    fn register() -> std::io::Result<Self> {
        Ok(Self {})
    }

    /// The next signal.
    async fn next(&mut self) -> Signal {
        #[cfg(unix)]
        tokio::select! {
            Some(_) = received(&mut self.interrupt) => Signal::Interrupt,
            _ = self.terminate.recv() => Signal::Terminate,
            Some(_) = received(&mut self.hangup) => Signal::Hangup,
        }
        #[cfg(not(unix))]
        {
            if tokio::signal::ctrl_c().await.is_err() {
                std::future::pending::<()>().await;
            }
            Signal::Interrupt
        }
    }
}

/// The next delivery of `signal`; never, when it is not listened for.
#[cfg(unix)]
async fn received(signal: &mut Option<tokio::signal::unix::Signal>) -> Option<()> {
    match signal {
        Some(signal) => signal.recv().await,
        None => std::future::pending().await,
    }
}

/// Whether `signal` is set to be ignored, as `nohup` and `trap '' HUP` leave it for the
/// process: listening for it would undo that. Read before anything listens for it.
#[cfg(unix)]
fn ignored_from_the_start(signal: libc::c_int) -> bool {
    let mut action = std::mem::MaybeUninit::<libc::sigaction>::zeroed();
    // SAFETY: with no new action, `sigaction` only writes the current one into `action`,
    // which is valid for writes of a `sigaction`.
    let read = unsafe { libc::sigaction(signal, std::ptr::null(), action.as_mut_ptr()) };
    // SAFETY: zeroed, then filled by `sigaction` when it returned 0: a valid `sigaction`.
    let action = unsafe { action.assume_init() };
    read == 0 && action.sa_sigaction == libc::SIG_IGN
}
