#!/usr/bin/python3
"""notify --email end to end (issue 13 "Done when", emails), with a real SMTP
server on loopback (Debian's python3-aiosmtpd, run in this process):
- one message per distinct address of the notices, none with a claim code,
  "claim=" or a name; text and HTML, French and English;
- notify killed with SIGKILL at 5 random moments and resumed: no address
  missed, at most one duplicate per kill, and the duplicates counted;
- recipients refused for good (550) and for a while (451, retried with
  backoff) give a correct summary;
- a late bounce (--bounces) queues that person for a letter;
- the journal holds no address.
Exit 77 (skip) without aiosmtpd."""
import email, email.policy, json, os, random, re, shutil, signal, socket, subprocess, sys, tempfile, threading, time

try:
    from aiosmtpd.controller import Controller
except ImportError:
    print("SKIP: python3-aiosmtpd is not installed (scripts/deps.sh test)")
    sys.exit(77)

build = os.environ["BC_BUILD"]
bc = os.path.join(build, "breachcheck")
gen = os.path.join(build, "bc-genleak")


class Handler:
    def __init__(self, refuse, later):
        self.refuse, self.later = refuse, later
        self.got = []          # (rcpt, message-id, raw)
        self.lock = threading.Lock()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.refuse:
            return "550 5.1.1 no such user (test)"
        if address in self.later:
            return "451 4.7.1 try again later (test)"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        msg = email.message_from_bytes(envelope.original_content or envelope.content, policy=email.policy.default)
        with self.lock:
            for r in envelope.rcpt_tos:
                self.got.append((r, msg["Message-ID"], envelope.original_content or envelope.content))
        return "250 accepted"


def run(*a, **kw):
    r = subprocess.run(a, capture_output=True, text=True, **kw)
    if r.returncode != 0:
        sys.exit(f"FAIL {a[:3]}: {r.returncode}\n{r.stderr}")
    return r


