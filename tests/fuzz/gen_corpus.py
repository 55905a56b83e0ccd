#!/usr/bin/env python3
"""Writes the fuzzers' seed corpora and dictionaries.

    gen_corpus.py FIXTURES.json OUTDIR

FIXTURES.json is what a fuzzer writes with FUZZ_DUMP=FILE (the fixed tokens,
the ids of the fixture applications, the issued certificate); tools/fuzz makes
it.  Writes OUTDIR/seeds/{request,objection,jws}/ and OUTDIR/{request,
objection,jws}.dict: the checked-in dictionary of each fuzzer (tests/fuzz/
NAME.dict) followed by entries made from the fixtures and from the JSON
Schemas of the kinds (schema/*.schema.json).

The request seeds are the requests the API tests make: every route, with the
example envelopes of tests/api/examples/ as bodies, a few pipelined
sequences, and HTTP forms the decoder must take (chunked, Expect, proxies).
"""
import copy
import hashlib
import io
import json
import os
import sys
import zipfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
KINDS = ("incubator", "first_store", "tourism_award")

MUNICIPAL = {
    "incubator": {
        "expert_review": {"date": "2020-09-20", "passed": True, "summary": "专家评审通过"},
        "site_inspection": {"date": "2020-09-22", "passed": True, "summary": "实地核查属实"},
    },
    "first_store": {"audited_amount_fen": 130000000},
    "tourism_award": {
        "audit": {"firm": "北京测试会计师事务所", "date": "2020-09-20", "passed": True,
                  "summary": "接待与组织人天数经审核属实。"},
        "expert_panel": {"date": "2020-09-22", "passed": True, "summary": "专家评审组同意给予奖励。"},
    },
}


def example(kind):
    with open(os.path.join(ROOT, "tests", "api", "examples", kind + ".json"),
              encoding="utf-8") as f:
        return json.load(f)


