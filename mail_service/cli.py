"""`mutualis mail dns [MEMBER]`: the DNS records each member domain publishes (SPF, DKIM,
DMARC), as zone file lines, for the syndicate's DNS."""

from __future__ import annotations

from mutualis.cli_support import out


def register(subparsers) -> None:
    p = subparsers.add_parser("mail", help="the members' shared mail")
    actions = p.add_subparsers(dest="action", required=True)
    dns = actions.add_parser("dns", help="the SPF, DKIM and DMARC records of the member "
                                         "domains")
    dns.add_argument("member", nargs="?", help="only this member (its code)")
    dns.set_defaults(handler=cmd_dns)


def cmd_dns(args) -> int:
    from .services import dns_records

    for code, domain, records in dns_records(args.member):
        out.print(f"; member {code}: {domain}", markup=False)
        for record in records:
            out.print(record.zone_line(), markup=False)
    return 0
