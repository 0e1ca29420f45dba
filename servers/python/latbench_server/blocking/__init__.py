"""The blocking I/O form (--io blocking): threads and blocking sockets.

One acceptor thread accepts connections and puts them on a queue.Queue;
a fixed pool of --workers threads takes them one at a time and serves
each until it closes, with blocking reads and writes. While every worker
is busy, new connections wait in the queue: a slow dependency (GET
/delay/D/bytes/N, which sleeps on its worker) starves the pool. There is
no asyncio in this form and it runs in one process (--threads is for the
async form).

    pool       the fixed pools of daemon threads
    server     the acceptor, the connection pool and the stop signal
    echo       echo mode
    httpserver http mode (httptools parses, routes answers)
    proxy      proxy mode (a second pool relays backend to client)
"""
