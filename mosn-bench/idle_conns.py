#!/usr/bin/env python3
"""idle_conns.py PORT N: opens N keep-alive HTTP/1.1 connections to 127.0.0.1:PORT, sends one
GET / on each and reads its whole answer (so each connection has been through a request and is
now an idle keep-alive connection), prints "READY n errors=e" and holds them open until it is
killed (SIGTERM; the kernel closes them). Used by load.sh's memory case to measure a proxy's RSS per idle
downstream connection. Uses non-blocking sockets and select.epoll: no thread per connection."""
import os, select, signal, socket, sys

def main():
    port, n = int(sys.argv[1]), int(sys.argv[2])
    batch = int(os.environ.get("IDLE_BATCH", "500"))
    req = b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
    ep = select.epoll()
    socks, pending, errors = [], {}, 0
    opened = 0
    while opened < n or pending:
        # open a batch, then drive the batch's requests to completion before the next one
        while opened < n and len(pending) < batch:
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            s.setblocking(False)
            # spread over 127.0.0.2-9 so that repeated runs do not run out of ephemeral ports (TIME_WAIT)
            s.bind(("127.0.0.%d" % (2 + opened % 8), 0))
            try:
                s.connect(("127.0.0.1", port))
            except BlockingIOError:
                pass
            socks.append(s)
            pending[s.fileno()] = [s, b"", False]
            ep.register(s.fileno(), select.EPOLLOUT)
            opened += 1
        for fd, ev in ep.poll(5):
            st = pending.get(fd)
            if st is None:
                continue
            s = st[0]
            if ev & (select.EPOLLERR | select.EPOLLHUP) and not ev & select.EPOLLIN:
                errors += 1; ep.unregister(fd); del pending[fd]; continue
            if not st[2]:
                try:
                    s.send(req)
                except OSError:
                    errors += 1; ep.unregister(fd); del pending[fd]; continue
                st[2] = True
                ep.modify(fd, select.EPOLLIN)
                continue
            try:
                data = s.recv(65536)
            except BlockingIOError:
                continue
            except OSError:
                data = b""
            if not data:
                errors += 1; ep.unregister(fd); del pending[fd]; continue
            st[1] += data
            head, sep, body = st[1].partition(b"\r\n\r\n")
            if sep:
                length = 0
                for line in head.split(b"\r\n")[1:]:
                    k, _, v = line.partition(b":")
                    if k.strip().lower() == b"content-length":
                        length = int(v.strip())
                if len(body) >= length:
                    ep.unregister(fd); del pending[fd]
    print("READY %d errors=%d" % (opened - errors, errors), flush=True)
    while True:
        signal.pause()

if __name__ == "__main__":
    main()