def main():
    tmp = tempfile.mkdtemp(prefix="bc-email-")
    ctl = None
    try:
        leak, key, idx, notes = (os.path.join(tmp, x) for x in ("leak.csv", "k.key", "index", "notices"))
        run(gen, "--quiet", "--seed", "9", "--rows", "1500", "--dependants", "0.6", "--out", leak)
        run(bc, "keygen", key)
        run(bc, "ingest", leak, "--index", idx, "--key", key, "--breach", "labs", "--notices", notes, "--sensitive",
            "--title", "Fuite des laboratoires Exemple", "--title-en", "Exemple labs breach",
            "--controller", "Laboratoires Exemple SAS", "--dpo-contact", "dpo@labo.example.fr",
            "--complaint-url", "https://labo.example.fr/plainte", "--anonymity", "8", "--quiet")
        # a second breach ingested after it: the message still names the notices' breach
        leak2 = os.path.join(tmp, "other.csv")
        run(gen, "--quiet", "--seed", "10", "--rows", "200", "--out", leak2)
        run(bc, "ingest", leak2, "--index", idx, "--key", key, "--breach", "other", "--sensitive",
            "--title", "Autre fuite", "--controller", "Autre Responsable", "--dpo-contact", "dpo@autre.example.fr",
            "--complaint-url", "https://autre.example.fr/plainte", "--anonymity", "8", "--quiet")
        notices = [json.loads(l) for l in run(bc, "notify", notes, "--export").stdout.splitlines()]
        addrs = sorted({e for n in notices for e in n["emails"]})
        assert len(addrs) > 300, len(addrs)
        rnd = random.Random(4)
        refuse = set(rnd.sample(addrs, 5))
        later = set(rnd.sample([a for a in addrs if a not in refuse], 3))
        h = Handler(refuse, later)
        for _ in range(20):
            s = socket.socket(); s.bind(("127.0.0.1", 0)); port = s.getsockname()[1]; s.close()
            ctl = Controller(h, hostname="127.0.0.1", port=port, ready_timeout=10)
            try:
                ctl.start(); break
            except Exception:
                ctl = None
        assert ctl, "no SMTP server"
        cmd = [bc, "notify", notes, "--email", "--smtp-url", f"smtp://127.0.0.1:{port}", "--from",
               "notification@labo.example.fr", "--page-url", "https://check.example.fr/", "--index", idx,
               "--domain-interval-ms", "1", "--retry-base-ms", "20"]
        # a trial into a Maildir first (docs/notify.md): it must not count as the
        # campaign; the SMTP run below still mails everyone
        trial = os.path.join(tmp, "trial-maildir")
        run(bc, "notify", notes, "--email", "--mail-dir", trial, "--from", "notification@labo.example.fr",
            "--page-url", "https://check.example.fr/", "--index", idx, "--domain-interval-ms", "0")
        assert len(os.listdir(os.path.join(trial, "new"))) == len(addrs), "the trial mailed everyone"
        assert not os.path.exists(os.path.join(notes, "email.journal")), "the trial used the SMTP journal"
        # the same Maildir named otherwise (relative, ./, a symlink) is the same trial: it
        # resumes, nobody gets a second message in it
        os.symlink(trial, os.path.join(tmp, "trial-link"))
        for name in ("trial-maildir/", "./trial-maildir", "trial-link"):
            run(bc, "notify", notes, "--email", "--mail-dir", name, "--from", "notification@labo.example.fr",
                "--page-url", "https://check.example.fr/", "--index", idx, "--domain-interval-ms", "0", cwd=tmp)
            assert len(os.listdir(os.path.join(trial, "new"))) == len(addrs), f"--mail-dir {name} mailed again"
        kills = 0
        for _ in range(5):
            p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            time.sleep(rnd.uniform(0.3, 2.0))
            if p.poll() is None:
                p.send_signal(signal.SIGKILL)
                kills += 1
            p.wait(timeout=30)
        r = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
        assert r.returncode == 0, r.stderr
        out = r.stderr
        m = re.search(r"emails: (\d+) addresses, (\d+) sent, failed: (\d+) refused for good \(5xx\), (\d+) still "
                      r"refused after retries \(4xx\), (\d+) not delivered \(connection\); (\d+) bounced; (\d+) "
                      r"duplicates", out)
        assert m, out
        n_addr, sent, f5, f4, fx, bounced, dups = map(int, m.groups())
        assert n_addr == len(addrs) and f5 == len(refuse) and f4 == len(later) and fx == 0, out
        assert sent == len(addrs) - len(refuse) - len(later), out
        got = {}
        for rcpt, mid, raw in h.got:
            got.setdefault(rcpt, []).append(mid)
        deliverable = set(addrs) - refuse - later
        assert set(got) == deliverable, ("missed", sorted(deliverable - set(got))[:3])
        real_dups = sum(len(v) - 1 for v in got.values())
        assert all(len(set(v)) == 1 for v in got.values()), "a resend keeps its Message-ID"
        assert real_dups <= kills and real_dups <= dups <= kills, (real_dups, dups, kills)
        # no code, no personal link, no name in any message; both languages, text and HTML
        codes = [n["code"] for n in notices if n["code"]]
        names = {n["name"]["last"] for n in notices if n["name"]["last"] and len(n["name"]["last"]) > 4}
        for rcpt, mid, raw in h.got[:200]:
            text = raw.decode("utf-8", "replace")
            msg = email.message_from_bytes(raw, policy=email.policy.default)
            body = msg.get_body(("plain",)).get_content()
            html = msg.get_body(("html",)).get_content()
            assert "English" in body and "Bonjour" in body and "<p>" in html
            fr, en = body.split("--- English ---")
            # each language names the breach in its own words, and its controller
            assert "(Fuite des laboratoires Exemple). Laboratoires Exemple SAS vous" in fr, fr
            assert "(Exemple labs breach). Laboratoires Exemple SAS tells" in en, en
            assert "Autre" not in body, body
            assert msg["From"].addresses[0].display_name == "Laboratoires Exemple SAS", msg["From"]
            assert "claim=" not in text and not any(c in text or c.replace("-", "") in text for c in codes[:400])
            assert not any(nm in body for nm in names)
        jr = open(os.path.join(notes, "email.journal")).read()
        assert "@" not in jr.replace("@labo.example.fr>", ""), "the journal holds no address"
        assert os.stat(os.path.join(notes, "email.journal")).st_mode & 0o777 == 0o600
        # a late bounce, read back: that person is queued for a letter
        victim = next(a for a in sorted(deliverable) if sum(a in n["emails"] for n in notices) == 1)
        person = next(n for n in notices if victim in n["emails"])
        mid = got[victim][0]
        bdir = os.path.join(tmp, "bounces")
        for sub in ("tmp", "new", "cur"):
            os.makedirs(os.path.join(bdir, sub))
        with open(os.path.join(bdir, "new", "1.bounce"), "w") as f:
            f.write("From: MAILER-DAEMON@example.net\nSubject: Undelivered Mail Returned to Sender\n\n"
                    f"Final-Recipient: rfc822; x\nAction: failed\nStatus: 5.1.1\n\nMessage-ID: {mid}\n")
        r = run(*cmd, "--bounces", bdir)
        assert "1 bounced" in r.stderr, r.stderr
        queue = open(os.path.join(notes, "letter-queue.txt")).read().split()
        if person["address"] and len(person["emails"]) == 1:
            assert person["ref"] in queue, (person["ref"], queue[:5])
        print(f"OK: {len(addrs)} addresses, {sent} sent, {f5} refused, {f4} refused for now, {kills} kills, "
              f"{real_dups} duplicates delivered, {dups} counted")
        return 0
    finally:
        if ctl:
            ctl.stop()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
