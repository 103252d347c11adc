#!/usr/bin/python3
"""The ipset file the way the seeds' Ansible role (ryandaniels.iptables_docker)
makes it: the allowlist is a list variable in a YAML vars file, loaded the way
Ansible loads vars (libyaml's parser, a Python constructor: CSafeLoader), and
rendered by the role's ip_allow.set template with Ansible's template defaults
(trim_blocks). IPv6 entries are left out, as dfwgen's family = ipv4 does.

--list FILE renders the same template from a plain list, one entry a line:
the Jinja2 rendering alone, without the variables a role run loads."""
import sys

import jinja2
import yaml

TEMPLATE = """# Recreate the ipset if needed, and flush all entries
create -exist ip_allow hash:net family inet hashsize 1024 maxelem {{ iptables_docker_ipset_maxelem }}

# User added trusted/allowed IPs
{% for ipaddress in iptables_docker_ip_allow_set -%}
{% if ':' not in ipaddress %}
add ip_allow {{ ipaddress }}
{% endif %}
{% endfor %}
"""

if sys.argv[1] == '--list':
    with open(sys.argv[2]) as f:
        ips = [line.strip() for line in f if line.strip()]
    variables = {'iptables_docker_ip_allow_set': ips, 'iptables_docker_ipset_maxelem': max(65536, len(ips))}
else:
    with open(sys.argv[1]) as f:
        variables = yaml.load(f, Loader=yaml.CSafeLoader)
env = jinja2.Environment(trim_blocks=True)
sys.stdout.write(env.from_string(TEMPLATE).render(**variables))
