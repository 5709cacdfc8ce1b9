#!/usr/bin/python3
"""Writes the parser corpus: tests/corpus/malformed/*.hex + MANIFEST (one
file per malformation, each naming the error dg_pkt_parse() must return),
tests/corpus/valid/*.hex + MANIFEST (well-formed messages built with
dnspython, with the counts and question dnspython reads back), and the same
packets as binary seeds in tests/fuzz/seeds/pkt/. Run from the repository
root; the output is committed, so run it again only to add cases (the
TSIG time and dnspython's RRset order change from run to run)."""
import pathlib
import struct

import dns.message
import dns.name
import dns.rdatatype
import dns.rrset
import dns.tsigkeyring
import dns.update
import dns.edns

ROOT = pathlib.Path(__file__).resolve().parent.parent
MAL = ROOT / "tests/corpus/malformed"
VALID = ROOT / "tests/corpus/valid"
SEEDS = ROOT / "tests/fuzz/seeds/pkt"


def hdr(qd=1, an=0, ns=0, ar=0, flags=0x0100, qid=0xABCD):
    return struct.pack("!6H", qid, flags, qd, an, ns, ar)


def name(text):
    """Uncompressed wire form of a dotted name (no escapes needed here)."""
    out = b""
    for label in text.rstrip(".").split("."):
        if label:
            out += bytes([len(label)]) + label.encode()
    return out + b"\0"


def ptr(off):
    return struct.pack("!H", 0xC000 | off)


def rr(owner, rtype, rdata, rclass=1, ttl=300, rdlen=None):
    n = len(rdata) if rdlen is None else rdlen
    return owner + struct.pack("!HHIH", rtype, rclass, ttl, n) + rdata


QNAME = name("www.example.com")  # at offset 12, 17 octets
QUESTION = QNAME + struct.pack("!HH", 1, 1)  # ends at offset 33
OPT = rr(b"\0", 41, b"", rclass=1232, ttl=0)
A, NS, CNAME, SOA, MX, AAAA, SRV, TSIG = 1, 2, 5, 6, 15, 28, 33, 250
OPAQUE = 0xFF00  # private-use type: RDATA not interpreted

