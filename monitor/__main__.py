"""`python -m monitor` is the same program as `dialnexa-monitor`."""

from monitor.cli import main

raise SystemExit(main())