def dumps(doc):
    return json.dumps(doc, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def http(method, path, token=None, body=None, headers=(), close=False):
    lines = ["%s %s HTTP/1.1" % (method, path), "Host: fuzz"]
    if token:
        lines.append("Authorization: Bearer " + token)
    if isinstance(body, (dict, list)):
        body = dumps(body)
    if body is not None:
        lines.append("Content-Type: application/json")
        lines.append("Content-Length: %d" % len(body))
    lines.extend(headers)
    if close:
        lines.append("Connection: close")
    head = ("\r\n".join(lines) + "\r\n\r\n").encode("utf-8")
    return head + (body or b"")


def request_seeds(fx):
    t = fx["tokens"]
    ids = fx["applications"]
    serial = fx["serial"]
    cert = fx["certificate"]
    seeds = {}

    def add(name, data):
        seeds[name] = data

    for path in ("/healthz", "/readyz", "/metrics", "/v1/notices", "/.well-known/jwks.json", "/",
                 "/app.js", "/style.css", "/v1/certificates/" + serial,
                 "/v1/schemas/incubator", "/v1/schemas/first_store",
                 "/v1/schemas/tourism_award"):
        add("get" + path.replace("/", "_").replace(".", "_"), http("GET", path))
    for who in t:
        add("account_" + who, http("GET", "/v1/account", t[who]))
    add("units", http("GET", "/v1/review-units", t["applicant_a"]))
    for who in ("applicant_a", "district_110108", "municipal_science_tech", "auditor"):
        add("list_" + who, http("GET", "/v1/applications", t[who]))
    add("list_filtered", http("GET", "/v1/applications?kind=incubator&status=public_notice"
                                     "&review_unit=110108&round=2020&limit=2&cursor=9",
                              t["auditor"]))
    for name, app in ids.items():
        add("app_" + name, http("GET", "/v1/applications/%d" % app, t["auditor"]))
        add("events_" + name, http("GET", "/v1/applications/%d/events" % app, t["applicant_a"]))
    add("certificate", http("GET", "/v1/applications/%d/certificate" % ids["approved"],
                            t["applicant_a"]))
    add("objections", http("GET", "/v1/applications/%d/objections" % ids["notice"],
                           t["municipal_commerce"]))
    add("ranking_get", http("GET", "/v1/rounds/tourism_award/2020/ranking", t["auditor"]))

    for kind in KINDS:
        env = example(kind)
        add("create_" + kind, http("POST", "/v1/applications", t["applicant_a"], env))
        add("put_" + kind, http("PUT", "/v1/applications/%d" % ids["draft"], t["applicant_a"],
                                env, ["If-Match: \"1\""]))
    env = example("tourism_award")
    env["applicant"] = {"name": "北京市测试旅游集团有限公司", "uscc": "91110000802100433B"}
    env["review_unit"] = "110105"
    add("create_applicant_b", http("POST", "/v1/applications", t["applicant_b"], env))
    add("submit", http("POST", "/v1/applications/%d/submit" % ids["draft"], t["applicant_a"]))
    add("withdraw", http("POST", "/v1/applications/%d/withdraw" % ids["draft"],
                         t["applicant_a"], headers=["If-Match: \"1\""]))
    for decision in ("approve", "return", "reject"):
        body = {"stage": "district", "decision": decision, "opinion": "材料齐全"}
        add("district_" + decision, http("POST", "/v1/applications/%d/reviews"
                                         % ids["district_review"], t["district_110108"], body))
    body = dict({"stage": "municipal", "decision": "approve"}, **MUNICIPAL["first_store"])
    add("municipal_approve", http("POST", "/v1/applications/%d/reviews"
                                  % ids["municipal_review"], t["municipal_commerce"], body))
    body = dict({"stage": "municipal", "decision": "approve",
                 "override_reason": "经复核，未通过的条件不影响认定。"}, **MUNICIPAL["incubator"])
    add("municipal_incubator", http("POST", "/v1/applications/%d/reviews"
                                    % ids["municipal_review"], t["municipal_science_tech"], body))
    body = dict({"stage": "municipal", "decision": "approve"}, **MUNICIPAL["tourism_award"])
    add("municipal_tourism", http("POST", "/v1/applications/%d/reviews" % ids["returned"],
                                  t["municipal_culture_tourism"], body))
    add("objection", http("POST", "/v1/applications/%d/objections" % ids["notice_clean"], None,
                          {"name": "张三", "contact": "13800000000 / zhangsan@example.com",
                           "reason": "申报材料中的接待人数与实际不符。"}))
    add("resolution", http("POST", "/v1/applications/%d/objections/1/resolution" % ids["notice"],
                           t["municipal_commerce"],
                           {"outcome": "dismissed", "opinion": "经核查不属实。"}))
    add("verify", http("POST", "/v1/certificates/verify", None, cert))
    add("verify_jws", http("POST", "/v1/certificates/verify", None, {"jws": cert["jws"]}))
    add("revoke", http("POST", "/v1/certificates/%s/revocation" % serial,
                       t["municipal_science_tech"],
                       {"reason": "在孵企业数量造假。", "ground": "fraud"}))
    add("revoke_refund", http("POST", "/v1/certificates/%s/revocation" % serial,
                              t["municipal_science_tech"],
                              {"reason": "一年内关闭。", "ground": "closed_within_year",
                               "refund_fen": 1000}))
    ranking = http("POST", "/v1/rounds/tourism_award/2020/ranking", t["municipal_culture_tourism"])
    add("ranking", ranking)
    body = dict({"stage": "municipal", "decision": "approve"}, **MUNICIPAL["tourism_award"])
    for app in ("tourism_a", "tourism_b"):
        add("seq_rank_approve_" + app, ranking + http(
            "POST", "/v1/applications/%d/reviews" % ids[app], t["municipal_culture_tourism"],
            body) + http("GET", "/v1/rounds/tourism_award/2020/ranking", t["auditor"]))
    add("seq_rank_reject", ranking + http(
        "POST", "/v1/applications/%d/reviews" % ids["tourism_b"], t["municipal_culture_tourism"],
        {"stage": "municipal", "decision": "reject", "opinion": "不符合条件。"}))
    add("signup", http("POST", "/v1/signup", None,
                       {"name": "北京模糊测试有限公司", "uscc": "91110108MA011000AK",
                        "email": "new@example.cn", "password": "a-long-password-1"}))
    login = http("POST", "/v1/session", None, {"email": fx["email"], "password": fx["password"]})
    add("login", login)
    add("logout", http("DELETE", "/v1/session", t["applicant_a"]))
    for role, extra in (("applicant", {"uscc": "91110105MA011037BK"}),
                        ("district_reviewer", {"unit": "110105"}),
                        ("municipal_reviewer", {"authority": "commerce"}),
                        ("auditor", {}), ("admin", {})):
        add("account_add_" + role, http("POST", "/v1/accounts", t["admin"],
                                        dict({"role": role, "name": "新账户"}, **extra)))
    add("unit_add", http("POST", "/v1/review-units", t["admin"],
                         {"id": "soe:模糊测试集团", "name_zh": "测试单位", "name_en": "Test unit"}))

    # Pipelined: what one input may do in sequence on one connection.
    add("seq_create_list", http("POST", "/v1/applications", t["applicant_a"],
                                example("incubator")) +
        http("GET", "/v1/applications?limit=100", t["district_110108"]))
    add("seq_create_submit", http("POST", "/v1/applications", t["applicant_a"],
                                  example("first_store")) +
        http("POST", "/v1/applications/%d/submit" % (max(ids.values()) + 1), t["applicant_a"]))
    # The session a sign-in opens as the first request of an input is always
    # the same (fuzz_server.c), so the requests after it can use it.
    cookie = "Cookie: sb_session=%s; sb_csrf=%s" % (fx["session"]["cookie"],
                                                    fx["session"]["csrf"])
    csrf = "X-CSRF-Token: " + fx["session"]["csrf"]
    add("seq_login_account", login + http("GET", "/v1/account", headers=[cookie]))
    add("seq_login_create", login + http("POST", "/v1/applications", body=example("incubator"),
                                         headers=[cookie, csrf]))
    add("seq_login_logout", login + http("DELETE", "/v1/session", headers=[cookie, csrf]) +
        http("GET", "/v1/account", headers=[cookie]))

    # HTTP forms the decoder must take.
    body = dumps(example("tourism_award"))
    chunked = b"".join(b"%x\r\n%s\r\n" % (len(body[i:i + 200]), body[i:i + 200])
                       for i in range(0, len(body), 200)) + b"0\r\n\r\n"
    add("chunked", ("POST /v1/applications HTTP/1.1\r\nHost: fuzz\r\nAuthorization: Bearer %s\r\n"
                    "Content-Type: application/json; charset=utf-8\r\n"
                    "Transfer-Encoding: chunked\r\n\r\n" % t["applicant_a"]).encode() + chunked)
    add("expect", http("POST", "/v1/certificates/verify", None, {"jws": "a.b.c"},
                       ["Expect: 100-continue"]))
    add("proxy", http("GET", "/metrics", headers=["X-Forwarded-For: 10.0.0.1, 127.0.0.1",
                                                  "X-Forwarded-Proto: https"]))
    add("http10", b"GET /healthz HTTP/1.0\r\n\r\n")
    add("head", http("HEAD", "/v1/notices"))
    add("options", http("OPTIONS", "/v1/applications"))
    add("encoded_path", http("GET", "/v1/applications/%31?kind=%E5%AD%B5", t["auditor"]))
    add("cookie", http("GET", "/v1/account", headers=["Cookie: sb_session=x; sb_csrf=y"]))
    add("too_large", http("POST", "/v1/signup", None, None, ["Content-Length: 99999999999"]))

    # Materials: files as bodies (magic bytes, an OFD's ZIP directory), their
    # list, download and deletion; the versions.
    def upload(type_, ctype, data, extra=()):
        head = ["POST /v1/applications/%d/materials?type=%s HTTP/1.1" % (ids["draft"], type_),
                "Host: fuzz", "Authorization: Bearer " + t["applicant_a"],
                "Content-Type: " + ctype, "Content-Length: %d" % len(data)] + list(extra)
        return ("\r\n".join(head) + "\r\n\r\n").encode("utf-8") + data

    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("OFD.xml", "<ofd:OFD/>")
        z.writestr("Doc_0/Document.xml", "<ofd:Document/>")
    add("material_pdf", upload("audit_report", "application/pdf", b"%PDF-1.7\n% fuzz\n",
                               ["Content-Disposition: attachment; filename*=UTF-8''%E5%AE%A1.pdf"]))
    add("material_ofd", upload("application_form", "application/ofd", buf.getvalue()))
    add("material_png", upload("business_licence", "image/png", b"\x89PNG\r\n\x1a\n" + b"\0" * 16))
    add("material_wrong", upload("business_licence", "application/pdf", b"\xff\xd8\xff\xe0"))
    add("material_list", http("GET", "/v1/applications/%d/materials" % ids["draft"],
                              t["applicant_a"]))
    add("material_get", http("GET", "/v1/applications/%d/materials/1" % ids["draft"],
                             t["applicant_a"]))
    add("material_delete", http("DELETE", "/v1/applications/%d/materials/1" % ids["draft"],
                                t["applicant_a"]))
    add("kind_materials", http("GET", "/v1/kinds/first_store/materials"))
    add("version", http("GET", "/v1/applications/%d/versions/1" % ids["draft"], t["auditor"]))
    add("withdraw_opinion", http("POST", "/v1/applications/%d/withdraw" % ids["draft"],
                                 t["applicant_a"], {"opinion": "不再申报"}))
    return seeds


def objection_seeds():
    base = {"name": "张三", "contact": "13800000000 / zhangsan@example.com",
            "reason": "申报材料中的接待人数与实际不符。"}
    seeds = {"plain": base}
    seeds["ascii"] = {"name": "Zhang San", "contact": "z@example.com", "reason": "Numbers differ."}
    seeds["long_reason"] = dict(base, reason="不实。" * 300)
    seeds["emoji"] = dict(base, contact="😀" * 20)
    seeds["extra_member"] = dict(base, status="resolved")
    seeds["missing"] = {"name": "张三"}
    seeds["types"] = {"name": 1, "contact": None, "reason": ["x"]}
    out = {k: dumps(v) for k, v in seeds.items()}
    out["escapes"] = b'{"name":"\\u5f20\\u4e09","contact":"a\\nb","reason":"\\ud83d\\ude00 x"}'
    return out


def jws_seeds(fx):
    cert = fx["certificate"]
    jws = cert["jws"]
    h, p, s = jws.split(".")
    seeds = {
        "issued": dumps(cert),
        "jws_only": dumps({"jws": jws}),
        "string": dumps(jws),
        "bare": jws.encode() + b"\n",
        "other_sig": (h + "." + p + "." + "A" * 86).encode(),
        "no_kid": ("eyJhbGciOiJFZERTQSJ9." + p + "." + s).encode(),
        "crit": ("eyJhbGciOiJFZERTQSIsImtpZCI6IngiLCJjcml0IjpbXX0." + p + "." + s).encode(),
        "changed": dumps({"certificate": dict(cert["certificate"], kind="first_store"),
                          "jws": jws}),
        "empty_parts": b"..",
    }
    jwks = json.dumps(fx["jwks"]).encode()
    seeds["with_jwks"] = dumps(cert) + b"\n--jwks\n" + jwks
    other = copy.deepcopy(fx["jwks"])
    other["keys"][0]["x"] = "A" * 43
    seeds["with_other_jwks"] = jws.encode() + b"\n--jwks\n" + dumps(other)
    return seeds


def schema_words():
    """Member names and enum values of the kinds' JSON Schemas."""
    words = set()

    def walk(node):
        if isinstance(node, dict):
            for k, v in node.get("properties", {}).items():
                words.add(k)
                walk(v)
            for v in node.get("enum", []):
                if isinstance(v, str):
                    words.add(v)
            for k in ("items", "prefixItems", "oneOf", "anyOf", "allOf"):
                if k in node:
                    walk(node[k])
        elif isinstance(node, list):
            for v in node:
                walk(v)

    for kind in KINDS:
        with open(os.path.join(ROOT, "schema", kind + ".schema.json"), encoding="utf-8") as f:
            walk(json.load(f))
    return sorted(words)


def dict_entry(data):
    if isinstance(data, str):
        data = data.encode("utf-8")
    out = []
    for b in data:
        if b in (0x22, 0x5c) or b < 0x20 or b > 0x7e:
            out.append("\\x%02x" % b)
        else:
            out.append(chr(b))
    return '"%s"' % "".join(out)


def write_dict(path, static_name, entries):
    with open(os.path.join(HERE, static_name), encoding="utf-8") as f:
        text = f.read()
    seen = set()
    lines = []
    for e in entries:
        if len(e.encode("utf-8") if isinstance(e, str) else e) > 64:
            continue  # libFuzzer takes words of at most 64 bytes
        line = dict_entry(e)
        if line not in seen:
            seen.add(line)
            lines.append(line)
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)
        f.write("\n# made by gen_corpus.py from the fixtures and schema/\n")
        f.write("\n".join(lines) + "\n")


