#!/usr/bin/python3
"""An HTTP CONNECT proxy that cuts tunnels mid-stream, for resume tests.

registry_cutproxy.py PORT CUT_AFTER CUTS LOG [RATE]
Each tunnel is closed after CUT_AFTER bytes went to the client, until CUTS
tunnels have been cut; later tunnels pass through. LOG gets one line per
tunnel: "tunnel <n> <bytes to client> cut|done". RATE (bytes/s per tunnel)
slows what goes to the client, so a test can stop a pull midway.
"""
import socket, sys, threading, time

port, cut_after, cuts, logpath = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
rate = int(sys.argv[5]) if len(sys.argv) > 5 else 0
lock = threading.Lock()
state = {"cuts": 0, "n": 0}


def log(line):
    with lock, open(logpath, "a") as f:
        f.write(line + "\n")


def handle(c):
    head = b""
    while b"\r\n\r\n" not in head:
        d = c.recv(1)
        if not d:
            c.close()
            return
        head += d
    target = head.split(b" ")[1].decode()
    host, p = target.rsplit(":", 1)
    try:
        s = socket.create_connection((host, int(p)))
    except OSError:
        c.sendall(b"HTTP/1.1 502 Bad Gateway\r\n\r\n")
        c.close()
        return
    c.sendall(b"HTTP/1.1 200 Connection established\r\n\r\n")
    with lock:
        state["n"] += 1
        n = state["n"]
        cut = state["cuts"] < cuts
    sent = [0]
    done = threading.Event()

    def up():
        try:
            while True:
                d = c.recv(65536)
                if not d:
                    break
                s.sendall(d)
        except OSError:
            pass
        done.set()

    threading.Thread(target=up, daemon=True).start()
    how = "done"
    try:
        while True:
            d = s.recv(16384)
            if not d:
                break
            if cut and sent[0] + len(d) > cut_after:
                with lock:
                    if state["cuts"] < cuts:
                        state["cuts"] += 1
                        how = "cut"
                if how == "cut":
                    c.sendall(d[:cut_after - sent[0]])
                    sent[0] = cut_after
                    break
            c.sendall(d)
            sent[0] += len(d)
            if rate:
                time.sleep(len(d) / rate)
    except OSError:
        pass
    log("tunnel %d %d %s" % (n, sent[0], how))
    for x in (c, s):
        try:
            x.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        x.close()


srv = socket.socket()
srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
srv.bind(("127.0.0.1", port))
srv.listen(16)
while True:
    conn, _ = srv.accept()
    threading.Thread(target=handle, args=(conn,), daemon=True).start()
