from lstmdyn.book.cli import main

raise SystemExit(main())