def write_seeds(directory, seeds):
    os.makedirs(directory, exist_ok=True)
    for name, data in seeds.items():
        digest = hashlib.sha1(data).hexdigest()[:12]
        with open(os.path.join(directory, "%s-%s" % (name, digest)), "wb") as f:
            f.write(data)


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    with open(sys.argv[1], encoding="utf-8") as f:
        fx = json.load(f)
    out = sys.argv[2]
    write_seeds(os.path.join(out, "seeds", "request"), request_seeds(fx))
    write_seeds(os.path.join(out, "seeds", "objection"), objection_seeds())
    write_seeds(os.path.join(out, "seeds", "jws"), jws_seeds(fx))

    words = [json.dumps(w, ensure_ascii=False) for w in schema_words()]
    tokens = list(fx["tokens"].values())
    ids = sorted(set(fx["applications"].values()))
    request_words = (["Bearer " + t for t in tokens] + tokens + [fx["serial"], fx["email"],
                     fx["password"], "sb_session=" + fx["session"]["cookie"],
                     fx["session"]["csrf"]] + ["/v1/applications/%d" % i for i in ids] +
                     ["/v1/certificates/" + fx["serial"]] + words)
    write_dict(os.path.join(out, "request.dict"), "request.dict", request_words)
    write_dict(os.path.join(out, "objection.dict"), "objection.dict", [])
    jws = fx["certificate"]["jws"]
    jws_words = jws.split(".") + [fx["serial"], fx["jwks"]["keys"][0]["kid"]]
    write_dict(os.path.join(out, "jws.dict"), "jws.dict", jws_words)


if __name__ == "__main__":
    main()
