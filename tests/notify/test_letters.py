#!/usr/bin/env python3
"""notify --letters end to end (issue 13 "Done when", letters): a generated
leak is ingested with --notices, letters are rendered, then
- pdftotext shows each sampled letter's name, street and code (from the
  decrypted export), and no medical category word on any page;
- every letter has the same number of pages, and the same words apart from
  the name, address, code, reference and the list of data classes;
- zbarimg decodes each sampled QR code to PAGE_URL#claim=CODE of that letter;
- the death list holds letters back, the summary counts them;
- a pdftoppm image of one letter is kept (BC_BUILD/test-artifacts/);
- nothing outside DIR holds a code or a name, DIR/letters is 0700 and its files 0600.
Needs poppler-utils and zbar-tools (scripts/deps.sh test)."""
import json, os, re, shutil, subprocess, sys, tempfile

build = os.environ["BC_BUILD"]
bc = os.path.join(build, "breachcheck")
gen = os.path.join(build, "bc-genleak")
URL = "https://check.example.fr/"
MEDICAL = ["grossesse", "enceinte", "vih", "sida", "hépatite", "hepatite", "diabète", "diabete", "cancer",
           "anticoagul", "pregnan", "hiv", "hepatitis", "diabetes", "séropositi"]

def run(*args, **kw):
    r = subprocess.run(args, capture_output=True, text=True, **kw)
    if r.returncode != 0:
        sys.exit(f"FAIL: {' '.join(args[:3])}...: exit {r.returncode}\n{r.stderr}")
    return r

