#!/usr/bin/python3
"""Email verification end to end (issue #12, DESIGN §6, docs/verify.md).

A generated leak is ingested as a sensitive breach (public tier none); a
real `breachcheck serve` mails its codes to a real SMTP server on loopback
(tests/mail/smtp_sink.py, Debian's python3-aiosmtpd), then the same tests
run with --mail-dir. The code is read from the mail that arrived. Cases:
the right NIR and mailbox give the ground truth's full payload with the
medical categories; a wrong NIR or another person's mailbox, a household
mailbox (also spelled with other case and a +tag) and a minor's row give
nothing; expired, wrong x5, replayed, a 4th start in a day, a second live
code, a start storm from one /48; an SMTP server that refuses the mail.
Nothing public: the leaked person's NIR, email, phone or name + date of
birth find nothing of the breach, which is listed with the ways to check.
Privacy: nothing serve wrote (log, metrics, error bodies) holds an address
or a code.

usage: verify_e2e.py BREACHCHECK GENLEAK  (env BC_SOURCE, BC_VECTORS)
Exit 77 (skip) when aiosmtpd is missing.
"""
import email
import glob
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

try:
    import aiosmtpd  # noqa: F401
except ImportError:
    print("SKIP: python3-aiosmtpd is not installed (scripts/deps.sh test)")
    sys.exit(77)

BC, GENLEAK = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])
SOURCE = os.environ.get("BC_SOURCE", os.path.join(os.path.dirname(__file__), "..", ".."))
VECTORS = os.environ.get("BC_VECTORS", os.path.join(SOURCE, "tests", "vectors"))
SINK = os.path.join(SOURCE, "tests", "mail", "smtp_sink.py")
WORK = tempfile.mkdtemp(prefix="bc-verify-e2e-")
PROCS = []
FAILS = []
SECRETS = set()   # addresses and codes that must never appear in what serve wrote


def fail(msg):
    FAILS.append(msg)
    print("FAIL:", msg, flush=True)


def check(cond, msg):
    if not cond:
        fail(msg)
    return cond


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    p = s.getsockname()[1]
    s.close()
    return p


def wait_file(path, timeout=20):
    end = time.time() + timeout
    while time.time() < end:
        if os.path.exists(path) and os.path.getsize(path) > 0:
            return True
        time.sleep(0.05)
    return False


def run(args, **kw):
    return subprocess.run(args, capture_output=True, text=True, timeout=120, **kw)


# ---- a leak, ingested as a sensitive breach (public tier none) ----

def setup():
    os.chdir(WORK)
    r = run([GENLEAK, "--rows", "4000", "--seed", "12", "--out", "leak.csv", "--truth", "truth.jsonl", "--quiet"])
    assert r.returncode == 0, r.stderr
    r = run([BC, "keygen", "k.key"])
    assert r.returncode == 0, r.stderr
    r = run([BC, "ingest", "leak.csv", "--index", "idx", "--key", "k.key", "--breach", "labs", "--sensitive",
             "--controller", "Biolab Exemple", "--dpo-contact", "dpo@example.org",
             "--complaint-url", "https://www.cnil.fr/fr/plaintes", "--anonymity", "16", "--quiet"])
    assert r.returncode == 0, r.stderr
    return [json.loads(l) for l in open("truth.jsonl")]


def age_at(dob, day):
    y, m, d = (int(x) for x in dob.split("-"))
    Y, M, D = (int(x) for x in day.split("-"))
    return Y - y - ((M, D) < (m, d))


def clean(p, allowed=()):
    return (p["nir13"] and p["nir_key_states"]["wrong"] == 0 and not p["insured_by"] and not p["twin_of"]
            and not p["homonym_of"] and p["parent_nir_rows"] == 0 and p["dob"]
            and set(p["hard_cases"]) <= set(allowed))


def pick(people):
    adults = [p for p in people if clean(p) and len(p["emails"]) == 1 and not p["shared_with"]["email"]
              and age_at(p["dob"], p["first_sample"]) >= 19]
    a = next(p for p in adults if p["categories"])
    b = next(p for p in adults if p is not a)
    household = [p for p in people if clean(p, ("household_email", "multi_lab")) and p["shared_with"]["email"]
                 and len(p["emails"]) == 1 and age_at(p["dob"], p["first_sample"]) >= 19]
    minors = [p for p in people if clean(p, ("minor", "multi_lab")) and len(p["emails"]) == 1
              and not p["shared_with"]["email"] and age_at(p["dob"], p["last_sample"]) < 17]
    return a, b, household[0] if household else None, minors[0] if minors else None


