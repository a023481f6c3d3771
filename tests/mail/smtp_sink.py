#!/usr/bin/python3
"""A real SMTP server on loopback for the tests (Debian's python3-aiosmtpd).

Every message it accepts is written, as received (DATA bytes), into a
Maildir (DIR/new/), with the envelope in DIR/envelopes.jsonl. With
--refuse CODE it answers CODE to RCPT TO instead (a server that refuses the
mail). It listens on 127.0.0.1 on a free port, writes that port into
--port-file once it accepts connections, and stops on SIGTERM or after
--lifetime seconds (a bound, so a failed test leaves nothing behind).

usage: smtp_sink.py --maildir DIR --port-file FILE [--refuse CODE] [--lifetime S]
Exit status 77 (skip) when aiosmtpd is missing.
"""
import argparse
import json
import os
import signal
import socket
import sys
import threading
import time

try:
    from aiosmtpd.controller import Controller
except ImportError:
    print("SKIP: python3-aiosmtpd is not installed (scripts/deps.sh test)", file=sys.stderr)
    sys.exit(77)


class Handler:
    def __init__(self, maildir, refuse):
        self.maildir = maildir
        self.refuse = refuse
        self.lock = threading.Lock()
        self.n = 0
        for sub in ("tmp", "new", "cur"):
            os.makedirs(os.path.join(maildir, sub), exist_ok=True)

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if self.refuse:
            return f"{self.refuse} 5.7.1 refused by the test server"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        with self.lock:
            self.n += 1
            name = f"{time.time():.6f}.{os.getpid()}.{self.n}.sink"
            tmp = os.path.join(self.maildir, "tmp", name)
            with open(tmp, "wb") as f:
                f.write(envelope.original_content or envelope.content)
            os.rename(tmp, os.path.join(self.maildir, "new", name))
            with open(os.path.join(self.maildir, "envelopes.jsonl"), "a") as f:
                f.write(json.dumps({"file": name, "from": envelope.mail_from,
                                    "to": envelope.rcpt_tos}) + "\n")
        return "250 Message accepted"


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--maildir", required=True)
    ap.add_argument("--port-file", required=True)
    ap.add_argument("--refuse", type=int, default=0)
    ap.add_argument("--lifetime", type=float, default=600)
    a = ap.parse_args()
    handler = Handler(a.maildir, a.refuse)
    for _ in range(20):
        port = free_port()
        ctl = Controller(handler, hostname="127.0.0.1", port=port, ready_timeout=10)
        try:
            ctl.start()
            break
        except Exception:  # port taken between the probe and the bind: try another
            continue
    else:
        print("smtp_sink: no free port", file=sys.stderr)
        sys.exit(1)
    with open(a.port_file + ".tmp", "w") as f:
        f.write(str(port))
    os.rename(a.port_file + ".tmp", a.port_file)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    stop.wait(a.lifetime)
    ctl.stop()


if __name__ == "__main__":
    main()
