#!/usr/bin/python3
"""traffic.py - bounded traffic between the OVS lab's hosts (run inside a
host's namespace with `ip netns exec`).

  traffic.py sink --ready FILE [--seconds S]    UDP 9999 and TCP 8080;
                                                prints what it received
  traffic.py udp DST COUNT                      COUNT datagrams, 1 ms apart
  traffic.py tcp DST COUNT PAYLOAD              one connection, COUNT
                                                writes of PAYLOAD + padding

Standard library only.
"""
import select
import signal
import socket
import sys
import time

UDP_PORT, TCP_PORT = 9999, 8080


def sink(ready, seconds):
    u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    u.bind(("0.0.0.0", UDP_PORT))
    t = socket.socket()
    t.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    t.bind(("0.0.0.0", TCP_PORT))
    t.listen(16)
    stop = []
    signal.signal(signal.SIGTERM, lambda *_: stop.append(1))
    open(ready, "w").close()
    socks, nudp, ntcp = [u, t], 0, 0
    end = time.monotonic() + seconds
    while not stop and time.monotonic() < end:
        try:
            r, _, _ = select.select(socks, [], [], 0.2)
        except InterruptedError:
            continue
        for s in r:
            if s is u:
                u.recv(65535)
                nudp += 1
            elif s is t:
                socks.append(t.accept()[0])
            else:
                d = s.recv(65536)
                if d:
                    ntcp += len(d)
                else:
                    socks.remove(s)
                    s.close()
    print("sink udp=%d tcp_bytes=%d" % (nudp, ntcp), flush=True)


def main():
    mode = sys.argv[1]
    if mode == "sink":
        ready = sys.argv[sys.argv.index("--ready") + 1]
        seconds = float(sys.argv[sys.argv.index("--seconds") + 1]) \
            if "--seconds" in sys.argv else 60
        sink(ready, seconds)
    elif mode == "udp":
        dst, count = sys.argv[2], int(sys.argv[3])
        u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        for i in range(count):
            u.sendto(b"%d probe " % i + b"u" * 100, (dst, UDP_PORT))
            time.sleep(0.001)
    elif mode == "tcp":
        dst, count, payload = sys.argv[2], int(sys.argv[3]), \
            sys.argv[4].encode()
        c = socket.create_connection((dst, TCP_PORT), timeout=5)
        chunk = payload + b"\r\n" + b"t" * max(0, 1000 - len(payload))
        for _ in range(count):
            c.sendall(chunk)
            time.sleep(0.002)
        c.shutdown(socket.SHUT_WR)
        c.recv(1)           # the sink's FIN: a clean close both ways
        c.close()
    else:
        sys.exit("usage: traffic.py sink|udp|tcp ...")


if __name__ == "__main__":
    main()