def main():
    for tool in ("pdftotext", "pdftoppm", "zbarimg", "pdfinfo"):
        if not shutil.which(tool):
            print(f"SKIP: {tool} missing (scripts/deps.sh test installs poppler-utils, zbar-tools)")
            return 77
    tmp = tempfile.mkdtemp(prefix="bc-letters-")
    try:
        leak, key, idx, notes = (os.path.join(tmp, x) for x in ("leak.csv", "k.key", "index", "notices"))
        run(gen, "--quiet", "--seed", "3", "--rows", "3000", "--dependants", "0.6", "--out", leak)
        run(bc, "keygen", key)
        run(bc, "ingest", leak, "--index", idx, "--key", key, "--breach", "labs", "--notices", notes,
            "--sensitive", "--controller", "Laboratoires Exemple SAS", "--dpo-contact", "dpo@labo.example.fr",
            "--complaint-url", "https://labo.example.fr/plainte", "--anonymity", "8", "--quiet")
        notices = [json.loads(l) for l in run(bc, "notify", notes, "--export").stdout.splitlines()]
        assert len(notices) > 500, len(notices)
        with_addr = [n for n in notices if n["address"] and all(n["address"].get(k) for k in ("street", "postcode", "city"))
                     and n["name"]["last"]]
        # death list: one by NIR, one by name + date of birth
        by_nir = next(n for n in with_addr[1:] if n["match"].get("nir"))
        by_name = next(n for n in with_addr[1:] if n is not by_nir and n["match"].get("last_name"))
        dead = os.path.join(tmp, "deceased.txt")
        with open(dead, "w") as f:
            f.write(by_nir["match"]["nir"] + "\n")
            f.write(f'{by_name["match"]["last_name"]};{by_name["match"]["first_name"]};{by_name["match"]["dob"]}\n')
        r = run(bc, "notify", notes, "--letters", "--index", idx, "--key", key, "--page-url", URL,
                "--helpline", "01 99 00 12 34", "--batch", "100", "--limit", "400", "--deceased", dead)
        m = re.search(r"letters: (\d+) printed \((\d+) pages each, (\d+) file", r.stderr)
        assert m, r.stderr
        printed, pages, files = map(int, m.groups())
        first400 = notices[:400]
        held = sum(1 for n in first400 if n is by_nir or n is by_name)
        addr400 = [n for n in first400 if n in with_addr]
        want = [n for n in addr400 if n is not by_nir and n is not by_name]
        assert printed == len(want), (printed, len(want), r.stderr)
        assert f"{held} held back" in r.stderr, r.stderr
        assert f"{len(first400) - len(addr400)} without a postal address" in r.stderr, r.stderr
        ldir = os.path.join(notes, "letters")
        assert os.stat(ldir).st_mode & 0o777 == 0o700
        pdfs = sorted(os.listdir(ldir))
        assert len(pdfs) == files == 4, pdfs
        # letters in file order
        order = iter(want)
        template = None
        sampled = 0
        for pdf in pdfs:
            path = os.path.join(ldir, pdf)
            assert os.stat(path).st_mode & 0o777 == 0o600
            npages = int(re.search(r"Pages:\s+(\d+)", run("pdfinfo", path).stdout).group(1))
            assert npages % pages == 0
            text = run("pdftotext", "-layout", path, "-").stdout
            page_texts = text.split("\f")[:npages]
            for i in range(0, npages, pages):
                n = next(order)
                letter = re.sub(r"[ \t\xa0]+", " ", "\n".join(page_texts[i:i + pages]))
                sp = lambda v: re.sub(r"[ \t\xa0]+", " ", v or "").strip()
                low = letter.lower()
                for w in MEDICAL:
                    assert w not in low, (w, n["ref"])
                code = n["code"]
                assert code in letter, n["ref"]
                street0 = sp(n["address"]["street"].splitlines()[0])[:20]
                assert sp(n["name"]["last"]) in letter and street0 in letter, n["ref"]
                assert n["ref"] in letter
                # the same words apart from the variable parts (the window's lines are indented)
                rest = "\n".join(l for l in "\n".join(page_texts[i:i + pages]).splitlines()
                                 if not re.match(r"^\s{30,}\S", l))
                rest = re.sub(r"[ \t]+", " ", rest)
                for v in [code, n["ref"], n["name"]["first"], n["name"]["last"], n["address"]["postcode"],
                          n["address"]["city"]] + n["address"]["street"].splitlines():
                    rest = rest.replace(sp(v), "")
                rest = re.sub(r"^\s*•.*$", "", rest, flags=re.M)        # the classes
                # a long class label wraps onto a line of its own: the list runs
                # from its heading to the fixed medical sentence
                rest = re.sub(r"(dans ce fichier :\n).*?(\n\s*Ce fichier contient aussi)", r"\1\2", rest,
                              flags=re.S)
                rest = re.sub(r"Aux représentants légaux de", "", rest)  # minors' address line
                rest = re.sub(r"[ \t]+", " ", rest)
                rest = "\n".join(l.strip() for l in rest.splitlines() if l.strip())
                if template is None:
                    template = rest
                else:
                    if rest != template:
                        import difflib
                        print("\n".join(difflib.unified_diff(template.splitlines(), rest.splitlines(), lineterm="")))
                    assert rest == template, f"letter {n['ref']} differs in wording"
                # the QR code of some letters
                if sampled < 6 and i % 37 == 0:
                    png = os.path.join(tmp, "qr")
                    run("pdftoppm", "-f", str(i + 2), "-l", str(i + 2), "-r", "150", "-png", "-singlefile", path, png)
                    qr = run("zbarimg", "--quiet", "--raw", png + ".png").stdout.strip()
                    assert qr == URL + "#claim=" + code, (qr, code)
                    sampled += 1
        assert next(order, None) is None
        assert sampled >= 4
        art = os.path.join(build, "test-artifacts")
        os.makedirs(art, exist_ok=True)
        run("pdftoppm", "-f", "1", "-l", "1", "-r", "80", "-png", "-singlefile", os.path.join(ldir, pdfs[0]),
            os.path.join(art, "letter-page1"))
        # nothing outside DIR holds a code or a name
        codes = [n["code"] for n in notices[:300]] + [n["code"].replace("-", "") for n in notices[:300]]
        names = [n["name"]["last"] for n in notices[:300] if len(n["name"]["last"] or "") > 5]
        for root, _, fs in os.walk(tmp):
            if root.startswith(notes):
                continue
            for fn in fs:
                p = os.path.join(root, fn)
                if p == leak:
                    continue
                data = open(p, "rb").read()
                for s in codes + names:
                    assert s.encode() not in data, (p, "holds a code or a name")
        for s in codes[:50]:
            assert s not in r.stderr and s not in r.stdout
        # the code of a letter, with the NIR and date of birth, at the command line (--stdin, never argv)
        n = next(x for x in notices if x["match"].get("nir"))
        dob = n["match"]["dob"]
        dmy = f"{dob[8:10]}/{dob[5:7]}/{dob[0:4]}"
        r = subprocess.run([bc, "check", "--index", idx, "--key", key, "--claim", "--stdin", "--json", "--lang", "en"],
                           input=f'{n["code"]}\n{n["match"]["nir"]}\n{dmy}\n', capture_output=True, text=True)
        assert r.returncode == 0, r.stderr
        rep = json.loads(r.stdout)
        assert rep["found"] and rep["checked"] == ["claim"], rep
        assert n["code"] not in r.stdout + r.stderr and n["match"]["nir"] not in r.stdout + r.stderr
        # the date of birth may be left empty when the NIR is the claim's (DESIGN §6)
        r = subprocess.run([bc, "check", "--index", idx, "--key", key, "--claim", "--stdin", "--json", "--lang", "en"],
                           input=f'{n["code"]}\n{n["match"]["nir"]}\n\n', capture_output=True, text=True)
        assert r.returncode == 0 and json.loads(r.stdout)["found"], (r.returncode, r.stderr)
        bad = n["code"][:-1] + ("0" if n["code"][-1] != "0" else "1")
        r = subprocess.run([bc, "check", "--index", idx, "--key", key, "--claim", "--stdin"],
                           input=f'{bad}\n{n["match"]["nir"]}\n\n', capture_output=True, text=True)
        assert r.returncode == 2 and "typo" in r.stderr, (r.returncode, r.stderr)
        r = subprocess.run([bc, "check", "--index", idx, "--key", key, "--claim", "--nir", n["match"]["nir"]],
                           input="", capture_output=True, text=True)
        assert r.returncode == 2, "an identifier on the command line with --claim is refused"
        # reissue (after the DPO's identity check): the old code stops, the new one works, the others too
        def claim_found(code, nir, dmy=""):
            r = subprocess.run([bc, "check", "--index", idx, "--key", key, "--claim", "--stdin", "--json"],
                               input=f"{code}\n{nir}\n{dmy}\n", capture_output=True, text=True)
            return r.returncode == 0 and json.loads(r.stdout)["found"]
        other = next(x for x in notices if x["match"].get("nir") and x is not n)
        r = run(bc, "notify", notes, "--reissue", "--index", idx, "--key", key, "--nir", n["match"]["nir"])
        assert n["ref"] in r.stderr and n["code"] not in r.stderr
        after = {x["ref"]: x for x in (json.loads(l) for l in run(bc, "notify", notes, "--export").stdout.splitlines())}
        new = after[n["ref"]]["code"]
        assert new != n["code"] and after[n["ref"]].get("reissued")
        assert not claim_found(n["code"], n["match"]["nir"])
        assert claim_found(new, n["match"]["nir"])
        assert claim_found(other["code"], other["match"]["nir"])
        r = run(bc, "notify", notes, "--letters", "--ref", n["ref"], "--index", idx, "--key", key, "--page-url", URL,
                "--helpline", "01 99 00 12 34")
        assert "letters: 1 printed" in r.stderr, r.stderr
        print(f"OK: {printed} letters, {pages} pages each, {sampled} QR codes decoded, {held} held back")
        return 0
    finally:
        shutil.rmtree(tmp, ignore_errors=True)

if __name__ == "__main__":
    sys.exit(main())
