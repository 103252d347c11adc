#!/usr/bin/python3
"""The ipset file the way the seeds' Ansible role renders it: a Jinja2 template
over the list, one `add` line per entry."""
import sys
import jinja2

TEMPLATE = """create -exist ip_allow hash:net family inet hashsize 1024 maxelem {{ maxelem }}
{% for ip in ips %}{% if ':' not in ip %}add -exist ip_allow {{ ip }}
{% endif %}{% endfor %}"""

with open(sys.argv[1]) as f:
    ips = [line.strip() for line in f if line.strip()]
sys.stdout.write(jinja2.Template(TEMPLATE).render(ips=ips, maxelem=max(65536, len(ips))))
