#!/usr/bin/python3
"""connrate.py serve PORT | connrate.py ADDR PORT SECONDS: new TCP connections
per second (connect, close), against a server that accepts and closes."""
import socket
import sys
import time

if sys.argv[1] == 'serve':
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(('0.0.0.0', int(sys.argv[2])))
    s.listen(4096)
    while True:
        c, _ = s.accept()
        c.close()
addr, port, seconds = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
n, end = 0, time.monotonic() + seconds
while time.monotonic() < end:
    c = socket.create_connection((addr, port), timeout=2)
    c.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b'\x01\x00\x00\x00\x00\x00\x00\x00')
    c.close()
    n += 1
print('%.0f' % (n / seconds))
