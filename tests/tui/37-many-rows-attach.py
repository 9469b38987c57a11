#!/usr/bin/env python3
"""Test 36 through `sockdeckd attach` to a headless server with 12,000
idle connections: the attached dashboard asks the control socket for
the window it shows, and shows `Clients (12000)`, a ticking clock, End,
Home and the peer sort at once; q detaches at once (no question) and
leaves the server running."""
import importlib.util
import os

import sdtmux

spec = importlib.util.spec_from_file_location(
    "many_rows", os.path.join(os.path.dirname(os.path.abspath(__file__)),
                              "36-many-rows-live.py"))
many = importlib.util.module_from_spec(spec)
spec.loader.exec_module(many)

sdtmux.run(lambda: many.many_rows(True), deadline=58)