# (file stem, expected error, parts as (bytes, comment), optional mode)
CASES = [
    ("empty", "DG_EHDR_SHORT", [(b"", "zero octets")]),
    ("hdr-short", "DG_EHDR_SHORT", [(hdr()[:11], "11 of 12 header octets")]),
    ("qdcount-0", "DG_EQDCOUNT",
     [(hdr(qd=0), "query with qdcount 0"), (QUESTION, "question present anyway")], "question"),
    ("qdcount-2", "DG_EQDCOUNT",
     [(hdr(qd=2), "qdcount 2"), (QUESTION, "question 1"), (QUESTION, "question 2")]),
    ("question-trunc", "DG_EQUESTION_TRUNC",
     [(hdr(), "header"), (QNAME, "www.example.com."), (b"\0\1", "qtype only, no qclass")]),
    ("qname-trunc", "DG_ENAME_TRUNC",
     [(hdr(), "header"), (QNAME[:10], "qname cut inside 'example'")]),
    ("qname-noroot", "DG_ENAME_TRUNC",
     [(hdr(), "header"), (QNAME[:-1], "qname without its root label")]),
    ("ptr-half", "DG_ENAME_TRUNC", [(hdr(), "header"), (b"\x03www\xc0", "half a pointer")]),
    ("ptr-self", "DG_EPTR_SELF",
     [(hdr(), "header"), (ptr(12) + b"\0\1\0\1", "qname is a pointer to offset 12: itself")]),
    ("ptr-self-question", "DG_EPTR_SELF",
     [(hdr(), "header"), (ptr(12) + b"\0\1\0\1", "same, through dg_pkt_parse_question")],
     "question"),
    ("ptr-forward", "DG_EPTR_FORWARD",
     [(hdr(an=1), "header"), (QUESTION, "question"),
      (rr(ptr(35), A, b"\1\2\3\4"), "33: owner points at 35, after itself")]),
    ("ptr-mutual", "DG_EPTR_FORWARD",
     [(hdr(an=2), "header"), (QUESTION, "question"),
      (rr(ptr(47), OPAQUE, b""), "33: owner points at the next owner (47)"),
      (rr(ptr(33), OPAQUE, b""), "47: owner points back at 33: a two-pointer loop")]),
    ("ptr-range", "DG_EPTR_RANGE",
     [(hdr(an=1), "header"), (QUESTION, "question"),
      (rr(ptr(0x3FFF), A, b"\1\2\3\4"), "owner points at 16383, past the end")]),
    ("ptr-loop", "DG_EPTR_LOOP",
     [(hdr(an=1), "header"), (QUESTION, "question"),
      (rr(b"\1x" + ptr(33), OPAQUE, b""),
       "33: 'x' then a pointer back to 33: revisits its own start")]),
    ("ptr-loop-chain", "DG_EPTR_LOOP",
     [(hdr(an=1), "header"), (QUESTION, "question"),
      (rr(b"\x03a" + ptr(33) + ptr(35), OPAQUE, b""),
       "33: label of 3 octets (a c0 21), 37: pointer to 35, 35: pointer to 33, "
       "then 37 again: each pointer is backward, the chain is a loop")]),
    ("label-64", "DG_ELABEL_TYPE",
     [(hdr(), "header"),
      (b"\x40" + b"a" * 64 + b"\0\0\1\0\1",
       "a 64-octet label: its length octet 0x40 is the reserved label type")]),
    ("label-type-40", "DG_ELABEL_TYPE",
     [(hdr(), "header"), (b"\x41\x00\0\1\0\1", "0x41: extended label type (RFC 6891 retired)")]),
    ("label-type-80", "DG_ELABEL_TYPE",
     [(hdr(), "header"), (b"\x83www\0\0\1\0\1", "0x83: label type 0x80 is unassigned")]),
    ("name-256", "DG_ENAME_LONG",
     [(hdr(), "header"),
      (b"\x3f" + b"a" * 63 + b"\x3f" + b"b" * 63 + b"\x3f" + b"c" * 63 + b"\x3e" + b"d" * 62
       + b"\0\0\1\0\1", "qname 63+63+63+62 octet labels: 256 octets")]),
    ("name-256-ptr", "DG_ENAME_LONG",
     [(hdr(an=1), "header"),
      (b"\x3f" + b"a" * 63 + b"\x3f" + b"b" * 63 + b"\x3f" + b"c" * 63 + b"\x3d" + b"d" * 61
       + b"\0\0\1\0\1", "qname of exactly 255 octets"),
      (rr(b"\1x" + ptr(12), OPAQUE, b""), "owner 'x' + pointer to the qname: 257 octets")]),
    ("ancount-lie", "DG_ECOUNT",
     [(hdr(an=3), "ancount 3"), (QUESTION, "question"),
      (rr(ptr(12), A, b"\1\2\3\4"), "the only answer")]),
    ("ancount-lie-boundary", "DG_ECOUNT",
     [(hdr(an=2), "ancount 2"), (QUESTION, "question"),
      (rr(ptr(12), OPAQUE, bytes(12)), "one answer of 24 octets: room for 2 by size, ends here")]),
    ("counts-huge", "DG_ECOUNT",
     [(hdr(an=0xFFFF, ns=0xFFFF, ar=0xFFFF), "every count 65535"), (QUESTION, "question")]),
    ("rr-hdr-trunc", "DG_ERR_TRUNC",
     [(hdr(an=1), "header"), (QUESTION, "question"),
      (QNAME + b"\0\1\0\1\0\0", "owner, type, class, then 2 of 4 TTL octets")]),
    ("rdlen-past-end", "DG_ERDATA_TRUNC",
     [(hdr(an=1), "header"), (QUESTION, "question"),
      (rr(ptr(12), OPAQUE, b"\1\2\3", rdlen=16), "rdlen 16, 3 octets follow")]),
    ("a-rdlen5", "DG_ERDATA_FORMAT",
     [(hdr(an=1), "header"), (QUESTION, "question"),
      (rr(ptr(12), A, b"\1\2\3\4\5"), "A with 5 octets of RDATA")]),
    ("aaaa-rdlen4", "DG_ERDATA_FORMAT",
     [(hdr(an=1), "header"), (QUESTION, "question"),
      (rr(ptr(12), AAAA, b"\1\2\3\4"), "AAAA with 4 octets of RDATA")]),
    ("soa-short", "DG_ERDATA_FORMAT",
     [(hdr(ns=1), "header"), (QUESTION, "question"),
      (rr(ptr(16), SOA, ptr(12) + ptr(12) + bytes(19)),
       "SOA: MNAME, RNAME, then 19 of the 20 timer octets")]),
    ("ns-rdata-extra", "DG_ERDATA_FORMAT",
     [(hdr(ns=1), "header"), (QUESTION, "question"),
      (rr(ptr(16), NS, ptr(12) + b"\0"), "NS: a name and one octet more")]),
    ("mx-short", "DG_ERDATA_FORMAT",
     [(hdr(an=1), "header"), (QUESTION, "question"),
      (rr(ptr(12), MX, b"\0"), "MX: 1 octet, not even the preference")]),
    ("mx-name-trunc", "DG_ENAME_TRUNC",
     [(hdr(an=1), "header"), (QUESTION, "question"),
      (rr(ptr(12), MX, b"\0\x0a\x04ma"), "MX: exchange label of 4 cut by rdlen 5")]),
    ("srv-short", "DG_ERDATA_FORMAT",
     [(hdr(an=1), "header"), (QUESTION, "question"),
      (rr(ptr(12), SRV, b"\0\1\0\2"), "SRV: 4 of 6 fixed octets, no target")]),
    ("cname-ptr-forward", "DG_EPTR_FORWARD",
     [(hdr(an=1), "header"), (QUESTION, "question"),
      (rr(ptr(12), CNAME, ptr(47) + b"\0"),
       "CNAME target: pointer at 45 to 47, its own last octet")]),
    ("trailing", "DG_ETRAILING",
     [(hdr(an=1), "header"), (QUESTION, "question"),
      (rr(ptr(12), A, b"\1\2\3\4"), "answer"), (b"\xde\xad", "two octets after the last record")]),
    ("trailing-query", "DG_ETRAILING",
     [(hdr(), "header"), (QUESTION, "question"), (b"\0", "one octet after the question")]),
    ("opt-two", "DG_EOPT_MULTI",
     [(hdr(ar=2), "header"), (QUESTION, "question"), (OPT, "OPT"), (OPT, "second OPT")]),
    ("opt-notroot", "DG_EOPT_NOTROOT",
     [(hdr(ar=1), "header"), (QUESTION, "question"),
      (rr(ptr(12), 41, b"", rclass=1232, ttl=0), "OPT owned by www.example.com.")]),
    ("opt-answer", "DG_EOPT_SECTION",
     [(hdr(an=1), "header"), (QUESTION, "question"), (OPT, "OPT in the answer section")]),
    ("tsig-notlast", "DG_ETSIG_NOTLAST",
     [(hdr(ar=2), "header"), (QUESTION, "question"),
      (rr(name("key."), TSIG, b"", rclass=255, ttl=0), "TSIG"), (OPT, "OPT after the TSIG")]),
    ("tsig-answer", "DG_ETSIG_NOTLAST",
     [(hdr(an=1), "header"), (QUESTION, "question"),
      (rr(name("key."), TSIG, b"", rclass=255, ttl=0), "TSIG in the answer section")]),
    ("toomanyrr", "DG_ETOOMANYRR",
     [(hdr(qd=0, ar=4097), "4097 records: more than DG_PKT_MAXRR")] +
     [(rr(b"\0", OPAQUE, b"", ttl=0), None)] * 4097),
]


