//! Ctrl-C (SIGINT) and SIGTERM: the first stops an import cleanly (its untriggered session
//! cancelled, the report written); a second stops the process at once.

use tokio::sync::oneshot;

use crate::output::terminal;

/// Signals listened for from its creation on, so that one sent while the files are read is not
/// lost.
pub struct StopSignal {
    /// Told of the first signal; `None` when signals can't be listened for, so they keep their
    /// default effect.
    first: Option<oneshot::Receiver<()>>,
}

impl StopSignal {
    /// Starts listening, on a task of the current runtime: it hears a second signal even while
    /// the import is busy cleaning up after the first.
    pub fn listen() -> Self {
        let Ok(signals) = Signals::register() else {
            return Self { first: None };
        };
        let (told, first) = oneshot::channel();
        tokio::spawn(watch(signals, told));
        Self { first: Some(first) }
    }

    /// Resolves when a stop signal arrives.
    pub async fn received(self) {
        let told = match self.first {
            Some(first) => first.await.is_ok(),
            None => false,
        };
        if !told {
            std::future::pending::<()>().await;
        }
    }
}

/// Tells of the first signal, and ends the process on the second.
async fn watch(mut signals: Signals, first: oneshot::Sender<()>) {
    signals.next().await;
    terminal::bars().suspend(|| {
        eprintln!("Stopping cleanly; Ctrl-C again stops at once, without cleaning up.");
    });
    let _ = first.send(());
    signals.next().await;
    terminal::bars().suspend(|| {
        eprintln!(
            "error: interrupted twice; stopped at once: a session of this import may still be \
             open (okta-import sessions list), and the report may be missing"
        );
    });
    std::process::exit(1);
}

/// SIGINT and SIGTERM (Ctrl-C elsewhere).
struct Signals {
    #[cfg(unix)]
    interrupt: tokio::signal::unix::Signal,
    #[cfg(unix)]
    terminate: tokio::signal::unix::Signal,
}

impl Signals {
    #[cfg(unix)]
    fn register() -> std::io::Result<Self> {
        use tokio::signal::unix::{SignalKind, signal};
        Ok(Self {
            interrupt: signal(SignalKind::interrupt())?,
            terminate: signal(SignalKind::terminate())?,
        })
    }

    #[cfg(not(unix))]
    fn register() -> std::io::Result<Self> {
        Ok(Self {})
    }

    /// The next signal.
    async fn next(&mut self) {
        #[cfg(unix)]
        tokio::select! {
            _ = self.interrupt.recv() => {}
            _ = self.terminate.recv() => {}
        }
        #[cfg(not(unix))]
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    }
}
