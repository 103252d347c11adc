#!/usr/bin/python3
"""Deterministic benchmark inputs (fixed seed): address lists, dfwgen configs,
the equivalent ferm policy and a 100,000-rule iptables-save dump."""
import random
import sys

out = sys.argv[1]


def addresses(n, seed):
    rnd = random.Random(seed)
    for i in range(n):
        if i % 10 == 0:
            yield '2001:db8:%x:%x::/64' % (rnd.randrange(65536), rnd.randrange(65536))
        elif i % 3 == 0:
            yield '%d.%d.%d.0/24' % (rnd.randrange(1, 224), rnd.randrange(256), rnd.randrange(256))
        else:
            yield '%d.%d.%d.%d' % (rnd.randrange(1, 224), rnd.randrange(256), rnd.randrange(256), rnd.randrange(1, 255))


for n in (1000, 100000, 1000000):
    with open('%s/list.%d' % (out, n), 'w') as f:
        for a in addresses(n, n):
            f.write(a + '\n')
    with open('%s/set.%d.ini' % (out, n), 'w') as f:
        f.write('[set big]\nfile = list.%d\n[host]\ntcp = 22\nallow = big\n[containers]\nallow = big\n' % n)
        for i in range(1000):
            f.write('[port p%d]\nport = %d\nallow = big\n' % (i, 10000 + i))
    # the policy the ferm file and the Jinja2 template express: IPv4, the host only
    with open('%s/eq.%d.ini' % (out, n), 'w') as f:
        f.write('[global]\nfamily = ipv4\n[set big]\nfile = list.%d\n[host]\ntcp = 22\nallow = big\n' % n)
    # the Ansible role's vars file: the same list as a YAML list variable
    with open('%s/vars.%d.yml' % (out, n), 'w') as f:
        f.write('iptables_docker_ipset_maxelem: %d\niptables_docker_ip_allow_set:\n' % max(65536, n))
        for a in addresses(n, n):
            f.write('  - %s\n' % a)
    # ferm: the same allowlist as rules, the way per-rule tools write it
    with open('%s/ferm.%d.conf' % (out, n), 'w') as f:
        v4 = [a for a in addresses(n, n) if ':' not in a]
        f.write('table filter {\n  chain FILTERS {\n    mod state state (ESTABLISHED RELATED) ACCEPT;\n')
        f.write('    proto tcp dport 22 ACCEPT;\n    saddr (%s) ACCEPT;\n    DROP;\n  }\n}\n' % ' '.join(v4))

for ports in (10, 1000, 10000):
    with open('%s/ports.%d.ini' % (out, ports), 'w') as f:
        f.write('[set office]\nentries = 203.0.113.0/24\n[host]\ntcp = 22\n')
        for i in range(ports):
            f.write('[port p%d]\nport = %d\nallow = office, 198.51.100.%d\n' % (i, 1024 + i, i % 254 + 1))

# a busy Docker host: containers' published ports, and a long DOCKER-USER allowlist
rnd = random.Random(100000)
with open('%s/dump.100000' % out, 'w') as f:
    f.write('*filter\n:INPUT ACCEPT [0:0]\n:FORWARD DROP [0:0]\n:OUTPUT ACCEPT [0:0]\n')
    f.write(':DOCKER - [0:0]\n:DOCKER-USER - [0:0]\n-A FORWARD -j DOCKER-USER\n-A FORWARD -o docker0 -j DOCKER\n')
    f.write('-A DOCKER-USER -m conntrack --ctstate RELATED,ESTABLISHED -j RETURN\n-A DOCKER-USER -i docker0 -j RETURN\n')
    for i in range(50000):
        f.write('-A DOCKER -d 172.%d.%d.%d/32 ! -i docker0 -o docker0 -p tcp -m tcp --dport %d -j ACCEPT\n'
                % (16 + (i >> 16) % 16, (i >> 8) % 256, i % 256, 1024 + i % 50000))
    for i in range(49997):
        f.write('-A DOCKER-USER -s 10.%d.%d.0/24 -m comment --comment "allow %d" -j RETURN\n' % ((i >> 8) % 256, i % 256, i))
    f.write('-A DOCKER-USER -j DROP\nCOMMIT\n')