def write_case(stem, err, parts, mode=None):
    lines = []
    data = b""
    for chunk, comment in parts:
        if comment is not None:
            lines.append(f"# {len(data)}: {comment}")
        # Uncommented repeats (toomanyrr) stay compact: one record a line.
        lines.append((chunk.hex(" ") if comment is not None else chunk.hex()) if chunk else "")
        data += chunk
    (MAL / f"{stem}.hex").write_text("\n".join(l for l in lines if l) + "\n")
    (SEEDS / f"mal-{stem}").write_bytes(data)
    return f"{stem}.hex {err}" + (f" {mode}" if mode else "")


def valid_messages():
    """Well-formed messages from dnspython, with what it reads back."""
    out = {}
    q = dns.message.make_query("www.Example.com.", "A", id=1)
    out["query-a"] = q
    q = dns.message.make_query("example.org.", "AAAA", use_edns=0, payload=1232, id=2,
                               options=[dns.edns.ECSOption("192.0.2.0", 24),
                                        dns.edns.GenericOption(10, bytes(8))])
    out["query-edns-ecs-cookie"] = q
    q = dns.message.make_query(".", "NS", id=3, want_dnssec=True)
    out["query-root-ns-do"] = q

    q = dns.message.make_query("www.Example.com.", "A", use_edns=0, id=4)
    r = dns.message.make_response(q)
    r.answer.append(dns.rrset.from_text("www.Example.com.", 300, "IN", "CNAME", "example.com."))
    r.answer.append(dns.rrset.from_text("example.com.", 60, "IN", "A", "192.0.2.1", "192.0.2.2"))
    r.authority.append(dns.rrset.from_text("example.com.", 3600, "IN", "NS",
                                           "ns1.example.com.", "ns2.example.com."))
    r.additional.append(dns.rrset.from_text("ns1.example.com.", 3600, "IN", "A", "192.0.2.53"))
    r.additional.append(dns.rrset.from_text("ns1.example.com.", 3600, "IN", "AAAA", "2001:db8::53"))
    out["resp-cname-compressed"] = r

    q = dns.message.make_query("nope.example.net.", "A", id=5)
    r = dns.message.make_response(q)
    r.set_rcode(3)
    r.authority.append(dns.rrset.from_text(
        "example.net.", 900, "IN", "SOA",
        "ns.example.net. hostmaster.example.net. 2024010101 7200 3600 1209600 900"))
    out["resp-nxdomain-soa"] = r

    q = dns.message.make_query("example.com.", "MX", id=6)
    r = dns.message.make_response(q)
    r.answer.append(dns.rrset.from_text("example.com.", 300, "IN", "MX",
                                        "10 mail.example.com.", "20 mx2.example.com."))
    r.answer.append(dns.rrset.from_text("_sip._udp.example.com.", 300, "IN", "SRV",
                                        "10 60 5060 sip.example.com."))
    r.answer.append(dns.rrset.from_text("example.com.", 300, "IN", "NAPTR",
                                        '100 10 "S" "SIP+D2U" "" _sip._udp.example.com.'))
    r.answer.append(dns.rrset.from_text("example.com.", 300, "IN", "TXT", '"v=spf1 -all"'))
    r.answer.append(dns.rrset.from_text("1.2.0.192.in-addr.arpa.", 300, "IN", "PTR",
                                        "host.example.com."))
    out["resp-mx-srv-naptr-txt-ptr"] = r

    q = dns.message.make_query("big.example.com.", "TXT", id=7)
    r = dns.message.make_response(q)
    r.flags |= 0x0200
    out["resp-tc-empty"] = r

    keyring = dns.tsigkeyring.from_text({"key.example.": "c2VjcmV0c2VjcmV0c2VjcmV0"})
    q = dns.message.make_query("example.com.", "SOA", id=8, use_edns=0)
    q.use_tsig(keyring, keyname="key.example.")
    out["query-tsig"] = q

    u = dns.update.UpdateMessage("example.com.", id=9)
    u.present("host.example.com.")
    u.delete("old.example.com.", "MX")
    u.add("new.example.com.", 300, "A", "192.0.2.9")
    out["update"] = u
    return out


