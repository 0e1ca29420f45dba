//! Waiting for SIGTERM or SIGINT without a signal handler: the signals are
//! blocked in every thread and the main thread takes them with sigwait.

use std::io;
use std::mem::MaybeUninit;
use std::ptr;

/// The signals that stop the server.
const STOP: [libc::c_int; 2] = [libc::SIGTERM, libc::SIGINT];

/// The blocked stop signals, to wait for.
pub struct StopSignals {
    set: libc::sigset_t,
}

impl StopSignals {
    /// Restores the default action of the stop signals (an inherited
    /// "ignore" would discard them) and blocks them in the calling thread
    /// and in every thread it starts afterwards.
    pub fn block() -> io::Result<Self> {
        let mut set = MaybeUninit::<libc::sigset_t>::uninit();
        // SAFETY: sigemptyset initializes the set before it is read, and
        // the other calls get valid pointers and signal numbers.
        unsafe {
            libc::sigemptyset(set.as_mut_ptr());
            for sig in STOP {
                libc::signal(sig, libc::SIG_DFL);
                libc::sigaddset(set.as_mut_ptr(), sig);
            }
            let set = set.assume_init();
            check(libc::pthread_sigmask(
                libc::SIG_BLOCK,
                &set,
                ptr::null_mut(),
            ))?;
            Ok(StopSignals { set })
        }
    }

    /// Blocks until a stop signal arrives.
    pub fn wait(&self) -> io::Result<()> {
        let mut sig = 0;
        // SAFETY: both pointers are valid for the call.
        check(unsafe { libc::sigwait(&self.set, &mut sig) })
    }
}

/// Turns the result of a pthread-style call (0 or an error number) into a
/// Result.
fn check(rc: libc::c_int) -> io::Result<()> {
    match rc {
        0 => Ok(()),
        e => Err(io::Error::from_raw_os_error(e)),
    }
}