# ---- servers ----

def start_sink(name, refuse=0):
    md = os.path.join(WORK, name)
    pf = md + ".port"
    args = ["/usr/bin/python3" if os.path.exists("/usr/bin/python3") else "python3", SINK,
            "--maildir", md, "--port-file", pf, "--lifetime", "300"]
    if refuse:
        args += ["--refuse", str(refuse)]
    PROCS.append(subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
    assert wait_file(pf), "the SMTP sink did not start"
    return md, int(open(pf).read())


def start_serve(name, mail_args, extra=()):
    port, mport = free_port(), free_port()
    log = os.path.join(WORK, name + ".log")
    args = [BC, "serve", "--index", "idx", "--key", "k.key", "--listen", f"127.0.0.1:{port}",
            "--metrics-listen", f"127.0.0.1:{mport}", "--web", "none", "--log", log,
            "--smtp-from", "codes@example.org", "--service-name", "Vérification test",
            "--trusted-proxy", "127.0.0.1/32", "--verify-per-client", "1000", "--verify-per-net", "1000",
            "--rate-per-client", "1000"] + list(mail_args) + list(extra)
    err = open(os.path.join(WORK, name + ".stderr"), "w")
    p = subprocess.Popen(args, stdout=err, stderr=err)
    PROCS.append(p)
    url = f"http://127.0.0.1:{port}"
    for _ in range(200):
        try:
            urllib.request.urlopen(url + "/healthz", timeout=1).read()
            return url, f"http://127.0.0.1:{mport}/metrics", log, p
        except Exception:
            time.sleep(0.05)
    raise RuntimeError("serve did not start: " + open(os.path.join(WORK, name + ".stderr")).read())


def post(url, path, body, xff=None):
    req = urllib.request.Request(url + path, data=json.dumps(body).encode(), method="POST",
                                 headers={"Content-Type": "application/json", **({"X-Forwarded-For": xff} if xff else {})})
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            return r.status, json.loads(r.read() or b"{}")
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read() or b"{}")


# ---- mail ----

def mails(md):
    return set(glob.glob(os.path.join(md, "new", "*")))


def code_from(md, before, timeout=20):
    end = time.time() + timeout
    while time.time() < end:
        new = mails(md) - before
        if new:
            m = email.message_from_bytes(open(sorted(new)[0], "rb").read())
            body = m.get_payload(decode=True).decode("utf-8")
            check("Vérification test" in body, "the mail names the service")
            check(not re.search(r"fuite|breach|labo|leak", body, re.I), "the mail says nothing about a breach")
            c = re.search(r"\b(\d{6})\b", body).group(1)
            SECRETS.add(c)
            return c
        time.sleep(0.05)
    return None


# A valid ristretto255 element (RFC 9497 A.1.1, first BlindedElement), for raw evaluate calls.
def verify_tty(url, md, addr, nir):
    """check --verify-email at a terminal (a pty): a mistyped code is asked again, the right one then works."""
    import pty
    import select
    SECRETS.add(addr.lower())
    before = mails(md)
    pid, fd = pty.fork()
    if pid == 0:
        os.execv(BC, [BC, "check", "--server", url, "--verify-email", "--lang", "en",
                      "--cache-dir", os.path.join(WORK, "cache")])
    out = b""

    def until(pat, n=1, timeout=60):
        nonlocal out
        end = time.time() + timeout
        while out.count(pat) < n and time.time() < end:
            if select.select([fd], [], [], 0.5)[0]:
                try:
                    chunk = os.read(fd, 4096)
                except OSError:
                    return False
                if not chunk:
                    return False
                out += chunk
        return out.count(pat) >= n

    rc = -1
    try:
        if until(b"Email address: "):
            os.write(fd, (addr + "\n").encode())
        if until(b"Social security number: "):
            os.write(fd, (nir + "\n").encode())
        code = code_from(md, before) or "000000"
        wrong = str((int(code) + 1) % 1000000).zfill(6)
        if until(b"Code from the email: "):
            os.write(fd, (wrong + "\n").encode())
        if until(b"Code from the email: ", 2):
            os.write(fd, (code + "\n").encode())
        until(b"\x00", timeout=60)  # to the end of the output
    finally:
        for _ in range(600):
            done, status = os.waitpid(pid, os.WNOHANG)
            if done:
                rc = os.waitstatus_to_exitcode(status)
                break
            time.sleep(0.1)
        else:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
        os.close(fd)
    return rc, out.decode("utf-8", "replace")


