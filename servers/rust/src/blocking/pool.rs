//! A fixed pool of worker threads fed by a queue of accepted connections:
//! each worker takes the oldest waiting connection and serves it until it
//! closes, then takes the next.

use std::io;
use std::net::TcpStream;
use std::sync::mpsc::{self, Receiver, Sender};
use std::sync::{Arc, Mutex, PoisonError};
use std::thread;

/// The queue's sending end; the workers own the receiving end.
pub struct Pool {
    queue: Sender<TcpStream>,
}

impl Pool {
    /// Starts `workers` threads that serve each queued connection with
    /// handle.
    pub fn start<F>(workers: usize, handle: F) -> io::Result<Pool>
    where
        F: Fn(TcpStream) + Send + Sync + 'static,
    {
        let (queue, rx) = mpsc::channel();
        let rx = Arc::new(Mutex::new(rx));
        let handle = Arc::new(handle);
        for i in 0..workers {
            let rx = Arc::clone(&rx);
            let handle = Arc::clone(&handle);
            thread::Builder::new()
                .name(format!("worker-{i}"))
                .spawn(move || work(&rx, &*handle))?;
        }
        Ok(Pool { queue })
    }

    /// Queues stream for the next free worker.
    pub fn submit(&self, stream: TcpStream) {
        // The workers never drop the receiver while the process runs.
        let _ = self.queue.send(stream);
    }
}

/// Serves queued connections one after another, for ever.
fn work(rx: &Mutex<Receiver<TcpStream>>, handle: &dyn Fn(TcpStream)) {
    loop {
        // The guard is dropped at the end of this statement: one idle
        // worker waits in recv, the others wait for the lock.
        let next = rx.lock().unwrap_or_else(PoisonError::into_inner).recv();
        match next {
            Ok(stream) => handle(stream),
            Err(_) => return,
        }
    }
}
