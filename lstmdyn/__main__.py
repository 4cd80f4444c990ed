from lstmdyn.cli import main

raise SystemExit(main())