def vector_element():
    text = open(os.path.join(VECTORS, "rfc9497-ristretto255-sha512.txt")).read()
    m = re.search(r"BlindedElement = ([0-9a-f]+)\n([0-9a-f]+)", text)
    import base64
    return base64.urlsafe_b64encode(bytes.fromhex(m.group(1) + m.group(2))).rstrip(b"=").decode()


def verify_cli(url, md, addr, nir, lang="en"):
    """check --verify-email --stdin: the address and the NIR, then the code read from the mail."""
    SECRETS.add(addr.lower())
    before = mails(md) if md else set()
    p = subprocess.Popen([BC, "check", "--server", url, "--verify-email", "--stdin", "--json", "--lang", lang,
                          "--cache-dir", os.path.join(WORK, "cache")],
                         stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    p.stdin.write(addr + "\n" + nir + "\n")
    p.stdin.flush()
    code = code_from(md, before) if md else None
    out, err = p.communicate((code or "000000") + "\n", timeout=120)
    try:
        rep = json.loads(out)
    except ValueError:
        rep = {}
    return p.returncode, rep, err


def shared_redis(element, logs, metrics_urls, bodies):
    """--redis (issue #15): two evaluators share the codes; the address is not in Redis."""
    if not shutil.which("redis-server") or not shutil.which("redis-cli"):
        print("(redis-server not installed: the shared-codes part is skipped)")
        return
    print("== redis: two evaluators", flush=True)
    rport = free_port()
    rp = subprocess.Popen(["redis-server", "--port", str(rport), "--bind", "127.0.0.1", "--save", "",
                           "--appendonly", "no", "--dir", WORK], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    PROCS.append(rp)
    cli = ["redis-cli", "-p", str(rport)]
    for _ in range(100):
        if run(cli + ["ping"]).stdout.strip() == "PONG":
            break
        time.sleep(0.1)
    md = os.path.join(WORK, "maildir-redis")
    margs = ["--mail-dir", md, "--redis", f"redis://127.0.0.1:{rport}"]
    e1, m1, l1, _ = start_serve("redis1", margs)
    e2, m2, l2, _ = start_serve("redis2", margs)
    logs += [l1, l2]
    metrics_urls += [m1, m2]
    w = "shared.redis@example.org"
    SECRETS.add(w)
    evaluated = []
    for n, (a, b) in enumerate([(e1, e2), (e2, e1), (e1, e2)]):
        before = mails(md)
        st, j = post(a, "/v1/verify/start", {"email": w}, "198.51.100.9")
        check(st == 200, f"redis: start {n + 1} on one evaluator ({st} {j})")
        vid = j.get("verification_id")
        code = code_from(md, before)
        if n == 0:
            # a live code on one evaluator is live on the other
            st, j = post(b, "/v1/verify/start", {"email": w}, "198.51.100.9")
            bodies.append(j)
            check(st == 429 and j["error"]["code"] == "rate_limited", f"redis: live code seen by the other ({st})")
            keys = run(cli + ["--scan", "--pattern", "bc:vc:*"]).stdout.split()
            dump = " ".join(keys)
            for k in keys:
                t = run(cli + ["type", k]).stdout.strip()
                dump += run(cli + ["--no-raw"] + (["hgetall", k] if t == "hash" else ["get", k])).stdout
            check(any(k.startswith("bc:vc:r:") for k in keys) and any(k.startswith("bc:vc:k:") for k in keys),
                  f"redis: the record and the day's key are in Redis ({keys})")
            check(len(dump) > 200 and w not in dump.lower() and "shared.redis" not in dump.lower(),
                  "redis: no address in Redis")
        st, j = post(b, "/v1/verify/evaluate", {"verification_id": vid, "code": code, "blinded_element": element})
        check(st == 200 and "evaluated_element" in j, f"redis: code started on one evaluates on the other ({st} {j})")
        evaluated.append(j.get("evaluated_element"))
        st, j = post(a, "/v1/verify/evaluate", {"verification_id": vid, "code": code, "blinded_element": element})
        bodies.append(j)
        check(st == 400 and j["error"]["code"] == "code_expired", f"redis: replay on the first refused ({st})")
    check(len(set(evaluated)) == 1 and evaluated[0], "redis: the same address (decrypted) on both evaluators")
    st, j = post(e2, "/v1/verify/start", {"email": w}, "198.51.100.9")
    bodies.append(j)
    check(st == 429 and j["error"]["code"] == "rate_limited", f"redis: the 4th start of the day refused across ({st})")
    # Redis gone: fail closed, counted
    rp.send_signal(signal.SIGTERM)
    rp.wait(timeout=10)
    st, j = post(e1, "/v1/verify/start", {"email": "down.redis@example.org"}, "198.51.100.10")
    bodies.append(j)
    check(st == 503 and j["error"]["code"] == "unavailable", f"redis: down, start answers 503 ({st} {j})")
    st, j = post(e2, "/v1/verify/evaluate", {"verification_id": "A" * 22, "code": "123456", "blinded_element": element})
    bodies.append(j)
    check(st == 503, f"redis: down, evaluate answers 503 ({st})")
    met = urllib.request.urlopen(m1).read().decode()
    m = re.search(r"^breachcheck_redis_unavailable_total (\d+)", met, re.M)
    check(m and int(m.group(1)) >= 1, "redis: the refusals are counted in the metrics")


def main():
    people = setup()
    a, b, hh, minor = pick(people)
    element = vector_element()

    sink_md, sink_port = start_sink("sink")
    refuse_md, refuse_port = start_sink("refuse", refuse=550)
    modes = [("smtp", sink_md, ["--smtp-url", f"smtp://127.0.0.1:{sink_port}"]),
             ("maildir", os.path.join(WORK, "maildir"), ["--mail-dir", os.path.join(WORK, "maildir")])]
    logs, metrics_urls, bodies = [], [], []
    for name, md, margs in modes:
        url, murl, log, _ = start_serve(name, margs)
        logs.append(log)
        metrics_urls.append(murl)
        print(f"== {name}", flush=True)

        # the right NIR and the right mailbox: the ground truth's full payload
        rc, rep, err = verify_cli(url, md, a["emails"][0], a["nir13"], "fr" if name == "smtp" else "en")
        if check(rc == 0 and rep.get("found"), f"{name}: right NIR + mailbox found ({rc}: {err[-300:]})"):
            hit = rep["breaches"][0]
            check(hit["rows"] == a["rows"], f"{name}: rows {hit['rows']} == truth {a['rows']}")
            check(set(a["categories"]) <= set(hit["data_classes"]), f"{name}: medical categories shown")
            check("medical_comment" in hit["data_classes"], f"{name}: the medical comment's existence")
            check(set(hit["sources"]) <= set(a["labs"]) and hit["sources"], f"{name}: labs")
            check(hit["first_month"] == a["first_sample"][:7] and hit["last_month"] == a["last_sample"][:7],
                  f"{name}: period")
            check(any(x["id"] == "blackmail" for x in hit["advice"]), f"{name}: blackmail advice")
        # at a terminal, a mistyped code is asked again (a new start would be refused while
        # the code lives), and the right one then gives the record
        if name == "maildir":
            rc, out = verify_tty(url, md, a["emails"][0], a["nir13"])
            check(rc == 0 and "does not match the one mailed" in out and "You are in this breach" in out,
                  f"{name}: a wrong code at the prompt, then the right one ({rc}: {out[-400:]})")
        # a wrong NIR, another person's mailbox: nothing
        rc, rep, err = verify_cli(url, md, a["emails"][0], b["nir13"])
        check(rc == 1 and rep.get("found") is False, f"{name}: wrong NIR not found ({rc})")
        rc, rep, err = verify_cli(url, md, b["emails"][0], a["nir13"])
        check(rc == 1 and rep.get("found") is False, f"{name}: another's mailbox not found ({rc})")
        # a household mailbox, also spelled with other case and a +tag: nothing, for anyone
        if check(hh is not None, "the leak has a household mailbox"):
            e = hh["emails"][0]
            rc, rep, err = verify_cli(url, md, e, hh["nir13"])
            check(rc == 1, f"{name}: household mailbox gives nothing ({rc})")
            local, dom = e.split("@")
            rc, rep, err = verify_cli(url, md, local.upper() + "+labo@" + dom.upper(), hh["nir13"])
            check(rc == 1, f"{name}: household mailbox spelled otherwise gives nothing ({rc})")
        if check(minor is not None, "the leak has a minor with a NIR and an email of their own"):
            rc, rep, err = verify_cli(url, md, minor["emails"][0], minor["nir13"])
            check(rc == 1, f"{name}: a minor's row gives nothing ({rc})")

        # a second live code for one address: refused
        x = f"live.{name}@example.org"
        SECRETS.add(x)
        st, j = post(url, "/v1/verify/start", {"email": x}, "198.51.100.1")
        check(st == 200, f"{name}: start {st}")
        st, j = post(url, "/v1/verify/start", {"email": x.upper()}, "198.51.100.1")
        bodies.append(j)
        check(st == 429 and j["error"]["code"] == "rate_limited", f"{name}: second live code refused ({st})")
        # ... and so is another spelling of the same mailbox (+tag): limits count mailboxes
        st, j = post(url, "/v1/verify/start", {"email": x.replace("@", "+other@")}, "198.51.100.1")
        bodies.append(j)
        check(st == 429 and j["error"]["code"] == "rate_limited", f"{name}: +tag of a live mailbox refused ({st})")
        # ... and check says why no code came, in its language, not "too many searches"
        if name == "maildir":
            for lang, words in (("en", "one live code per address at a time"), ("fr", "un seul code à la fois")):
                p = subprocess.run([BC, "check", "--server", url, "--verify-email", "--stdin", "--lang", lang,
                                    "--cache-dir", os.path.join(WORK, "cache")], input=f"{x}\n{a['nir13']}\n",
                                   capture_output=True, text=True, timeout=120)
                check(p.returncode == 3 and words in p.stderr and re.search(r"\b(minutes|secondes?|seconds?)\b", p.stderr),
                      f"{name}: check --verify-email on a live code says why ({lang} {p.returncode}: {p.stderr[-300:]})")

        # wrong x5, then even the right code: too_many_tries
        y = f"tries.{name}@example.org"
        SECRETS.add(y)
        before = mails(md)
        st, j = post(url, "/v1/verify/start", {"email": y}, "198.51.100.2")
        vid = j.get("verification_id")
        code = code_from(md, before)
        wrong = "%06d" % ((int(code) + 1) % 1000000)
        for i in range(5):
            st, j = post(url, "/v1/verify/evaluate", {"verification_id": vid, "code": wrong, "blinded_element": element})
            bodies.append(j)
            check(st == 400 and j["error"]["code"] == "code_invalid", f"{name}: wrong code {i + 1} ({st})")
        st, j = post(url, "/v1/verify/evaluate", {"verification_id": vid, "code": code, "blinded_element": element})
        bodies.append(j)
        check(st == 400 and j["error"]["code"] == "too_many_tries", f"{name}: 6th try refused ({st} {j})")

        # usable once: a replay is code_expired; a 4th start in a day is refused
        z = f"replay.{name}@example.org"
        SECRETS.add(z)
        for n in range(3):
            before = mails(md)
            st, j = post(url, "/v1/verify/start", {"email": z}, "198.51.100.3")
            check(st == 200, f"{name}: start {n + 1} of the day ({st})")
            vid = j.get("verification_id")
            code = code_from(md, before)
            st, j = post(url, "/v1/verify/evaluate", {"verification_id": vid, "code": code, "blinded_element": element})
            check(st == 200 and "evaluated_element" in j and "proof" in j, f"{name}: evaluate ({st})")
            st, j = post(url, "/v1/verify/evaluate", {"verification_id": vid, "code": code, "blinded_element": element})
            bodies.append(j)
            check(st == 400 and j["error"]["code"] == "code_expired", f"{name}: replay refused ({st})")
        st, j = post(url, "/v1/verify/start", {"email": z}, "198.51.100.3")
        bodies.append(j)
        check(st == 429 and j["error"]["code"] == "rate_limited", f"{name}: 4th start in a day refused ({st})")

        # nothing public: every identifier of the person finds nothing of this breach
        ids = "\n".join([f"nir={a['nir13']}", f"email={a['emails'][0]}", f"last_name={a['last_names']['birth']}",
                         f"first_name={a['first_name']}", f"dob={a['dob']}"] +
                        ([f"phone={a['phones'][0]}"] if a["phones"] else [])) + "\n"
        r = run([BC, "check", "--server", url, "--stdin", "--json", "--cache-dir", os.path.join(WORK, "cache")], input=ids)
        rep = json.loads(r.stdout or "{}")
        check(r.returncode == 1 and rep.get("found") is False, f"{name}: nothing public ({r.returncode} {r.stderr[-200:]})")
        check([x["name"] for x in rep.get("private_breaches", [])] == ["labs"] and
              "email_verification" in rep["private_breaches"][0]["ways"], f"{name}: the breach listed with the ways")
        cfg = json.loads(urllib.request.urlopen(url + "/v1/config").read())
        check(cfg["breaches"][0]["public_tier"] == "none", f"{name}: /v1/config public_tier none")

    # an SMTP server that refuses the mail: a clear error, not a success
    url, murl, log, _ = start_serve("refusing", ["--smtp-url", f"smtp://127.0.0.1:{refuse_port}"])
    logs.append(log)
    metrics_urls.append(murl)
    st, j = post(url, "/v1/verify/start", {"email": "refused@example.org"}, "198.51.100.4")
    bodies.append(j)
    check(st == 502 and j["error"]["code"] == "mail_failed" and "550" in j["error"]["message"],
          f"refused mail: 502 mail_failed naming the reply ({st} {j})")
    rc, rep, err = verify_cli(url, None, a["emails"][0], a["nir13"])
    check(rc == 3 and "mail_failed" in json.dumps(rep), f"refused mail: check exits 3 ({rc} {err[-200:]})")
    m = urllib.request.urlopen(murl).read().decode()
    check("breachcheck_verify_mail_failures_total 2\n" in m and "breachcheck_verify_codes_sent_total 0\n" in m,
          "refused mail: the two failures are counted in the metrics, no code as sent")

    # expiry and a start storm from one /48
    md = os.path.join(WORK, "maildir2")
    url, murl, log, _ = start_serve("short", ["--mail-dir", md], ["--verify-ttl", "1", "--verify-per-net", "4"])
    logs.append(log)
    metrics_urls.append(murl)
    before = mails(md)
    st, j = post(url, "/v1/verify/start", {"email": "late@example.org"}, "2001:db8:aaaa:1::1")
    SECRETS.add("late@example.org")
    code = code_from(md, before)
    time.sleep(2.2)
    st, j = post(url, "/v1/verify/evaluate", {"verification_id": j["verification_id"], "code": code, "blinded_element": element})
    bodies.append(j)
    check(st == 400 and j["error"]["code"] == "code_expired", f"expired code refused ({st})")
    storm = []
    for i in range(6):
        st, j = post(url, "/v1/verify/start", {"email": f"storm{i}@example.org"}, f"2001:db8:bbbb:{i + 1:x}::1")
        SECRETS.add(f"storm{i}@example.org")
        storm.append(st)
        bodies.append(j)
    check(storm[:4] == [200] * 4 and storm[4:] == [429, 429], f"start storm from one /48 stopped: {storm}")
    # every code this server mailed is counted once, and only those (the storm's
    # refusals mail nothing): 1 + 4 codes, the Maildir's 5 messages
    m = urllib.request.urlopen(murl).read().decode()
    n = len(mails(md))
    check(n == 5 and f"breachcheck_verify_codes_sent_total {n}\n" in m
          and "breachcheck_verify_mail_failures_total 0\n" in m,
          f"the metrics count the {n} codes mailed, no failure")

    # privacy: nothing serve wrote holds an address or a code
    shared_redis(element, logs, metrics_urls, bodies)
    written = ""
    for l in logs:
        written += open(l, encoding="utf-8", errors="replace").read()
    for f in glob.glob(os.path.join(WORK, "*.stderr")):
        written += open(f, encoding="utf-8", errors="replace").read()
    for m in metrics_urls:
        written += urllib.request.urlopen(m).read().decode()
    written += json.dumps(bodies, ensure_ascii=False)
    written = written.lower()
    leaked = [s for s in SECRETS if s.lower() in written]
    check(len(written) > 1000 and not leaked, f"serve's log, metrics and errors hold no address or code ({leaked[:3]})")
    check(len(SECRETS) > 20, "the privacy scan looked for the addresses and codes used")


try:
    main()
finally:
    for p in PROCS:
        p.send_signal(signal.SIGTERM)
    for p in PROCS:
        try:
            p.wait(timeout=10)
        except subprocess.TimeoutExpired:
            p.kill()
    if not FAILS:
        shutil.rmtree(WORK, ignore_errors=True)
    else:
        print("work dir kept:", WORK)
print("verify e2e:", "all passed" if not FAILS else f"{len(FAILS)} failed")
sys.exit(1 if FAILS else 0)