def main():
    for d in (MAL, VALID, SEEDS):
        d.mkdir(parents=True, exist_ok=True)
    manifest = ["# <file> <error dg_pkt_parse() returns> [question: use dg_pkt_parse_question()]",
                "# Generated by scripts/gen-corpus.py."]
    for case in CASES:
        manifest.append(write_case(*case))
    (MAL / "MANIFEST").write_text("\n".join(manifest) + "\n")

    vman = ["# <file> <qdcount> <ancount> <nscount> <arcount> <opt: 0/1> <tsig: 0/1> "
            "<qname> <qtype>",
            "# Generated by scripts/gen-corpus.py with dnspython " + dns.version.version + "."]
    for stem, msg in valid_messages().items():
        wire = msg.to_wire()
        qd, an, ns, ar = struct.unpack("!4H", wire[4:12])
        qname, qtype = (msg.question[0].name.to_text(), msg.question[0].rdtype)
        opt = 1 if msg.edns >= 0 else 0
        tsig = 1 if msg.keyring else 0
        lines = [f"# {stem}: built with dnspython", wire.hex(" ")]
        (VALID / f"{stem}.hex").write_text("\n".join(lines) + "\n")
        (SEEDS / f"valid-{stem}").write_bytes(wire)
        vman.append(f"{stem}.hex {qd} {an} {ns} {ar} {opt} {tsig} {qname} {int(qtype)}")
    (VALID / "MANIFEST").write_text("\n".join(vman) + "\n")
    # Presentation-format names for the fuzz target's dg_dname_from_strn().
    for i, text in enumerate(["www.Example.com.", "a\\.b\\065\\000.x", "@", ".",
                              "a..b", "\\256", "x" * 64, "\\ \\\"\\(\\;.\\@"]):
        (SEEDS / f"text-{i}").write_bytes(text.encode())


if __name__ == "__main__":
    main()
