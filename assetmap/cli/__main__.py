"""`python -m assetmap.cli`: the same command as `assetmap`."""

from assetmap.cli import main

main()
